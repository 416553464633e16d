package http

import (
	"net/http"
	"slices"
	"strconv"

	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/bot"
	"github.com/minwon/minwon/center"
	"github.com/minwon/minwon/kb"
)

type referenceResponse struct {
	Tenants      []*minwon.Tenant     `json:"tenants"`
	Queues       []*minwon.Queue      `json:"queues"`
	Departments  []*minwon.Department `json:"departments"`
	Categories   []string             `json:"categories"`
	BreakReasons []string             `json:"break_reasons"`
	Agents       []agentRef           `json:"agents"`
}

type agentRef struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	Skills []string `json:"skills"`
}

func (s *Server) reference(w http.ResponseWriter, r *http.Request) {
	ts, err := s.store.Tenants(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ds, err := s.store.Departments(r.Context(), "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	resp := referenceResponse{Tenants: ts, Queues: s.center.Queues(), Departments: ds, Categories: minwon.Categories, BreakReasons: minwon.BreakReasons}
	for _, a := range s.center.Agents() {
		resp.Agents = append(resp.Agents, agentRef{ID: a.ID, Name: a.Name, Skills: a.Skills})
	}
	writeJSON(w, http.StatusOK, resp)
}

type stateRequest struct {
	State  minwon.AgentState `json:"state"`
	Reason string            `json:"reason,omitempty"`
}

func (s *Server) setState(w http.ResponseWriter, r *http.Request) {
	var req stateRequest
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	st, err := s.center.SetState(r.Context(), userOf(r).ID, req.State, req.Reason)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

type contactWithMessages struct {
	Contact  *minwon.Contact   `json:"contact"`
	Messages []*minwon.Message `json:"messages"`
	// Bot is why the self-service bot handed the contact over and the
	// articles it suggested; absent when the bot never had it.
	Bot *minwon.BotHandoff `json:"bot,omitempty"`
	// Banner warns the counselor of a flagged caller (counselor protection).
	Banner string `json:"banner,omitempty"`
	// Callback: the caller asked to be called back; the counselor dials
	// Number (or the center did, Dialled) and reports the outcome.
	Callback *minwon.Callback `json:"callback,omitempty"`
	// Coach is the supervisor on the call and their mode (coach.go).
	Coach *coachView `json:"coach,omitempty"`
	// Interpreter is the interpreter brought into the call, ringing or
	// joined (interpreter.go).
	Interpreter *minwon.Conference `json:"interpreter,omitempty"`
}

func (s *Server) view(r *http.Request, ct *minwon.Contact) (contactWithMessages, error) {
	msgs, err := s.center.Messages(r.Context(), ct.ID, 0, true)
	if msgs == nil {
		msgs = []*minwon.Message{}
	}
	v := contactWithMessages{Contact: ct, Messages: msgs, Banner: s.center.Banner(ct.ID), Callback: s.center.Callback(ct.ID), Coach: s.coachOf(ct.ID), Interpreter: s.conferenceOf(ct.ID)}
	if err == nil {
		v.Bot, _, err = s.center.BotHandoffOf(r.Context(), ct.ID)
	}
	return v, err
}

func (s *Server) myContacts(w http.ResponseWriter, r *http.Request) {
	out := []contactWithMessages{}
	for _, ct := range s.center.LiveContacts(userOf(r).ID) {
		v, err := s.view(r, ct)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out = append(out, v)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) accept(w http.ResponseWriter, r *http.Request) {
	ct, err := s.center.Accept(r.Context(), userOf(r).ID, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.view(r, ct)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// canSee reports whether u may read a contact: its counselor, whoever it is
// offered to, supervisors, or an officer of a department it was handed to.
func (s *Server) canSee(r *http.Request, u *minwon.User, ct *minwon.Contact) bool {
	if u.HasRole(minwon.RoleSupervisor) || ct.AgentID == u.ID || s.center.OfferedTo(ct.ID) == u.ID {
		return true
	}
	if u.HasRole(minwon.RoleDepartment) && u.DepartmentID != "" {
		hs, err := s.store.Handoffs(r.Context(), minwon.HandoffFilter{ContactID: ct.ID, DepartmentID: u.DepartmentID, Limit: 1})
		return err == nil && len(hs) > 0
	}
	// Counselors see a citizen's earlier contacts in the history panel.
	return u.HasRole(minwon.RoleCounselor) && ct.State == minwon.ContactClosed
}

func (s *Server) getContact(w http.ResponseWriter, r *http.Request) {
	ct, err := s.center.Contact(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.canSee(r, userOf(r), ct) {
		s.fail(w, r, minwon.Errorf(minwon.EFORBIDDEN, "this conversation is not yours"))
		return
	}
	v, err := s.view(r, ct)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

type sendRequest struct {
	Text     string `json:"text"`
	ClientID string `json:"client_id"`
}

func (s *Server) agentSend(w http.ResponseWriter, r *http.Request) {
	var req sendRequest
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	m, err := s.center.AgentSend(r.Context(), userOf(r).ID, r.PathValue("id"), req.ClientID, req.Text)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, m)
}

type memoRequest struct {
	Text string `json:"text"`
}

func (s *Server) memo(w http.ResponseWriter, r *http.Request) {
	var req memoRequest
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.center.SaveMemo(r.Context(), userOf(r).ID, r.PathValue("id"), req.Text); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) endContact(w http.ResponseWriter, r *http.Request) {
	ct, err := s.center.EndChat(r.Context(), userOf(r).ID, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ct)
}

type wrapRequest struct {
	Category     string            `json:"category"`
	Resolution   minwon.Resolution `json:"resolution"`
	DepartmentID string            `json:"department_id,omitempty"`
	Summary      string            `json:"summary"`
}

func (s *Server) wrap(w http.ResponseWriter, r *http.Request) {
	var req wrapRequest
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	ct, err := s.center.Wrap(r.Context(), userOf(r).ID, r.PathValue("id"), center.WrapUp(req))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ct)
}

type transferRequest struct {
	QueueID string `json:"queue_id,omitempty"`
	AgentID string `json:"agent_id,omitempty"`
	Note    string `json:"note,omitempty"`
}

func (s *Server) transfer(w http.ResponseWriter, r *http.Request) {
	var req transferRequest
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	ct, err := s.center.Transfer(r.Context(), userOf(r).ID, r.PathValue("id"), req.QueueID, req.AgentID, req.Note)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ct)
}

type handoffRequest struct {
	DepartmentID string `json:"department_id"`
	Summary      string `json:"summary"`
	Note         string `json:"note,omitempty"`
}

func (s *Server) handoff(w http.ResponseWriter, r *http.Request) {
	var req handoffRequest
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	h, err := s.center.Handoff(r.Context(), userOf(r).ID, r.PathValue("id"), req.DepartmentID, req.Summary, req.Note)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h)
}

func (s *Server) history(w http.ResponseWriter, r *http.Request) {
	ct, err := s.center.Contact(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.canSee(r, userOf(r), ct) {
		s.fail(w, r, minwon.Errorf(minwon.EFORBIDDEN, "this conversation is not yours"))
		return
	}
	all, err := s.store.Contacts(r.Context(), minwon.ContactFilter{CitizenID: ct.CitizenID, Limit: 51})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := []*minwon.Contact{}
	for _, c := range all {
		if c.ID != ct.ID {
			out = append(out, c)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

type kbHit struct {
	ID         string  `json:"id"`
	Title      string  `json:"title"`
	Snippet    string  `json:"snippet"`
	Category   string  `json:"category"`
	Department string  `json:"department"`
	Score      float64 `json:"score"`
	// Highlights and TitleHighlights mark the matches in snippet and title
	// as [start, end) offsets in UTF-16 code units, for the UI to mark as text.
	Highlights      []kb.Span `json:"highlights"`
	TitleHighlights []kb.Span `json:"title_highlights"`
}

func (s *Server) kbSearch(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	if err := minwon.ValidateText(q, 500); err != nil {
		s.fail(w, r, err)
		return
	}
	out := []kbHit{}
	if s.kb != nil {
		for _, res := range s.kb.Search(q, 10) {
			a := res.Article
			out = append(out, kbHit{ID: a.ID, Title: a.Title, Snippet: res.Snippet, Category: a.Category, Department: a.Department, Score: res.Score,
				Highlights: kb.UTF16Spans(res.Snippet, res.Highlights), TitleHighlights: kb.UTF16Spans(a.Title, res.TitleHighlights)})
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) kbArticle(w http.ResponseWriter, r *http.Request) {
	var a *kb.Article
	if s.kb != nil {
		a, _ = s.kb.Get(r.PathValue("id"))
	}
	if a == nil {
		s.fail(w, r, minwon.Errorf(minwon.ENOTFOUND, "no such article"))
		return
	}
	writeJSON(w, http.StatusOK, articleView{Article: a, Short: bot.ShortAnswer(a, r.URL.Query().Get("q"))})
}

// articleView is an article with the short answer the bot would give from
// it to the question in ?q=, which the desk's assist panel inserts.
type articleView struct {
	*kb.Article
	Short string `json:"short"`
}

func (s *Server) notices(w http.ResponseWriter, r *http.Request) {
	ns, err := s.store.Notices(r.Context(), userOf(r).TenantID, s.center.Now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if ns == nil {
		ns = []*minwon.Notice{}
	}
	writeJSON(w, http.StatusOK, ns)
}

func (s *Server) readNotice(w http.ResponseWriter, r *http.Request) {
	if err := s.center.ReadNotice(r.Context(), userOf(r).ID, r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type noticeRequest struct {
	Title     string    `json:"title"`
	Body      string    `json:"body"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (s *Server) postNotice(w http.ResponseWriter, r *http.Request) {
	var req noticeRequest
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	n, err := s.center.PostNotice(r.Context(), userOf(r).ID, req.Title, req.Body, req.ExpiresAt)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, n)
}

func (s *Server) getBoard(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.board.Snapshot())
}

type monitorRequest struct {
	On bool `json:"on"`
}

func (s *Server) monitor(w http.ResponseWriter, r *http.Request) {
	var req monitorRequest
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	if err := s.center.Monitor(r.Context(), userOf(r).ID, id, req.On); err != nil {
		s.fail(w, r, err)
		return
	}
	ct, err := s.center.Contact(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.view(r, ct)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

type whisperRequest struct {
	Text string `json:"text"`
}

func (s *Server) whisper(w http.ResponseWriter, r *http.Request) {
	var req whisperRequest
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	m, err := s.center.Whisper(r.Context(), userOf(r).ID, r.PathValue("id"), req.Text)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, m)
}

func (s *Server) handoffs(w http.ResponseWriter, r *http.Request) {
	u := userOf(r)
	f := minwon.HandoffFilter{DepartmentID: u.DepartmentID, Limit: 500}
	if u.HasRole(minwon.RoleSupervisor) && u.DepartmentID == "" {
		f.DepartmentID = r.URL.Query().Get("department")
	} else if u.DepartmentID == "" {
		s.fail(w, r, minwon.Errorf(minwon.EFORBIDDEN, "your account belongs to no department"))
		return
	}
	if st := r.URL.Query().Get("state"); st != "" {
		f.States = []minwon.HandoffState{minwon.HandoffState(st)}
	}
	hs, err := s.store.Handoffs(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if hs == nil {
		hs = []*minwon.Handoff{}
	}
	writeJSON(w, http.StatusOK, hs)
}

func (s *Server) getHandoff(w http.ResponseWriter, r *http.Request) {
	u := userOf(r)
	hs, err := s.store.Handoffs(r.Context(), minwon.HandoffFilter{})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	i := slices.IndexFunc(hs, func(h *minwon.Handoff) bool { return h.ID == r.PathValue("id") })
	if i < 0 {
		s.fail(w, r, minwon.Errorf(minwon.ENOTFOUND, "no such hand-off"))
		return
	}
	h := hs[i]
	if h.DepartmentID != u.DepartmentID && !u.HasRole(minwon.RoleSupervisor) {
		s.fail(w, r, minwon.Errorf(minwon.EFORBIDDEN, "this hand-off belongs to another department"))
		return
	}
	ct, err := s.center.Contact(r.Context(), h.ContactID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	msgs, err := s.center.Messages(r.Context(), ct.ID, 0, false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"handoff": h, "contact": ct, "messages": msgs})
}

type handoffUpdate struct {
	State minwon.HandoffState `json:"state"`
	Reply string              `json:"reply,omitempty"`
}

func (s *Server) updateHandoff(w http.ResponseWriter, r *http.Request) {
	var req handoffUpdate
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	h, err := s.center.UpdateHandoff(r.Context(), userOf(r).ID, r.PathValue("id"), req.State, req.Reply)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h)
}

func (s *Server) listTenants(w http.ResponseWriter, r *http.Request) {
	ts, err := s.store.Tenants(r.Context())
	respond(s, w, r, ts, err)
}

func (s *Server) listDepartments(w http.ResponseWriter, r *http.Request) {
	ds, err := s.store.Departments(r.Context(), r.URL.Query().Get("tenant"))
	respond(s, w, r, ds, err)
}

func (s *Server) listQueues(w http.ResponseWriter, r *http.Request) {
	qs, err := s.store.Queues(r.Context(), r.URL.Query().Get("tenant"))
	respond(s, w, r, qs, err)
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	us, err := s.store.Users(r.Context(), r.URL.Query().Get("tenant"))
	for _, u := range us {
		u.PasswordHash = ""
	}
	respond(s, w, r, us, err)
}

func respond[T any](s *Server, w http.ResponseWriter, r *http.Request, v []T, err error) {
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if v == nil {
		v = []T{}
	}
	writeJSON(w, http.StatusOK, v)
}

// pathID puts the {id} of a PUT into the body's ID and refuses a mismatch.
func pathID(r *http.Request, id *string) error {
	p := r.PathValue("id")
	if p == "" {
		return nil
	}
	if *id != "" && *id != p {
		return minwon.Errorf(minwon.EINVALID, "the id in the body differs from the path")
	}
	*id = p
	return nil
}

func (s *Server) saveTenant(w http.ResponseWriter, r *http.Request) {
	var t minwon.Tenant
	if err := s.decode(w, r, &t); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := pathID(r, &t.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	out, err := s.center.SaveTenant(r.Context(), userOf(r).ID, t)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) saveDepartment(w http.ResponseWriter, r *http.Request) {
	var d minwon.Department
	if err := s.decode(w, r, &d); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := pathID(r, &d.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	out, err := s.center.SaveDepartment(r.Context(), userOf(r).ID, d)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) saveQueue(w http.ResponseWriter, r *http.Request) {
	var q minwon.Queue
	if err := s.decode(w, r, &q); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := pathID(r, &q.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	out, err := s.center.SaveQueue(r.Context(), userOf(r).ID, q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

type userRequest struct {
	minwon.User
	Password string `json:"password,omitempty"`
	// SIPPassword sets the counselor's phone password (SIP digest, REGISTER).
	SIPPassword string `json:"sip_password,omitempty"`
}

func (s *Server) saveUser(w http.ResponseWriter, r *http.Request) {
	var req userRequest
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := pathID(r, &req.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	if req.SIPPassword != "" {
		if err := center.ValidSIPPassword(req.SIPPassword); err != nil { // before anything is saved
			s.fail(w, r, err)
			return
		}
	}
	out, err := s.center.SaveUser(r.Context(), userOf(r).ID, req.User, req.Password)
	if err == nil && req.SIPPassword != "" {
		err = s.center.SetSIPPassword(r.Context(), userOf(r).ID, out.ID, req.SIPPassword)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	evs, err := s.store.Events(r.Context(), minwon.EventFilter{AfterSeq: after, Limit: limit})
	for _, ev := range evs {
		if ev.Type == minwon.EventPasswordSet || ev.Type == minwon.EventSIPPasswordSet || ev.Type == minwon.EventSessionCreated || ev.Type == minwon.EventSessionEnded || ev.Type == minwon.EventTenantSalt {
			ev.Data = nil // secrets and their hashes never leave the store
		}
	}
	respond(s, w, r, evs, err)
}
