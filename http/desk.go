package http

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
	"github.com/minwon/minwon"
)

// deskHub maps users to their desktop connections and knows which contacts
// each supervisor monitors, both learned from events.
type deskHub struct {
	s        *Server
	mu       sync.Mutex
	conns    map[string]map[*wsConn]bool // user → connections
	monitors map[string]map[string]bool  // contact → supervisors watching
	shut     bool                        // closeAll ran: late sockets are closed at once
	targets  map[string]string           // transfer → the counselor it rings (transfer.go); conference → its in-house interpreter (interpreter.go)
}

func newDeskHub(s *Server) *deskHub {
	return &deskHub{s: s, conns: map[string]map[*wsConn]bool{}, monitors: map[string]map[string]bool{}, targets: map[string]string{}}
}

func (h *deskHub) add(user string, c *wsConn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.shut {
		c.close(websocket.StatusServiceRestart, "server restarting; reconnect")
	}
	if h.conns[user] == nil {
		h.conns[user] = map[*wsConn]bool{}
	}
	h.conns[user][c] = true
}

func (h *deskHub) remove(user string, c *wsConn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.conns[user], c)
	if len(h.conns[user]) == 0 {
		delete(h.conns, user)
	}
}

func (h *deskHub) closeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.shut = true
	for _, set := range h.conns {
		for c := range set {
			c.close(websocket.StatusServiceRestart, "server restarting; reconnect")
		}
	}
}

// to sends a frame to every connection of the given users.
func (h *deskHub) to(frame any, users ...string) {
	b, err := json.Marshal(frame)
	if err != nil {
		return
	}
	h.toRaw(b, users...)
}

// toRaw sends an encoded frame, shared by every connection, to the users.
func (h *deskHub) toRaw(b []byte, users ...string) {
	h.mu.Lock()
	var conns []*wsConn
	for i, u := range users {
		if u == "" || slices.Contains(users[:i], u) { // a handful of users: no map needed
			continue
		}
		for c := range h.conns[u] {
			conns = append(conns, c)
		}
	}
	h.mu.Unlock()
	for _, c := range conns {
		c.sendRaw(b)
	}
}

func (h *deskHub) watchers(contactID string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]string, 0, len(h.monitors[contactID]))
	for u := range h.monitors[contactID] {
		out = append(out, u)
	}
	return out
}

