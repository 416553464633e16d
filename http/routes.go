package http

import (
	"io/fs"
	"net/http"
	"strings"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/board"
	"github.com/minwon/minwon/calendar"
	"github.com/minwon/minwon/center"
	"github.com/minwon/minwon/softphone"
)

// route is one API endpoint; the table drives both the mux and the OpenAPI
// document, so the document can't forget a route.
type route struct {
	method, path string
	role         minwon.Role // "" any logged-in user; "public" no login
	summary      string
	tag          string
	body         any // request body example type, nil when none
	resp         any // response type, nil for 204
	handler      http.HandlerFunc
}

const public minwon.Role = "public"

func (s *Server) registerRoutes() {
	type contactView struct {
		Contact  *minwon.Contact    `json:"contact"`
		Messages []*minwon.Message  `json:"messages"`
		Bot      *minwon.BotHandoff `json:"bot,omitempty"`
		Callback *minwon.Callback   `json:"callback,omitempty"`
		Coach    *coachView         `json:"coach,omitempty"`
		// Interpreter: the interpreter brought into the call.
		Interpreter *minwon.Conference `json:"interpreter,omitempty"`
	}
	type handoffView struct {
		Handoff  *minwon.Handoff   `json:"handoff"`
		Contact  *minwon.Contact   `json:"contact"`
		Messages []*minwon.Message `json:"messages"`
	}
	s.routes = []route{
		{"GET", "/healthz", public, "Readiness: 200 when serving, 503 while draining", "ops", nil, map[string]string{}, s.healthz},
		{"POST", "/api/login", public, "Log in; sets the session cookie and returns the CSRF token", "session", loginRequest{}, meResponse{}, s.login},
		{"POST", "/api/logout", "", "Log out", "session", nil, nil, s.logout},
		{"GET", "/api/me", "", "The logged-in user, the CSRF token and the agent state", "session", nil, meResponse{}, s.me},
		{"GET", "/api/reference", "", "Lists for forms: tenants, queues, departments, categories, break reasons, agents", "session", nil, referenceResponse{}, s.reference},

		{"POST", "/api/agent/state", minwon.RoleCounselor, "Set my state", "counselor", stateRequest{}, center.AgentStatus{}, s.setState},
		{"GET", "/api/agent/contacts", minwon.RoleCounselor, "My offered, active and wrap-up contacts with messages", "counselor", nil, []contactView{}, s.myContacts},
		{"POST", "/api/contacts/{id}/accept", minwon.RoleCounselor, "Accept an offered contact", "counselor", nil, contactView{}, s.accept},
		{"GET", "/api/contacts/{id}", minwon.RoleCounselor, "A contact with its messages", "counselor", nil, contactView{}, s.getContact},
		{"POST", "/api/contacts/{id}/messages", minwon.RoleCounselor, "Send a reply", "counselor", sendRequest{}, minwon.Message{}, s.agentSend},
		{"POST", "/api/contacts/{id}/memo", minwon.RoleCounselor, "Save the memo pad", "counselor", memoRequest{}, nil, s.memo},
		{"POST", "/api/contacts/{id}/end", minwon.RoleCounselor, "End the conversation; the citizen is asked to rate it", "counselor", nil, minwon.Contact{}, s.endContact},
		{"POST", "/api/contacts/{id}/callback", minwon.RoleCounselor, "Report an accepted callback completed or failed, with notes; the contact goes to wrap-up", "counselor", callbackRequest{}, minwon.Contact{}, s.finishCallback},
		{"POST", "/api/contacts/{id}/wrapup", minwon.RoleCounselor, "Close with category, resolution and summary", "counselor", wrapRequest{}, minwon.Contact{}, s.wrap},
		{"POST", "/api/contacts/{id}/transfer", minwon.RoleCounselor, "Transfer to a queue or a counselor", "counselor", transferRequest{}, minwon.Contact{}, s.transfer},
		// The desk's browser softphone (softphone.go); the desk socket's "softphone" frame turns it on.
		{"POST", "/api/contacts/{id}/softphone", minwon.RoleCounselor, "Connect my accepted call to this browser: a WebRTC offer (PCMU/PCMA audio, ICE gathering complete) in, the server's answer out", "counselor", softphoneSDP{}, softphoneSDP{}, s.softphoneOffer},
		{"POST", "/api/contacts/{id}/softphone/control", minwon.RoleCounselor, "Hold, resume, mute, unmute, send keys (in-band DTMF) or hang up my softphone call", "counselor", softphone.Control{}, softphone.State{}, s.softphoneControl},
		{"POST", "/api/contacts/{id}/handoff", minwon.RoleCounselor, "Hand the matter to a department", "counselor", handoffRequest{}, minwon.Handoff{}, s.handoff},
		// Transfers of a live call and calling out (transfer.go).
		{"POST", "/api/contacts/{id}/call-transfer", minwon.RoleCounselor, "Transfer a live call: blind or attended, to a queue, a counselor or a department's SIP line", "counselor", callTransferRequest{}, transferView{}, s.startCallTransfer},
		{"GET", "/api/contacts/{id}/call-transfer", minwon.RoleCounselor, "The call's transfer under way, if any, and whether the target answered", "counselor", nil, transferView{}, s.callTransfer},
		{"POST", "/api/contacts/{id}/call-transfer/complete", minwon.RoleCounselor, "Complete an attended transfer: the caller goes to the target, the counselor leaves", "counselor", nil, nil, s.completeCallTransfer},
		{"POST", "/api/contacts/{id}/call-transfer/cancel", minwon.RoleCounselor, "Cancel a transfer: the caller comes back to the counselor", "counselor", nil, nil, s.cancelCallTransfer},
		{"POST", "/api/calls", "", "Call a citizen from the center's number, bridged to my phone (counselor or department official)", "counselor", callRequest{}, minwon.Contact{}, s.callOut},
		// Call recordings (recordings.go): supervisors of the tenant, and the counselor of the call.
		{"GET", "/api/contacts/{id}/recordings", "", "A contact's call recordings, oldest first, with SHA-256 and size (a supervisor of its tenant, or the counselor who took it)", "recordings", nil, []minwon.Recording{}, s.contactRecordings},
		{"GET", "/api/recordings/{id}/audio", "", "Play a recording: the decrypted stereo WAV (citizen left, counselor right), with Range; each request is audited as recording.played before a byte is sent", "recordings", nil, binaryResponse("audio/wav"), s.recordingAudio},
		// Sign-language video (video.go): one non-trickle offer per side.
		{"POST", "/api/contacts/{id}/video", minwon.RoleCounselor, "Offer my camera for a video contact I handle; the answer's SDP carries the server's candidates", "video", videoOffer{}, videoAnswer{}, s.agentVideo},
		{"POST", "/api/video/offer", public, "The citizen page's WebRTC offer for its active video contact, bound by the chat resume token", "video", videoOffer{}, videoAnswer{}, s.citizenVideo},
		{"GET", "/api/contacts/{id}/history", minwon.RoleCounselor, "Earlier contacts of the same citizen", "counselor", nil, []minwon.Contact{}, s.history},
		{"GET", "/api/kb/search", minwon.RoleCounselor, "Search the knowledge base (?q=)", "counselor", nil, []kbHit{}, s.kbSearch},
		{"GET", "/api/kb/articles/{id}", minwon.RoleCounselor, "One knowledge-base article, with the short answer it gives to ?q=", "counselor", nil, articleView{}, s.kbArticle},
		// Knowledge-base management (kb.go); the center checks who may write and decide.
		{"GET", "/api/kb/articles", "", "List articles (?q=&category=&department=&live=true&pending=true&published_since=today|RFC3339&changed_since=&limit=)", "kb", nil, []minwon.Article{}, s.kbList},
		{"GET", "/api/kb/articles/{id}/versions", "", "An article with its version history", "kb", nil, articleHistory{}, s.kbVersions},
		{"POST", "/api/kb/articles", "", "Write a new article as a draft (counselor or supervisor)", "kb", articleRequest{}, minwon.ArticleVersion{}, s.kbSave},
		{"PUT", "/api/kb/articles/{id}", "", "Write a new draft version; the published one stays live until approved", "kb", articleRequest{}, minwon.ArticleVersion{}, s.kbSave},
		{"POST", "/api/kb/articles/{id}/submit", "", "Submit a draft for approval", "kb", decisionRequest{}, minwon.ArticleVersion{}, s.kbSubmit},
		{"POST", "/api/kb/articles/{id}/approve", minwon.RoleSupervisor, "Publish a version", "kb", decisionRequest{}, minwon.ArticleVersion{}, s.kbApprove},
		{"POST", "/api/kb/articles/{id}/reject", minwon.RoleSupervisor, "Send a version back with a reason", "kb", decisionRequest{}, minwon.ArticleVersion{}, s.kbReject},
		{"POST", "/api/kb/articles/{id}/retire", minwon.RoleSupervisor, "Take an article out of service", "kb", retireRequest{}, nil, s.kbRetire},
		{"POST", "/api/kb/import", "", "Import articles (?format=jsonl|csv|md&publish=true, or multipart \"file\" parts); streams NDJSON progress lines", "kb", nil, importProgress{}, s.kbImport},
		{"GET", "/api/kb/export", "", "Export articles (?format=jsonl|csv|md&which=live|latest); md is a zip of Markdown files", "kb", nil, nil, s.kbExport},
		{"GET", "/api/kb/dictionary", "", "The synonym dictionary search expands queries with", "kb", nil, dictionaryBody{}, s.kbDictionary},
		{"PUT", "/api/kb/dictionary", minwon.RoleAdmin, "Replace the synonym dictionary", "kb", dictionaryBody{}, dictionaryBody{}, s.kbSaveDictionary},
		{"GET", "/api/notices", "", "Active notices with who read them", "notices", nil, []minwon.Notice{}, s.notices},
		{"POST", "/api/notices/{id}/read", "", "Confirm reading a notice", "notices", nil, nil, s.readNotice},
		{"POST", "/api/notices", minwon.RoleSupervisor, "Post a notice", "notices", noticeRequest{}, minwon.Notice{}, s.postNotice},

		{"GET", "/api/board", minwon.RoleSupervisor, "The status board", "supervisor", nil, board.Snapshot{}, s.getBoard},
		{"POST", "/api/contacts/{id}/monitor", minwon.RoleSupervisor, "Start or stop watching a live contact", "supervisor", monitorRequest{}, contactView{}, s.monitor},
		{"POST", "/api/contacts/{id}/whisper", minwon.RoleSupervisor, "Coach the counselor; the citizen never sees it", "supervisor", whisperRequest{}, minwon.Message{}, s.whisper},
		{"POST", "/api/contacts/{id}/coach", minwon.RoleSupervisor, "Join a live call of my tenant from my phone, or switch modes: listen (nobody hears me), whisper (the counselor hears me, the caller does not) or barge (both do); stored as coach.started or coach.mode", "supervisor", coachRequest{}, coachView{}, s.coach},
		// Interpreters (interpreter.go): the counselor brings one into a live call.
		{"GET", "/api/interpreters/languages", minwon.RoleCounselor, "The languages my calls can have an interpreter for, with how many are free now", "counselor", nil, []center.InterpreterLanguage{}, s.interpreterLanguages},
		{"POST", "/api/contacts/{id}/interpreter", minwon.RoleCounselor, "Bring a free interpreter of the caller's language into my live call (conference.requested; conference.joined once they answer); 503 when none is free (conference.failed no_interpreter)", "counselor", interpreterRequest{}, minwon.Conference{}, s.requestInterpreter},
		{"DELETE", "/api/contacts/{id}/interpreter", minwon.RoleCounselor, "Take the interpreter off my call; the call goes on two-way (conference.left dropped, or conference.failed cancelled while ringing)", "counselor", nil, nil, s.dropInterpreter},
		{"DELETE", "/api/contacts/{id}/coach", minwon.RoleSupervisor, "Leave a call I coach; my phone is hung up and the call is as before; stored as coach.ended", "supervisor", nil, nil, s.leaveCoach},

		// Counselor protection (incidents.go).
		{"POST", "/api/messages/{id}/reveal", "", "Show the original of a masked message; audited (the counselor on the incident or a supervisor)", "protection", nil, revealResponse{}, s.revealMessage},
		{"GET", "/api/incidents", minwon.RoleSupervisor, "A page of my tenant's incidents, newest first (?from=&to=YYYY-MM-DD Seoul days or RFC 3339&type=&agent=&status=open|confirmed|dismissed&limit=&offset=); X-Total-Count gives the number matching", "protection", nil, []minwon.Incident{}, s.listIncidents},
		{"GET", "/api/incidents/report", minwon.RoleSupervisor, "Incidents by type per period and per-counselor exposure (?from=&to=&period=day|week|month)", "protection", nil, center.IncidentReport{}, s.incidentReport},
		{"GET", "/api/incidents/{id}", "", "One incident with items, scores, warnings, end and actions (its counselor or a supervisor); supervisors also get the caller's case, sanctions and flag", "protection", nil, center.IncidentDetail{}, s.getIncident},
		{"POST", "/api/incidents/{id}/notes", "", "Add a note to an incident; audited (its counselor or a supervisor)", "protection", noteRequest{}, minwon.Incident{}, s.noteIncident},
		{"GET", "/api/contacts/{id}/protection", minwon.RoleCounselor, "My contact's protection buttons: warn, end with notice, from when (end_from), warnings so far", "protection", nil, center.DeskProtection{}, s.deskProtection},
		{"POST", "/api/contacts/{id}/warn", minwon.RoleCounselor, "Send the citizen the next scripted warning; the last one ends the contact", "protection", protectRequest{}, center.DeskProtection{}, s.counselorWarn},
		{"POST", "/api/contacts/{id}/end-notice", minwon.RoleCounselor, "End the contact with the closing notice (after the warnings, at once for sexual harassment, or from 20 minutes)", "protection", protectRequest{}, center.DeskProtection{}, s.endWithNotice},
		{"POST", "/api/incidents/{id}/review", minwon.RoleSupervisor, "Confirm or dismiss an incident, with a reason", "protection", reviewRequest{}, minwon.Incident{}, s.reviewIncident},
		{"GET", "/api/incidents/{id}/bundle", minwon.RoleSupervisor, "Download the evidence bundle (ZIP); the export is audited", "protection", nil, nil, s.incidentBundle},
		{"POST", "/api/sanctions", minwon.RoleSupervisor, "Sanction a caller (restrict, legal, close, lift); reason required; the audit entry", "protection", sanctionRequest{}, minwon.Sanction{}, s.sanction},

		{"GET", "/api/handoffs", minwon.RoleDepartment, "Hand-offs of my department (?state=)", "department", nil, []minwon.Handoff{}, s.handoffs},
		{"GET", "/api/handoffs/{id}", minwon.RoleDepartment, "One hand-off with the conversation", "department", nil, handoffView{}, s.getHandoff},
		{"POST", "/api/handoffs/{id}", minwon.RoleDepartment, "Accept or finish a hand-off", "department", handoffUpdate{}, minwon.Handoff{}, s.updateHandoff},

		{"GET", "/api/tenants", minwon.RoleAdmin, "List tenants", "admin", nil, []minwon.Tenant{}, s.listTenants},
		{"POST", "/api/tenants", minwon.RoleAdmin, "Create a tenant", "admin", minwon.Tenant{}, minwon.Tenant{}, s.saveTenant},
		{"PUT", "/api/tenants/{id}", minwon.RoleAdmin, "Update a tenant", "admin", minwon.Tenant{}, minwon.Tenant{}, s.saveTenant},
		// The counselor-protection policy of a tenant (policy.go).
		{"GET", "/api/tenants/{id}/policy", "", "The protection policy that applies to a tenant, and where it comes from (an admin, or a supervisor of the tenant or its parent)", "admin", nil, center.PolicyView{}, s.getPolicy},
		{"PUT", "/api/tenants/{id}/policy", minwon.RoleAdmin, "Replace a tenant's protection policy; a field at fault comes back as error.field; audited", "admin", policyDoc{}, center.PolicyView{}, s.putPolicy},
		{"DELETE", "/api/tenants/{id}/policy", minwon.RoleAdmin, "Remove a tenant's own policy: it follows its parent's, or the defaults; audited", "admin", nil, center.PolicyView{}, s.resetPolicy},
		// The tenant's IVR (ivr.go): business hours, holidays, situational notices.
		{"GET", "/api/tenants/{id}/hours", "", "The business hours that apply to a tenant and where they come from (an admin, or a supervisor of the tenant or its parent)", "ivr", nil, center.HoursView{}, s.getHours},
		{"PUT", "/api/tenants/{id}/hours", minwon.RoleAdmin, "Replace a tenant's business hours and extra holidays; \"config\": null follows the parent again; a field at fault comes back as error.field", "ivr", hoursRequest{}, center.HoursView{}, s.putHours},
		{"GET", "/api/tenants/{id}/hours/status", "", "Whether the tenant's line is open (?at=RFC 3339, default now), why, the holiday, the next change, the active notices and what a caller hears", "ivr", nil, hoursStatusView{}, s.hoursStatus},
		{"GET", "/api/tenants/{id}/notices", "", "The tenant's situational IVR notices (an admin, or a supervisor of the tenant or its parent)", "ivr", nil, []center.IVRNotice{}, s.listIVRNotices},
		{"POST", "/api/tenants/{id}/notices", minwon.RoleSupervisor, "Set a situational IVR notice with start and end; its text is spoken by the Korean voice, or \"wav\" (base64, 8 kHz mono 16-bit) is played", "ivr", center.NoticeRequest{}, center.IVRNotice{}, s.setIVRNotice},
		{"DELETE", "/api/tenants/{id}/notices/{notice}", minwon.RoleSupervisor, "Remove a situational IVR notice", "ivr", nil, nil, s.removeIVRNotice},
		{"GET", "/api/tenants/{id}/prompts", "", "The tenant's own recordings of catalogue prompts (they replace the defaults on its lines and its districts')", "ivr", nil, []center.IVRPrompt{}, s.listIVRPrompts},
		{"PUT", "/api/tenants/{id}/prompts/{lang}/{name}", minwon.RoleAdmin, "Replace a default prompt (greeting, after_hours …) with a recording: \"wav\", base64 of 8 kHz mono 16-bit WAV, at most 1 MiB", "ivr", promptRequest{}, center.IVRPrompt{}, s.putIVRPrompt},
		{"DELETE", "/api/tenants/{id}/prompts/{lang}/{name}", minwon.RoleAdmin, "Remove a tenant's recording; the default prompt plays again", "ivr", nil, nil, s.removeIVRPrompt},
		{"GET", "/api/holidays", "", "Korean public holidays of a year (?year=, default this year), with a tenant's extra holidays (?tenant=)", "ivr", nil, []calendar.Holiday{}, s.holidays},
		{"GET", "/api/departments", minwon.RoleAdmin, "List departments", "admin", nil, []minwon.Department{}, s.listDepartments},
		{"POST", "/api/departments", minwon.RoleAdmin, "Create a department", "admin", minwon.Department{}, minwon.Department{}, s.saveDepartment},
		{"PUT", "/api/departments/{id}", minwon.RoleAdmin, "Update a department", "admin", minwon.Department{}, minwon.Department{}, s.saveDepartment},
		{"GET", "/api/interpreters", minwon.RoleAdmin, "List the interpreter pools (?tenant=)", "admin", nil, []minwon.Interpreter{}, s.listInterpreters},
		{"POST", "/api/interpreters", minwon.RoleAdmin, "Add an interpreter to a tenant's pool: languages, and user_id (in-house: their softphone or phone is rung) or address (an external line: a number dialled through the trunk, or a SIP URI)", "admin", minwon.Interpreter{}, minwon.Interpreter{}, s.saveInterpreter},
		{"PUT", "/api/interpreters/{id}", minwon.RoleAdmin, "Update an interpreter; \"disabled\": true takes them out of the rota", "admin", minwon.Interpreter{}, minwon.Interpreter{}, s.saveInterpreter},
		{"GET", "/api/queues", minwon.RoleAdmin, "List queues", "admin", nil, []minwon.Queue{}, s.listQueues},
		{"POST", "/api/queues", minwon.RoleAdmin, "Create a queue", "admin", minwon.Queue{}, minwon.Queue{}, s.saveQueue},
		{"PUT", "/api/queues/{id}", minwon.RoleAdmin, "Update a queue", "admin", minwon.Queue{}, minwon.Queue{}, s.saveQueue},
		{"GET", "/api/users", minwon.RoleAdmin, "List users", "admin", nil, []minwon.User{}, s.listUsers},
		{"POST", "/api/users", minwon.RoleAdmin, "Create a user", "admin", userRequest{}, minwon.User{}, s.saveUser},
		{"PUT", "/api/users/{id}", minwon.RoleAdmin, "Update a user", "admin", userRequest{}, minwon.User{}, s.saveUser},
		{"GET", "/api/events", minwon.RoleAdmin, "The audit trail (?after=SEQ&limit=N)", "admin", nil, []minwon.Event{}, s.events},
	}
	for _, rt := range s.routes {
		h := rt.handler
		if rt.role != public {
			h = s.guard(rt.role, h)
		}
		s.mux.HandleFunc(rt.method+" "+rt.path, h)
	}
	s.mux.HandleFunc("GET /api/openapi.json", s.openapi)
	s.mux.Handle("GET /metrics", s.metrics.handler())
	s.mux.HandleFunc("GET /ws/chat", s.chatWS)
	s.mux.HandleFunc("GET /ws/desk", s.guard("", s.deskWS))
	s.mux.HandleFunc("GET /ws/board", s.guard(minwon.RoleSupervisor, s.boardWS))
	s.mux.HandleFunc("GET /chat/{entry}", s.chatPage)
	s.mux.HandleFunc("GET /video/{entry}", s.chatPage) // the same page, in its sign-language video mode
	s.mux.HandleFunc("/", s.static)
}

