package http

import (
	"net/http"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/center"
)

// interpreterRequest is a counselor asking for an interpreter of the
// caller's language.
type interpreterRequest struct {
	// Language is the caller's, an ISO 639-1 code (en, zh, vi, ja, ru …).
	Language string `json:"language"`
}

func (s *Server) listInterpreters(w http.ResponseWriter, r *http.Request) {
	respond(s, w, r, s.center.Interpreters(r.URL.Query().Get("tenant")), nil)
}

func (s *Server) saveInterpreter(w http.ResponseWriter, r *http.Request) {
	var in minwon.Interpreter
	if err := s.decode(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := pathID(r, &in.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	out, err := s.center.SaveInterpreter(r.Context(), userOf(r).ID, in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) interpreterLanguages(w http.ResponseWriter, r *http.Request) {
	respond[center.InterpreterLanguage](s, w, r, s.center.InterpreterLanguages(userOf(r).ID), nil)
}

func (s *Server) requestInterpreter(w http.ResponseWriter, r *http.Request) {
	var req interpreterRequest
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	conf, err := s.center.RequestInterpreter(r.Context(), userOf(r).ID, r.PathValue("id"), req.Language)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, conf)
}

func (s *Server) dropInterpreter(w http.ResponseWriter, r *http.Request) {
	if err := s.center.DropInterpreter(r.Context(), userOf(r).ID, r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// conferenceOf returns the interpreter on a call; nil when none is.
func (s *Server) conferenceOf(contactID string) *minwon.Conference {
	c, ok := s.center.Conference(contactID)
	if !ok {
		return nil
	}
	return &c
}

// deliverConference tells the counselor, and the supervisors watching, how
// bringing in the interpreter goes: the frame carries the event type and
// its payload.
//
// An in-house interpreter's desk is told the call rings it (interpreter_ring),
// as a transfer target's is: its browser softphone, if on, answers with an
// offer, and nothing else would tell the browser which call to connect.
func (h *deskHub) deliverConference(ev *minwon.Event) {
	frame := map[string]any{"type": "conference", "event": ev.Type, "contact_id": ev.ContactID, "data": ev.Data}
	h.to(frame, append(h.watchers(ev.ContactID), ev.AgentID)...)
	var p minwon.Conference
	if ev.Decode(&p) != nil {
		return
	}
	switch ev.Type {
	case minwon.EventConferenceRequested:
		if p.UserID == "" {
			return
		}
		h.mu.Lock()
		h.targets[p.ID] = p.UserID
		h.mu.Unlock()
		h.to(ringFrame(ev.ContactID, p.Language, true), p.UserID)
	case minwon.EventConferenceLeft, minwon.EventConferenceFailed:
		h.mu.Lock()
		user, ok := h.targets[p.ID]
		delete(h.targets, p.ID)
		h.mu.Unlock()
		if ok {
			h.to(ringFrame(ev.ContactID, p.Language, false), user)
		}
	}
}

// sendRings tells a desk that just connected (a reload, a reconnect) of
// the calls ringing its user as their interpreter, as the center's live
// contacts have them. The socket is in the hub already, so a ring that
// starts now reaches it as it happens; one that ended between the look
// and the frame (its ringing:false may have gone out first) is looked at
// again and ended after.
func (s *Server) sendRings(wc *wsConn, userID string) {
	rings := s.center.InterpreterRings(userID)
	for _, r := range rings {
		wc.send(ringFrame(r.ContactID, r.Conference.Language, true))
	}
	if len(rings) == 0 {
		return
	}
	still := map[string]bool{}
	for _, r := range s.center.InterpreterRings(userID) {
		still[r.Conference.ID] = true
	}
	for _, r := range rings {
		if !still[r.Conference.ID] {
			wc.send(ringFrame(r.ContactID, r.Conference.Language, false))
		}
	}
}

func ringFrame(contactID, language string, ringing bool) map[string]any {
	return map[string]any{"type": "interpreter_ring", "contact_id": contactID, "ringing": ringing, "language": language}
}
