package http

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/calendar"
	"github.com/minwon/minwon/center"
	"github.com/minwon/minwon/ivr"
	"github.com/minwon/minwon/prompts"
)

// The IVR of a tenant: business hours (admins), situational notices
// (supervisors of the tenant), and what a caller hears at a given time.

// hoursRequest is the body of PUT /api/tenants/{id}/hours; "config": null
// removes the tenant's own hours, so it follows its parent again.
type hoursRequest struct {
	Config *center.HoursConfig `json:"config"`
}

// hoursStatusView is the answer of GET /api/tenants/{id}/hours/status.
type hoursStatusView struct {
	*center.HoursStatus
	// Hears is what a caller calling at that time hears, in order, in
	// Korean: the prompts' texts and the notices' texts.
	Hears []heard `json:"hears"`
	// Then is what follows: "menu", "queue" or "end".
	Then string `json:"then"`
}

type heard struct {
	Prompt string `json:"prompt"`           // the prompt's name, or "notice"
	Text   string `json:"text"`             // what is said
	Notice string `json:"notice,omitempty"` // the notice's ID
	Kind   string `json:"kind,omitempty"`   // the notice's kind
}

func (s *Server) getHours(w http.ResponseWriter, r *http.Request) {
	v, err := s.center.Hours(userOf(r).ID, r.PathValue("id"))
	s.answer(w, r, v, err)
}

func (s *Server) putHours(w http.ResponseWriter, r *http.Request) {
	var req hoursRequest
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.center.SetHours(r.Context(), userOf(r).ID, r.PathValue("id"), req.Config)
	s.answer(w, r, v, err)
}

func (s *Server) hoursStatus(w http.ResponseWriter, r *http.Request) {
	var at time.Time
	if q := r.URL.Query().Get("at"); q != "" {
		t, err := time.Parse(time.RFC3339, q)
		if err != nil {
			s.fail(w, r, minwon.FieldErrorf("at", "%q: want an RFC 3339 time such as 2025-10-06T10:00:00+09:00", q))
			return
		}
		at = t
	}
	st, err := s.center.HoursStatusAt(userOf(r).ID, r.PathValue("id"), at)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, renderStatus(st))
}

// renderStatus spells out the IVR's plan for the status's schedule.
func renderStatus(st *center.HoursStatus) hoursStatusView {
	texts := prompts.Texts("ko")
	notices := map[ivr.Prompt]center.IVRNotice{}
	for _, n := range st.Notices {
		notices[center.NoticePrompt(n.TenantID, n.Audio)] = n
	}
	v := hoursStatusView{HoursStatus: st, Hears: []heard{}}
	for _, p := range ivr.Plan(st.Schedule) {
		if n, ok := notices[p]; ok {
			v.Hears = append(v.Hears, heard{Prompt: "notice", Text: n.Text, Notice: n.ID, Kind: string(n.Kind)})
			continue
		}
		v.Hears = append(v.Hears, heard{Prompt: string(p), Text: texts[p]})
	}
	switch sch := st.Schedule; {
	case sch.Closed || (sch.ReplaceMenu && sch.End):
		v.Then = "end"
	case sch.ReplaceMenu:
		v.Then = "queue"
	default:
		v.Then = "menu"
	}
	return v
}

func (s *Server) listIVRNotices(w http.ResponseWriter, r *http.Request) {
	v, err := s.center.IVRNotices(userOf(r).ID, r.PathValue("id"))
	s.answer(w, r, v, err)
}

// maxNoticeBody lets a notice carry its WAV base64-encoded.
const maxNoticeBody = prompts.MaxUploadBytes*4/3 + 64<<10

func (s *Server) setIVRNotice(w http.ResponseWriter, r *http.Request) {
	var req center.NoticeRequest
	if err := s.decodeAudio(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	n, err := s.center.SetIVRNotice(r.Context(), userOf(r).ID, r.PathValue("id"), req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, n)
}

func (s *Server) removeIVRNotice(w http.ResponseWriter, r *http.Request) {
	if err := s.center.RemoveIVRNotice(r.Context(), userOf(r).ID, r.PathValue("id"), r.PathValue("notice")); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) holidays(w http.ResponseWriter, r *http.Request) {
	year := s.center.Now().In(calendar.KST).Year()
	if q := r.URL.Query().Get("year"); q != "" {
		y, err := strconv.Atoi(q)
		if err != nil {
			s.fail(w, r, minwon.FieldErrorf("year", "%q: want a year such as 2026", q))
			return
		}
		year = y
	}
	hs, err := s.center.Holidays(userOf(r).ID, r.URL.Query().Get("tenant"), year)
	s.answer(w, r, hs, err)
}

func (s *Server) answer(w http.ResponseWriter, r *http.Request, v any, err error) {
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// promptRequest is the body of PUT /api/tenants/{id}/prompts/{lang}/{name}.
type promptRequest struct {
	WAV []byte `json:"wav"` // base64 of a WAV, 8 kHz mono 16-bit
}

func (s *Server) listIVRPrompts(w http.ResponseWriter, r *http.Request) {
	v, err := s.center.IVRPrompts(userOf(r).ID, r.PathValue("id"))
	s.answer(w, r, v, err)
}

func (s *Server) putIVRPrompt(w http.ResponseWriter, r *http.Request) {
	var req promptRequest
	if err := s.decodeAudio(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if len(req.WAV) == 0 {
		s.fail(w, r, minwon.FieldErrorf("wav", "a WAV recording is required (8000 Hz mono 16-bit)"))
		return
	}
	p, err := s.center.SetIVRPrompt(r.Context(), userOf(r).ID, r.PathValue("id"), r.PathValue("lang"), r.PathValue("name"), req.WAV)
	s.answer(w, r, p, err)
}

func (s *Server) removeIVRPrompt(w http.ResponseWriter, r *http.Request) {
	_, err := s.center.SetIVRPrompt(r.Context(), userOf(r).ID, r.PathValue("id"), r.PathValue("lang"), r.PathValue("name"), nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// decodeAudio is decode with room for a base64 WAV.
func (s *Server) decodeAudio(w http.ResponseWriter, r *http.Request, v any) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxNoticeBody)
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return minwon.Errorf(minwon.ETOOLARGE, "the body is larger than %d bytes; a WAV may have at most %d KiB", maxNoticeBody, prompts.MaxUploadBytes>>10)
		}
		return minwon.Errorf(minwon.EINVALID, "read body: %v", err)
	}
	return decodeStrict(data, v)
}
