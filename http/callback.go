package http

import (
	"net/http"

	"github.com/minwon/minwon"
)

// callbackRequest is the counselor's report on a callback they accepted:
// "completed" (the citizen was reached) or "failed", with notes.
type callbackRequest struct {
	Outcome string `json:"outcome"`
	Notes   string `json:"notes,omitempty"`
}

func (s *Server) finishCallback(w http.ResponseWriter, r *http.Request) {
	var req callbackRequest
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	var ok bool
	switch req.Outcome {
	case "completed":
		ok = true
	case "failed":
	default:
		s.fail(w, r, minwon.FieldErrorf("outcome", "want completed or failed, not %q", req.Outcome))
		return
	}
	ct, err := s.center.FinishCallback(r.Context(), userOf(r).ID, r.PathValue("id"), ok, req.Notes)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ct)
}
