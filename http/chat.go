package http

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
	"github.com/minwon/minwon"
	"github.com/minwon/minwon/center"
)

// Close codes beyond the standard ones (4000–4999 are the application's).
const (
	closeUnknownEntry = 4404
	closeBadResume    = 4401
	closeBusy         = 4503
	closeRateLimited  = 4429
)

// maxFrame bounds one WebSocket frame; a message's text is bounded lower by
// minwon.MaxMessageBytes and answered with an error frame, not a close.
const maxFrame = 32 << 10

// chatHub maps contacts to the citizen connections that watch them.
type chatHub struct {
	s     *Server
	mu    sync.Mutex
	conns map[string]map[*wsConn]bool
	gone  map[string]*time.Timer // waiting contacts whose citizen went away
	shut  bool                   // closeAll ran: late sockets are closed at once
}

func newChatHub(s *Server) *chatHub {
	return &chatHub{s: s, conns: map[string]map[*wsConn]bool{}, gone: map[string]*time.Timer{}}
}

func (h *chatHub) add(contactID string, c *wsConn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.shut {
		c.close(websocket.StatusServiceRestart, "server restarting; reconnect to resume")
	}
	if h.conns[contactID] == nil {
		h.conns[contactID] = map[*wsConn]bool{}
	}
	h.conns[contactID][c] = true
	if t := h.gone[contactID]; t != nil {
		t.Stop()
		delete(h.gone, contactID)
	}
}

// remove drops a connection; when a contact loses its last connection while
// still waiting, the citizen is given CitizenGrace to come back before the
// contact counts as abandoned.
func (h *chatHub) remove(contactID string, c *wsConn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.conns[contactID], c)
	if len(h.conns[contactID]) > 0 {
		return
	}
	delete(h.conns, contactID)
	h.gone[contactID] = time.AfterFunc(h.s.cfg.CitizenGrace, func() {
		h.mu.Lock()
		_, back := h.conns[contactID]
		delete(h.gone, contactID)
		h.mu.Unlock()
		if back {
			return
		}
		ct, err := h.s.center.Contact(context.Background(), contactID)
		if err == nil && (ct.State == minwon.ContactBot || ct.State == minwon.ContactWaiting || ct.State == minwon.ContactRinging) {
			if err := h.s.center.CitizenLeave(context.Background(), contactID); err != nil {
				h.s.log.Warn("abandon after disconnect", "contact", contactID, "err", err)
			}
		}
	})
}

func (h *chatHub) closeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.shut = true
	for _, set := range h.conns {
		for c := range set {
			c.close(websocket.StatusServiceRestart, "server restarting; reconnect to resume")
		}
	}
	for _, t := range h.gone {
		t.Stop()
	}
}

// deliver turns an event into the citizen's frames.
func (h *chatHub) deliver(ev *minwon.Event, f *eventFrames) {
	if ev.ContactID == "" {
		return
	}
	h.mu.Lock()
	set := h.conns[ev.ContactID]
	if len(set) == 0 {
		h.mu.Unlock()
		return
	}
	conns := make([]*wsConn, 0, len(set))
	for c := range set {
		conns = append(conns, c)
	}
	h.mu.Unlock()
	var frame any
	switch ev.Type {
	case minwon.EventMessageSent:
		if b := f.message(); b != nil && !f.whisper() {
			for _, c := range conns {
				c.sendRaw(b)
			}
		}
		return
	case minwon.EventPosition:
		var p minwon.Position
		if ev.Decode(&p) != nil {
			return
		}
		frame = map[string]any{"type": "queue", "position": p.Position, "wait_secs": p.WaitSecs}
	case minwon.EventContactAnswered:
		frame = map[string]any{"type": "agent", "name": h.s.center.UserName(ev.AgentID)}
	case minwon.EventTyping:
		var t minwon.Typing
		if ev.Decode(&t) != nil || t.From == minwon.FromCitizen {
			return
		}
		frame = map[string]any{"type": "typing"}
	case minwon.EventContactTransfered:
		frame = map[string]any{"type": "transferred"}
	case minwon.EventContactEnded:
		ended := map[string]any{"type": "ended"}
		var e minwon.ContactEnded
		if ev.Decode(&e) == nil && e.Reason == center.ReasonProtection {
			// Ended for abusing a counselor: the satisfaction survey is not asked.
			ended["survey"] = false
		}
		frame = ended
	case minwon.EventContactRated:
		frame = map[string]any{"type": "rated"}
	case minwon.EventBotTurn:
		var t minwon.BotTurn
		if ev.Decode(&t) != nil {
			return
		}
		frame = botFrame(&t)
	case minwon.EventBotHandoff:
		frame = map[string]any{"type": "queued"}
	case minwon.EventBotClosed:
		frame = map[string]any{"type": "ended", "by_bot": true}
	default:
		return
	}
	b, err := json.Marshal(frame)
	if err != nil {
		return
	}
	for _, c := range conns {
		c.sendRaw(b)
	}
}