// chatPage serves the citizen page for a known entry point only.
func (s *Server) chatPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.center.TenantByEntry(r.PathValue("entry")); !ok {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte("이 주소로 운영되는 상담 창구가 없습니다. / No center answers at this address.\n"))
		return
	}
	s.serveFile(w, r, "chat.html")
}

// static serves the UI, and answers unknown API paths in the API's own error
// format rather than with the UI's page.
func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/api/") || strings.HasPrefix(r.URL.Path, "/ws/") {
		s.fail(w, r, minwon.Errorf(minwon.ENOTFOUND, "no API route %s %s", r.Method, r.URL.Path))
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := strings.TrimPrefix(r.URL.Path, "/")
	if p == "" {
		p = "index.html"
	}
	s.serveFile(w, r, p)
}

func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, name string) {
	if s.ui == nil {
		http.Error(w, "the web UI was not built into this binary (run make build)", http.StatusNotFound)
		return
	}
	if _, err := fs.Stat(s.ui, name); err != nil {
		if strings.Contains(name, ".") {
			http.NotFound(w, r)
			return
		}
		name = "index.html" // client-side routes
	}
	if strings.HasPrefix(name, "assets/") {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	}
	w.Header().Set("Content-Security-Policy", "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors *")
	http.ServeFileFS(w, r, s.ui, name)
}
