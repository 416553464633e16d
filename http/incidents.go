package http

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/center"
	"github.com/minwon/minwon/guard/policy"
)

// Counselor-protection routes: reveal a masked message, the counselor's
// warn and end-with-notice buttons and notes, and the supervisors' incident
// list, review, sanctions, evidence and report.

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

// timeParam reads an RFC 3339 time or a YYYY-MM-DD date, a Seoul day: its
// start, or with end set the start of the next day, so that from=D1&to=D2
// covers both days whole.
func timeParam(r *http.Request, name string, end bool) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", v, policy.KST); err == nil {
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, minwon.Errorf(minwon.EINVALID, "%s: want RFC 3339 or YYYY-MM-DD, got %q", name, v)
	}
	return t, nil
}

// intParam reads a non-negative integer query parameter; absent is 0.
func intParam(r *http.Request, name string) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, minwon.Errorf(minwon.EINVALID, "%s: want a whole number of 0 or more, got %q", name, v)
	}
	return n, nil
}

func (s *Server) listIncidents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := center.IncidentFilter{Type: minwon.IncidentType(q.Get("type")), AgentID: q.Get("agent"), Status: minwon.IncidentStatus(q.Get("status"))}
	if q.Get("open") == "true" { // the older spelling of status=open
		f.Status = minwon.StatusOpen
	}
	var err error
	if f.From, err = timeParam(r, "from", false); err == nil {
		if f.To, err = timeParam(r, "to", true); err == nil {
			if f.Limit, err = intParam(r, "limit"); err == nil {
				f.Offset, err = intParam(r, "offset")
			}
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page, err := s.center.Incidents(r.Context(), userOf(r).ID, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("X-Total-Count", strconv.Itoa(page.Total))
	writeJSON(w, http.StatusOK, page.Incidents)
}

func (s *Server) getIncident(w http.ResponseWriter, r *http.Request) {
	inc, err := s.center.Incident(r.Context(), userOf(r).ID, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, inc)
}

type noteRequest struct {
	Text string `json:"text"`
}

func (s *Server) noteIncident(w http.ResponseWriter, r *http.Request) {
	var req noteRequest
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	inc, err := s.center.NoteIncident(r.Context(), userOf(r).ID, r.PathValue("id"), req.Text)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, inc)
}

func (s *Server) deskProtection(w http.ResponseWriter, r *http.Request) {
	out, err := s.center.DeskProtection(userOf(r).ID, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// protectRequest is a counselor's press of warn or end with notice: the
// kind of offence (abuse when empty) and an optional note for the record.
type protectRequest struct {
	Type minwon.IncidentType `json:"type,omitempty"`
	Note string              `json:"note,omitempty"`
}

func (s *Server) counselorWarn(w http.ResponseWriter, r *http.Request) {
	s.counselorAct(w, r, s.center.CounselorWarn)
}

func (s *Server) endWithNotice(w http.ResponseWriter, r *http.Request) {
	s.counselorAct(w, r, s.center.EndWithNotice)
}

func (s *Server) counselorAct(w http.ResponseWriter, r *http.Request,
	act func(ctx context.Context, userID, contactID string, t minwon.IncidentType, note string) (*center.DeskProtection, error)) {
	var req protectRequest
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	out, err := act(r.Context(), userOf(r).ID, r.PathValue("id"), req.Type, req.Note)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
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
	from, err := timeParam(r, "from", false)
	var to time.Time
	if err == nil {
		to, err = timeParam(r, "to", true)
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