func (h *deskHub) deliver(ev *minwon.Event, f *eventFrames) {
	switch ev.Type {
	case minwon.EventMonitor:
		var p minwon.Monitor
		if ev.Decode(&p) != nil {
			return
		}
		h.mu.Lock()
		if p.On {
			if h.monitors[ev.ContactID] == nil {
				h.monitors[ev.ContactID] = map[string]bool{}
			}
			h.monitors[ev.ContactID][ev.ActorID] = true
		} else {
			delete(h.monitors[ev.ContactID], ev.ActorID)
		}
		h.mu.Unlock()
	case minwon.EventAgentState:
		var p minwon.AgentStateChanged
		if ev.Decode(&p) == nil {
			frame := map[string]any{"type": "state", "state": p.State, "reason": p.Reason, "since": ev.At}
			if st, ok := h.s.center.Agent(ev.AgentID); ok && st.ACWUntil != nil {
				frame["acw_until"] = st.ACWUntil
			}
			h.to(frame, ev.AgentID)
		}
	case minwon.EventContactOffered:
		var p minwon.ContactOffered
		ct, err := h.s.center.Contact(context.Background(), ev.ContactID)
		if ev.Decode(&p) == nil && err == nil {
			h.to(map[string]any{"type": "offer", "contact": ct, "expires_at": p.ExpiresAt, "banner": h.s.center.Banner(ct.ID), "callback": h.s.center.Callback(ct.ID)}, ev.AgentID)
		}
	case minwon.EventOfferExpired:
		h.to(map[string]any{"type": "offer_withdrawn", "contact_id": ev.ContactID}, ev.AgentID)
	case minwon.EventMessageSent:
		// Staff get the protection engine's masked text, never the abuse itself.
		if b := f.staffMessage(h.s.center); b != nil {
			h.toRaw(b, append(h.watchers(ev.ContactID), ev.AgentID)...)
		}
	case minwon.EventTyping:
		var t minwon.Typing
		if ev.Decode(&t) == nil && t.From == minwon.FromCitizen {
			h.to(map[string]any{"type": "typing", "contact_id": ev.ContactID}, ev.AgentID)
		}
	case minwon.EventContactTransfered:
		var p minwon.ContactTransferred
		ct, err := h.s.center.Contact(context.Background(), ev.ContactID)
		if ev.Decode(&p) == nil && err == nil {
			h.to(map[string]any{"type": "contact", "contact": ct}, append(h.watchers(ev.ContactID), p.FromAgent, p.ToAgent)...)
		}
	case minwon.EventContactAnswered, minwon.EventContactEnded, minwon.EventContactWrapped, minwon.EventContactRated, minwon.EventMemoSaved:
		ct, err := h.s.center.Contact(context.Background(), ev.ContactID)
		if err == nil {
			h.to(map[string]any{"type": "contact", "contact": ct}, append(h.watchers(ev.ContactID), ev.AgentID)...)
		}
		if ev.Type == minwon.EventContactWrapped {
			h.mu.Lock()
			delete(h.monitors, ev.ContactID)
			h.mu.Unlock()
		}
	case minwon.EventCoachStarted, minwon.EventCoachMode, minwon.EventCoachEnded:
		h.deliverCoach(ev)
	case minwon.EventConferenceRequested, minwon.EventConferenceJoined, minwon.EventConferenceLeft, minwon.EventConferenceFailed:
		h.deliverConference(ev)
	case minwon.EventCallConnected:
		// An outbound call's citizen answered: the protection buttons arm.
		h.to(map[string]any{"type": "call_connected", "contact_id": ev.ContactID, "at": ev.At}, append(h.watchers(ev.ContactID), ev.AgentID)...)
	case minwon.EventCallAgitation:
		// The badge on the call panel of the counselor and of supervisors listening.
		var a minwon.CallAgitation
		if ev.Decode(&a) == nil {
			h.to(map[string]any{"type": "agitation", "contact_id": ev.ContactID, "at": ev.At, "score": a.Score}, append(h.watchers(ev.ContactID), ev.AgentID)...)
		}
	case minwon.EventTransferStarted, minwon.EventTransferAnswered, minwon.EventTransferCompleted, minwon.EventTransferCancelled:
		h.transferFrame(ev)
	case minwon.EventNoticePosted:
		var n minwon.Notice
		if ev.Decode(&n) == nil {
			h.mu.Lock()
			var users []string
			for u := range h.conns {
				users = append(users, u)
			}
			h.mu.Unlock()
			var same []string
			for _, u := range users {
				if usr := h.s.center.User(u); usr != nil && usr.TenantID == n.TenantID {
					same = append(same, u)
				}
			}
			h.to(map[string]any{"type": "notice", "notice": n}, same...)
		}
	}
}

// pingFrame keeps idle desk sockets open through proxies.
var pingFrame = []byte(`{"type":"ping"}`)

type deskFrame struct {
	Type      string `json:"type"`
	ContactID string `json:"contact_id,omitempty"`
	ClientID  string `json:"client_id,omitempty"`
	Text      string `json:"text,omitempty"`
	On        bool   `json:"on,omitempty"` // softphone
}

