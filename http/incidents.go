package http

import (
	"bytes"
	"net/http"
	"strconv"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/center"
	"github.com/minwon/minwon/guard/policy"
)

// Counselor-protection routes: reveal a masked message, and the
// supervisors' incident list, review, sanctions, evidence and report.

type revealResponse struct {
	MessageID string `json:"message_id"`
	Text      string `json:"text"`
}

func (s *Server) revealMessage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	text, err := s.center.Reveal(r.Context(), userOf(r).ID, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, revealResponse{MessageID: id, Text: text})
}

// timeParam reads an RFC 3339 time or a YYYY-MM-DD date (a Seoul day).
func timeParam(r *http.Request, name string) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", v, policy.KST); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, minwon.Errorf(minwon.EINVALID, "%s: want RFC 3339 or YYYY-MM-DD, got %q", name, v)
	}
	return t, nil
}

func (s *Server) listIncidents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := center.IncidentFilter{Type: minwon.IncidentType(q.Get("type")), AgentID: q.Get("agent"), Open: q.Get("open") == "true"}
	if f.Type != "" && !minwon.ValidIncidentType(f.Type) {
		s.fail(w, r, minwon.Errorf(minwon.EINVALID, "unknown incident type %q", f.Type))
		return
	}
	var err error
	if f.From, err = timeParam(r, "from"); err == nil {
		f.To, err = timeParam(r, "to")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out, err := s.center.Incidents(userOf(r).ID, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getIncident(w http.ResponseWriter, r *http.Request) {
	inc, err := s.center.Incident(userOf(r).ID, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, inc)
}

type reviewRequest struct {
	Verdict minwon.ReviewVerdict `json:"verdict"` // confirmed or dismissed
	Reason  string               `json:"reason"`
}

func (s *Server) reviewIncident(w http.ResponseWriter, r *http.Request) {
	var req reviewRequest
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	inc, err := s.center.ReviewIncident(r.Context(), userOf(r).ID, r.PathValue("id"), req.Verdict, req.Reason)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, inc)
}

type sanctionRequest struct {
	CallerID string              `json:"caller_id"`
	Kind     minwon.SanctionKind `json:"kind"` // restrict, legal, close, lift
	CaseID   string              `json:"case_id,omitempty"`
	Reason   string              `json:"reason"`
	Until    time.Time           `json:"until,omitzero"`
}

func (s *Server) sanction(w http.ResponseWriter, r *http.Request) {
	var req sanctionRequest
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	out, err := s.center.Sanction(r.Context(), userOf(r).ID, policy.SanctionRequest{CallerID: req.CallerID, Kind: req.Kind,
		CaseID: req.CaseID, Reason: req.Reason, Until: req.Until})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) incidentBundle(w http.ResponseWriter, r *http.Request) {
	// Built in memory first so an error is still a JSON error, not half a ZIP.
	var buf bytes.Buffer
	id := r.PathValue("id")
	if err := s.center.ExportIncident(r.Context(), userOf(r).ID, id, &buf); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="incident-`+id+`.zip"`)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Write(buf.Bytes())
}

func (s *Server) incidentReport(w http.ResponseWriter, r *http.Request) {
	from, err := timeParam(r, "from")
	var to time.Time
	if err == nil {
		to, err = timeParam(r, "to")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	now := s.center.Now()
	if to.IsZero() {
		to = now
	}
	if from.IsZero() {
		from = to.AddDate(0, 0, -30)
	}
	p := policy.Period(r.URL.Query().Get("period"))
	if p == "" {
		p = policy.Daily
	}
	rep, err := s.center.IncidentReport(userOf(r).ID, from, to, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}
