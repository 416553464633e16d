package http

import (
	"encoding/json"
	"net/http"

	"github.com/minwon/minwon/center"
	"github.com/minwon/minwon/guard/policy"
)

// policyRequest is the body of PUT /api/tenants/{id}/policy: the whole
// policy, as GET returns it in "config".
type policyRequest struct {
	Config json.RawMessage `json:"config"`
}

// policyDoc is policyRequest as the OpenAPI document shows it.
type policyDoc struct {
	Config policy.Config `json:"config"`
}

func (s *Server) getPolicy(w http.ResponseWriter, r *http.Request) {
	v, err := s.center.Policy(userOf(r).ID, r.PathValue("id"))
	s.policyAnswer(w, r, v, err)
}

func (s *Server) putPolicy(w http.ResponseWriter, r *http.Request) {
	var req policyRequest
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.center.SetPolicy(r.Context(), userOf(r).ID, r.PathValue("id"), req.Config)
	s.policyAnswer(w, r, v, err)
}

func (s *Server) resetPolicy(w http.ResponseWriter, r *http.Request) {
	v, err := s.center.ResetPolicy(r.Context(), userOf(r).ID, r.PathValue("id"))
	s.policyAnswer(w, r, v, err)
}

func (s *Server) policyAnswer(w http.ResponseWriter, r *http.Request, v *center.PolicyView, err error) {
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}