// botFrame tells the citizen's page what the bot's last line offers: the
// choices of a clarifying question, or whether to ask "도움이 되었나요?".
func botFrame(t *minwon.BotTurn) map[string]any {
	opts := t.Options
	if opts == nil {
		opts = []minwon.Suggestion{}
	}
	return map[string]any{"type": "bot", "kind": t.Kind, "reply_to": t.ReplyTo, "options": opts, "feedback": t.Feedback}
}

type citizenFrame struct {
	Type     string `json:"type"`
	ClientID string `json:"client_id,omitempty"`
	Text     string `json:"text,omitempty"`
	Rating   int    `json:"rating,omitempty"`
	Comment  string `json:"comment,omitempty"`
}

func (s *Server) chatWS(w http.ResponseWriter, r *http.Request) {
	// release gives back what the socket holds; the handler calls it on
	// its way out until the session goroutine takes it over.
	s.sockets.Add(1)
	release := s.sockets.Done
	defer func() { release() }()
	q := r.URL.Query()
	ip := clientIP(r)
	entry := q.Get("entry")
	if !s.limits.acquire("chat:"+ip, s.cfg.ChatPerIP) {
		s.fail(w, r, &minwon.Error{Code: "rate_limited", Message: "too many open chats from your address"})
		return
	}
	release = func() { s.limits.release("chat:" + ip); s.sockets.Done() }
	tenant, ok := s.center.TenantByEntry(entry)
	if !ok {
		s.fail(w, r, minwon.Errorf(minwon.ENOTFOUND, "no center answers at %q", entry))
		return
	}
	var ct *minwon.Contact
	resume := q.Get("resume")
	if resume != "" {
		c, err := s.center.Resume(r.Context(), resume)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		ct = c
	} else if !s.limits.allow("chat-start:"+ip, s.cfg.ChatStartsPerIP, time.Minute) {
		s.fail(w, r, &minwon.Error{Code: "rate_limited", Message: "too many new chats from your address; wait a minute"})
		return
	}
	conn, err := acceptWS(w, r) // same-origin by default: other sites can't open chats in a citizen's name
	if err != nil {
		return
	}
	// The conversation runs on a goroutine of its own and the handler
	// returns: net/http then lets go of the request, its headers, the
	// response and the connection's state, which it would otherwise keep
	// for the socket's whole life (a fifth of the live heap at 5,500
	// sockets), and the deep handler stack is not kept either. The context
	// keeps the request's values but not its end.
	done := release
	release = func() {}
	ctx := context.WithoutCancel(r.Context())
	go func() {
		defer done()
		s.chatSession(ctx, conn, tenant, ct, chatQuery{
			entry: entry, resume: resume, visitor: q.Get("visitor"), name: q.Get("name"),
			lang: q.Get("lang"), video: q.Get("video") == "1", after: q.Get("after"),
		})
	}()
}

// chatQuery is what a citizen's socket asked for in its URL.
type chatQuery struct {
	entry, resume, visitor, name, lang, after string
	video                                     bool
}

