package http

import (
	"net/http"

	"github.com/minwon/minwon"
)

// coachRequest picks a supervisor's mode on a live call.
type coachRequest struct {
	// Mode is listen (nobody hears the supervisor), whisper (the counselor
	// does) or barge (the caller too).
	Mode minwon.CoachMode `json:"mode"`
}

// coachView is who coaches a call and how; the counselor's desk shows it.
type coachView struct {
	Supervisor string           `json:"supervisor"`
	Mode       minwon.CoachMode `json:"mode"`
}

// coachOf returns the call's coach; nil when nobody coaches.
func (s *Server) coachOf(contactID string) *coachView {
	user, mode, ok := s.center.Coaching(contactID)
	if !ok {
		return nil
	}
	return &coachView{Supervisor: user, Mode: mode}
}

func (s *Server) coach(w http.ResponseWriter, r *http.Request) {
	var req coachRequest
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	if err := s.center.Coach(r.Context(), userOf(r).ID, id, req.Mode); err != nil {
		s.fail(w, r, err)
		return
	}
	// Stored: the phone channel now rings the supervisor's phone.
	writeJSON(w, http.StatusOK, coachView{Supervisor: userOf(r).ID, Mode: req.Mode})
}

func (s *Server) leaveCoach(w http.ResponseWriter, r *http.Request) {
	if err := s.center.EndCoach(r.Context(), userOf(r).ID, r.PathValue("id"), "left"); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// deliverCoach tells the counselor, and the supervisors watching, who
// coaches the call and how: a 120 center's counselors know when they are
// listened to. Mode is empty once the supervisor has left.
func (h *deskHub) deliverCoach(ev *minwon.Event) {
	var p minwon.Coaching
	if ev.Type != minwon.EventCoachEnded && ev.Decode(&p) != nil {
		return
	}
	frame := map[string]any{"type": "coach", "contact_id": ev.ContactID, "supervisor": ev.ActorID, "mode": p.Mode}
	h.to(frame, append(h.watchers(ev.ContactID), ev.AgentID, ev.ActorID)...)
}