// deskWS is a counselor's or supervisor's live connection. For counselors it
// is also their presence: the routing engine offers nothing to a counselor
// whose desktop has been gone longer than the grace period.
func (s *Server) deskWS(w http.ResponseWriter, r *http.Request) {
	s.sockets.Add(1)
	defer s.sockets.Done()
	u := userOf(r)
	conn, err := acceptWS(w, r)
	if err != nil {
		return
	}
	conn.SetReadLimit(maxFrame)
	wc := newWSConn(conn, 256)
	defer wc.close(websocket.StatusNormalClosure, "")
	s.metrics.wsConns.WithLabelValues("desk").Inc()
	defer s.metrics.wsConns.WithLabelValues("desk").Dec()
	ctx := r.Context()
	s.desk.add(u.ID, wc)
	defer s.desk.remove(u.ID, wc)
	if err := s.center.Connect(ctx, u.ID); err != nil {
		wc.send(errFrame(err))
		return
	}
	defer s.center.Disconnect(context.WithoutCancel(ctx), u.ID)
	if st, ok := s.center.Agent(u.ID); ok {
		wc.send(map[string]any{"type": "state", "state": st.State, "reason": st.Reason, "since": st.Since, "acw_until": st.ACWUntil})
	}
	for _, ct := range s.center.LiveContacts(u.ID) {
		if ct.AgentID != u.ID {
			wc.send(map[string]any{"type": "offer", "contact": ct})
		}
	}
	s.sendRings(wc, u.ID)
	// Keep the connection alive through proxies that drop idle sockets.
	wc.keepAlive(30*time.Second, pingFrame)
	// The softphone is on for as long as this socket says so and lives.
	var phoneOff func()
	defer func() {
		if phoneOff != nil {
			phoneOff()
		}
	}()
	for {
		typ, data, err := conn.Read(ctx)
		if err != nil {
			return
		}
		if typ != websocket.MessageText || !utf8.Valid(data) {
			wc.send(errFrame(minwon.Errorf(minwon.EINVALID, "frames must be UTF-8 JSON text")))
			continue
		}
		var f deskFrame
		if err := json.Unmarshal(data, &f); err != nil {
			wc.send(errFrame(minwon.Errorf(minwon.EINVALID, "malformed frame")))
			continue
		}
		switch f.Type {
		case "typing":
			s.center.Typing(ctx, f.ContactID, minwon.FromAgent, u.ID)
		case "message":
			if _, err := s.center.AgentSend(ctx, u.ID, f.ContactID, f.ClientID, f.Text); err != nil {
				e := errFrame(err)
				wc.send(map[string]any{"type": "error", "code": e.Code, "message": e.Message, "client_id": f.ClientID})
			}
		case "softphone":
			switch {
			case s.phones == nil:
				wc.send(errFrame(s.softphoneOff()))
			case f.On && phoneOff == nil:
				phoneOff = s.phones.Register(u.ID)
			case !f.On && phoneOff != nil:
				phoneOff()
				phoneOff = nil
			}
			wc.send(map[string]any{"type": "softphone", "on": phoneOff != nil})
		case "pong", "ping":
		default:
			wc.send(errFrame(minwon.Errorf(minwon.EINVALID, "unknown frame type %q", f.Type)))
		}
	}
}

// boardWS streams the status board: at once, then on every change, at most
// four times a second, and at least every second so clocks stay honest.
func (s *Server) boardWS(w http.ResponseWriter, r *http.Request) {
	s.sockets.Add(1)
	defer s.sockets.Done()
	conn, err := acceptWS(w, r)
	if err != nil {
		return
	}
	wc := newWSConn(conn, 8)
	defer wc.close(websocket.StatusNormalClosure, "")
	s.metrics.wsConns.WithLabelValues("board").Inc()
	defer s.metrics.wsConns.WithLabelValues("board").Dec()
	ctx := conn.CloseRead(r.Context())
	for {
		changed := s.board.Changed()
		wc.send(map[string]any{"type": "board", "board": s.board.Snapshot()})
		select {
		case <-ctx.Done():
			return
		case <-wc.done:
			return
		case <-time.After(250 * time.Millisecond):
		}
		select {
		case <-ctx.Done():
			return
		case <-wc.done:
			return
		case <-changed:
		case <-time.After(time.Second):
		}
	}
}