// chatSession is a citizen's conversation on an accepted socket, from the
// welcome to the close. ct is nil for a new chat.
func (s *Server) chatSession(ctx context.Context, conn *websocket.Conn, tenant *minwon.Tenant, ct *minwon.Contact, q chatQuery) {
	conn.SetReadLimit(maxFrame)
	wc := newWSConn(conn, 32)
	s.metrics.wsConns.WithLabelValues("chat").Inc()
	defer s.metrics.wsConns.WithLabelValues("chat").Dec()
	defer wc.close(websocket.StatusNormalClosure, "")

	resume := q.resume
	if ct == nil {
		c, token, err := s.center.StartChat(ctx, center.ChatRequest{Entry: q.entry, Visitor: q.visitor, Name: q.name, Language: q.lang, Video: q.video})
		if err != nil {
			wc.send(errFrame(err))
			wc.close(closeBusy, minwon.ErrorMessage(err))
			return
		}
		ct, resume = c, token
	}
	after, _ := strconv.Atoi(q.after)
	// Register before reading the backlog so nothing sent in between is lost;
	// the page drops duplicates by message id.
	s.chat.add(ct.ID, wc)
	defer s.chat.remove(ct.ID, wc)
	// Read the contact again now that events reach this socket: a counselor
	// may have answered between StartChat and add, and that frame went nowhere.
	if fresh, err := s.center.Contact(ctx, ct.ID); err == nil {
		ct = fresh
	}
	msgs, err := s.center.Messages(ctx, ct.ID, after, false)
	if err != nil {
		wc.send(errFrame(err))
		return
	}
	if msgs == nil {
		msgs = []*minwon.Message{}
	}
	wc.send(map[string]any{"type": "welcome", "contact_id": ct.ID, "resume": resume, "tenant_name": tenant.Name, "state": ct.State, "messages": msgs})
	switch ct.State {
	case minwon.ContactBot:
		if t, ok := s.center.BotPrompt(ct.ID); ok {
			wc.send(botFrame(t))
		}
	case minwon.ContactWaiting, minwon.ContactRinging:
		if p, ok := s.center.Position(ct.ID); ok {
			wc.send(map[string]any{"type": "queue", "position": p.Position, "wait_secs": p.WaitSecs})
		}
	case minwon.ContactActive:
		wc.send(map[string]any{"type": "agent", "name": s.center.UserName(ct.AgentID)})
	default:
		wc.send(map[string]any{"type": "ended"})
		if ct.Rating != 0 {
			wc.send(map[string]any{"type": "rated"})
		}
	}
	// A person types a few lines a second at most; a script that floods is
	// told to slow down and its extra lines are not stored.
	bucket := tokenBucket{rate: 5, burst: 20, tokens: 20, last: time.Now()}
	for {
		typ, data, err := conn.Read(ctx)
		if err != nil {
			if errors.As(err, new(websocket.CloseError)) || ctx.Err() != nil {
				return
			}
			return // includes frames over the read limit: the library closes with 1009
		}
		if typ != websocket.MessageText || !utf8.Valid(data) {
			wc.send(errFrame(minwon.Errorf(minwon.EINVALID, "frames must be UTF-8 JSON text")))
			continue
		}
		var f citizenFrame
		if err := json.Unmarshal(data, &f); err != nil {
			wc.send(errFrame(minwon.Errorf(minwon.EINVALID, "malformed frame")))
			continue
		}
		switch f.Type {
		case "message":
			if !bucket.take(time.Now()) {
				wc.send(map[string]any{"type": "error", "code": "rate_limited", "message": "too many messages; please slow down", "client_id": f.ClientID})
				continue
			}
			if _, err := s.center.CitizenSend(ctx, ct.ID, f.ClientID, f.Text); err != nil {
				e := errFrame(err)
				wc.send(map[string]any{"type": "error", "code": e.Code, "message": e.Message, "client_id": f.ClientID})
			}
		case "typing":
			s.center.Typing(ctx, ct.ID, minwon.FromCitizen, "")
		case "leave":
			if err := s.center.CitizenLeave(ctx, ct.ID); err != nil {
				wc.send(errFrame(err))
			}
		case "rating":
			if err := s.center.Rate(ctx, ct.ID, f.Rating, f.Comment); err != nil {
				wc.send(errFrame(err))
			}
		case "ping":
			wc.send(map[string]string{"type": "pong"})
		default:
			wc.send(errFrame(minwon.Errorf(minwon.EINVALID, "unknown frame type %q", f.Type)))
		}
	}
}

// tokenBucket allows rate events a second with bursts up to burst.
type tokenBucket struct {
	rate, burst, tokens float64
	last                time.Time
}

func (b *tokenBucket) take(now time.Time) bool {
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
