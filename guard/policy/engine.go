package policy

import (
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/guard"
)

// Classifier labels text; *guard.Classifier is one.
type Classifier interface {
	Classify(text string) guard.Result
}

var _ Classifier = (*guard.Classifier)(nil)

// Engine applies one tenant's Config. It holds no state of its own: every
// method reads a Contact and a Register and returns the events to store, so
// one Engine serves any number of contacts from any goroutine.
type Engine struct {
	cfg        Config
	classifier Classifier
	now        func() time.Time
}

// New returns an engine for cfg, which must be valid. now is the clock;
// nil means time.Now.
func New(cfg Config, c Classifier, now func() time.Time) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if now == nil {
		now = time.Now
	}
	return &Engine{cfg: cfg, classifier: c, now: now}, nil
}

// Config returns the engine's policy.
func (e *Engine) Config() Config { return e.cfg }

// Input is one thing the citizen said or did: a chat message, a voice
// transcript segment or an acoustic event from the media path.
type Input struct {
	Kind      minwon.ItemKind
	MessageID string // the stored message, for chat and transcript segments
	Text      string
	// Recording points at the call recording for voice inputs.
	Recording *minwon.RecordingRef
	// Agitation is the acoustic agitation score, 0..1, for ItemAcoustic.
	Agitation float64
}

// Verdict is what happens to one input.
type Verdict string

const (
	Deliver Verdict = "deliver" // show it to the counselor as it is
	Mask    Verdict = "mask"    // show Decision.Text, with abusive spans masked
	Warn    Verdict = "warn"    // show it masked and send Decision.Script to the citizen
	End     Verdict = "end"     // send Decision.Script as the closing notice and end the contact
)

// Suggestion is an action the engine arms for the counselor instead of
// taking it, where the channel does not let it act alone (voice).
type Suggestion string

const (
	SuggestNone Suggestion = ""
	SuggestWarn Suggestion = "warn"
	SuggestEnd  Suggestion = "end"
)

// Decision is the engine's answer. Events must be stored, published and
// applied to the Contact and Register before the verdict is carried out.
type Decision struct {
	Verdict Verdict
	// Text is what the counselor sees: the input with abusive spans masked.
	Text  string
	Spans []minwon.Span
	// Type and Score are the offence found; Type is empty when none.
	Type  minwon.IncidentType
	Score float64
	// Warning is the number of the warning given or, for End, the offence
	// that ended the contact.
	Warning int
	// Script goes to the citizen: a warning, or the closing notice.
	Script  string
	Suggest Suggestion
	// Distress marks a citizen who may harm themselves: no offence, but the
	// counselor should be told to offer help.
	Distress bool
	Events   []*minwon.Event
}

// Check decides on one input before the counselor sees it.
func (e *Engine) Check(c *Contact, reg *Register, in Input) (Decision, error) {
	if c.closed() {
		return Decision{}, minwon.Errorf(minwon.ECONFLICT, "the contact has ended")
	}
	if r := in.Recording; r != nil && (r.Start < 0 || r.End < r.Start) {
		return Decision{}, minwon.Errorf(minwon.EINVALID, "the recording segment ends before it starts")
	}
	var typ minwon.IncidentType
	d := Decision{Verdict: Deliver, Text: in.Text}
	item := minwon.IncidentItem{Kind: in.Kind, MessageID: in.MessageID, Text: in.Text, Recording: in.Recording}
	switch in.Kind {
	case minwon.ItemMessage, minwon.ItemSegment:
		if err := minwon.ValidateText(in.Text, minwon.MaxMessageBytes); err != nil {
			return Decision{}, err
		}
		r := e.classifier.Classify(in.Text)
		d.Distress = r.Distress
		if r.Label == guard.None || r.Score < e.cfg.MinScore {
			return d, nil
		}
		typ = typeOf(r.Label)
		d.Spans = spans(in.Text, r)
		d.Text = maskText(in.Text, d.Spans, e.cfg.Mask)
		item.Label, item.Score, item.Spans, item.Masked = string(r.Label), r.Score, d.Spans, d.Text
	case minwon.ItemAcoustic:
		if in.Agitation < 0 || in.Agitation > 1 {
			return Decision{}, minwon.Errorf(minwon.EINVALID, "agitation is between 0 and 1")
		}
		if in.Agitation < e.cfg.Agitation {
			return d, nil
		}
		typ = minwon.IncidentAggressive
		item.Label, item.Score = "agitation", in.Agitation
	default:
		return Decision{}, minwon.Errorf(minwon.EINVALID, "unknown input kind %q", in.Kind)
	}
	d.Type, d.Score = typ, item.Score
	if d.Verdict == Deliver {
		d.Verdict = Mask
	}
	item.Type = typ
	source := minwon.SourceGuard
	if in.Kind == minwon.ItemAcoustic {
		source = minwon.SourceAcoustic
	}
	e.offence(c, reg, &d, typ, source, minwon.FromSystem, "", &item, in.Recording)
	return d, nil
}

// offence adds to d the events of one offence of type typ in contact c:
// the incident if it is the first, the item, then a warning, the end or a
// suggestion for the counselor. rec, on calls, is the recording segment the
// warning or end points at.
func (e *Engine) offence(c *Contact, reg *Register, d *Decision, typ minwon.IncidentType, source minwon.IncidentSource, by minwon.Sender, actor string, item *minwon.IncidentItem, rec *minwon.RecordingRef) {
	now := e.now()
	inc := c.Incident
	if inc == nil {
		inc = &minwon.Incident{ID: minwon.NewID(), TenantID: c.TenantID, ContactID: c.ID, CallerID: c.CallerID,
			AgentID: c.AgentID, Channel: c.Channel, Type: typ, Source: source, OpenedAt: now}
		d.Events = append(d.Events, e.event(c, minwon.EventIncidentOpened, actor, inc))
	}
	if item != nil {
		item.IncidentID, item.At = inc.ID, now
		d.Events = append(d.Events, e.event(c, minwon.EventIncidentItem, actor, item))
	}
	rule := e.cfg.Types[typ]
	n := len(inc.Warnings) + 1
	d.Warning = n
	act := by == minwon.FromAgent || (rule.AutoWarn && e.cfg.Channels[c.Channel].AutoWarn)
	switch {
	case rule.EndAt > 0 && n >= rule.EndAt:
		if !act {
			d.Suggest = SuggestEnd
			return
		}
		reason := "warnings"
		if rule.EndAt == 1 {
			reason = "at_once"
		}
		if by == minwon.FromAgent {
			reason = "counselor"
		}
		d.Verdict, d.Script = End, e.cfg.closing(rule)
		e.end(c, reg, d, inc, typ, by, actor, reason, rec)
	case rule.EndAt > 0 || by == minwon.FromAgent:
		if !act {
			d.Suggest = SuggestWarn
			return
		}
		ws := e.cfg.warnings(rule)
		script := ws[min(n, len(ws))-1]
		d.Verdict, d.Script = Warn, script
		d.Events = append(d.Events, e.event(c, minwon.EventIncidentWarned, actor,
			&minwon.IncidentWarned{IncidentID: inc.ID, N: n, Type: typ, By: by, Script: script, Recording: rec, At: now}))
	}
}

// end adds the incident's end and its consequences: the strike, a legal
// case and a flag when the strikes reach them, and the counselor's break.
func (e *Engine) end(c *Contact, reg *Register, d *Decision, inc *minwon.Incident, typ minwon.IncidentType, by minwon.Sender, actor, reason string, rec *minwon.RecordingRef) {
	now := e.now()
	d.Events = append(d.Events, e.event(c, minwon.EventIncidentEnded, actor,
		&minwon.IncidentEnded{IncidentID: inc.ID, Type: typ, By: by, Reason: reason, Script: d.Script, Recording: rec, At: now}))
	if reg != nil {
		d.Events = append(d.Events, e.strike(reg, c, inc.ID, typ, now)...)
	}
	if ev := e.protect(c, inc.ID, typ, now); ev != nil {
		d.Events = append(d.Events, ev)
	}
}

// Availability says which protection buttons the counselor may press now.
type Availability struct {
	Warn bool `json:"warn"`
	End  bool `json:"end"`
	// EndFrom is when the time rule arms End; zero where the channel has no
	// such rule or the contact is not answered.
	EndFrom time.Time `json:"end_from,omitzero"`
}

// Actions reports the counselor's protection buttons for contact c.
func (e *Engine) Actions(c *Contact) Availability {
	var a Availability
	if c.AnsweredAt.IsZero() || c.closed() {
		return a
	}
	a.Warn = true
	if after := e.cfg.Channels[c.Channel].EndNoticeAfter; after > 0 {
		a.EndFrom = c.AnsweredAt.Add(after)
	}
	a.End = e.incidentAllowsEnd(c) || (!a.EndFrom.IsZero() && !e.now().Before(a.EndFrom))
	return a
}

// incidentAllowsEnd reports whether the contact's incident has reached the
// offence that ends it, so the counselor may end it with notice now.
func (e *Engine) incidentAllowsEnd(c *Contact) bool {
	return c.Incident != nil && e.typeAllowsEnd(c, c.Incident.Type)
}

// typeAllowsEnd reports whether one more offence of type t ends contact c:
// at once for sexual harassment, after the warnings for abuse.
func (e *Engine) typeAllowsEnd(c *Contact, t minwon.IncidentType) bool {
	rule := e.cfg.Types[t]
	n := 1
	if c.Incident != nil {
		n += len(c.Incident.Warnings)
	}
	return rule.EndAt > 0 && n >= rule.EndAt
}

// CounselorWarning is a counselor's press of the warning button: the type of
// offence and an optional note for the record. On a call, Recording is the
// segment of the recording before and around the press.
type CounselorWarning struct {
	AgentID   string
	Type      minwon.IncidentType
	Note      string
	Recording *minwon.RecordingRef
}

// Warn gives the citizen the next warning on the counselor's word. The
// warning that reaches the type's EndAt ends the contact, as in chat.
func (e *Engine) Warn(c *Contact, reg *Register, w CounselorWarning) (Decision, error) {
	if err := e.counselorCheck(c, w.AgentID, w.Type, w.Note); err != nil {
		return Decision{}, err
	}
	if err := notYetAnswered(c); err != nil {
		return Decision{}, err
	}
	if !e.Actions(c).Warn {
		return Decision{}, minwon.Errorf(minwon.ECONFLICT, "the contact is not in conversation")
	}
	d := Decision{Verdict: Deliver, Type: w.Type}
	e.offence(c, reg, &d, w.Type, minwon.SourceCounselor, minwon.FromAgent, w.AgentID, e.note(w.Note, w.Recording), w.Recording)
	return d, nil
}

// EndWithNotice ends the contact with the closing notice on the counselor's
// word: allowed once the warnings are spent, at once for a type that ends at
// once (sexual harassment the transcript missed), or under the time rule
// once the contact has lasted the channel's EndNoticeAfter.
func (e *Engine) EndWithNotice(c *Contact, reg *Register, w CounselorWarning) (Decision, error) {
	if err := e.counselorCheck(c, w.AgentID, w.Type, w.Note); err != nil {
		return Decision{}, err
	}
	if err := notYetAnswered(c); err != nil {
		return Decision{}, err
	}
	a := e.Actions(c)
	byOffence := e.incidentAllowsEnd(c) || e.typeAllowsEnd(c, w.Type)
	if !a.End && !(a.Warn && byOffence) {
		if a.EndFrom.IsZero() {
			return Decision{}, minwon.Errorf(minwon.EFORBIDDEN, "end with notice is available after the warnings")
		}
		return Decision{}, minwon.Errorf(minwon.EFORBIDDEN, "end with notice is available after the warnings or from %s",
			a.EndFrom.In(e.cfg.location()).Format("15:04"))
	}
	d := Decision{Verdict: End, Type: w.Type}
	inc := c.Incident
	if inc == nil {
		inc = &minwon.Incident{ID: minwon.NewID(), TenantID: c.TenantID, ContactID: c.ID, CallerID: c.CallerID,
			AgentID: c.AgentID, Channel: c.Channel, Type: w.Type, Source: minwon.SourceCounselor, OpenedAt: e.now()}
		d.Events = append(d.Events, e.event(c, minwon.EventIncidentOpened, w.AgentID, inc))
	}
	if it := e.note(w.Note, w.Recording); it != nil {
		it.IncidentID, it.At = inc.ID, e.now()
		d.Events = append(d.Events, e.event(c, minwon.EventIncidentItem, w.AgentID, it))
	}
	reason := "after_minutes"
	d.Script = e.cfg.TimeClosing
	if byOffence {
		reason, d.Script = "counselor", e.cfg.closing(e.cfg.Types[w.Type])
	}
	d.Warning = len(inc.Warnings) + 1
	e.end(c, reg, &d, inc, w.Type, minwon.FromAgent, w.AgentID, reason, w.Recording)
	return d, nil
}

// notYetAnswered refuses a counselor's press on a contact not yet in
// conversation, saying so: an outbound call whose citizen has not picked
// up hears no announcement, so the press must not look as if it counted.
func notYetAnswered(c *Contact) error {
	switch {
	case !c.AnsweredAt.IsZero() || c.closed():
		return nil
	case c.Channel == minwon.ChannelVoice:
		return minwon.Errorf(minwon.ECONFLICT, "the call is not connected yet")
	}
	return minwon.Errorf(minwon.ECONFLICT, "the contact is not answered yet")
}

func (e *Engine) counselorCheck(c *Contact, agentID string, t minwon.IncidentType, note string) error {
	if !minwon.ValidIncidentType(t) {
		return minwon.Errorf(minwon.EINVALID, "unknown incident type %q", t)
	}
	if agentID == "" || agentID != c.AgentID {
		return minwon.Errorf(minwon.EFORBIDDEN, "only the counselor on the contact can do this")
	}
	return minwon.ValidateText(note, maxReason)
}

// note turns a counselor's note into an incident item, so the record says
// in the counselor's words what was heard.
func (e *Engine) note(text string, rec *minwon.RecordingRef) *minwon.IncidentItem {
	if strings.TrimSpace(text) == "" {
		return nil
	}
	return &minwon.IncidentItem{Kind: minwon.ItemNote, Text: text, Recording: rec}
}

// event builds an event of contact c.
func (e *Engine) event(c *Contact, typ minwon.EventType, actor string, data any) *minwon.Event {
	ev := minwon.NewEvent(typ, e.now(), data)
	ev.TenantID, ev.ContactID, ev.AgentID, ev.ActorID = c.TenantID, c.ID, c.AgentID, actor
	return ev
}

// typeOf maps a classifier label to an incident type.
func typeOf(l guard.Label) minwon.IncidentType {
	switch l {
	case guard.Sexual:
		return minwon.IncidentSexual
	case guard.Threat:
		return minwon.IncidentThreat
	}
	return minwon.IncidentAbuse
}

// spans returns the byte ranges to mask: the deciding span and every
// abusive root the classifier found, merged.
func spans(text string, r guard.Result) []minwon.Span {
	var ss []minwon.Span
	// A span must lie on letter boundaries, or masking would split a letter.
	add := func(s, e int) {
		if s >= 0 && e <= len(text) && s < e && utf8.RuneStart(text[s]) && (e == len(text) || utf8.RuneStart(text[e])) {
			ss = append(ss, minwon.Span{Start: s, End: e})
		}
	}
	add(r.Start, r.End)
	for _, h := range r.Hits {
		if h.Label != guard.None {
			add(h.Start, h.End)
		}
	}
	sort.Slice(ss, func(i, j int) bool { return ss[i].Start < ss[j].Start })
	out := ss[:0]
	for _, s := range ss {
		if n := len(out); n > 0 && s.Start <= out[n-1].End {
			out[n-1].End = max(out[n-1].End, s.End)
			continue
		}
		out = append(out, s)
	}
	return out
}

// maskText replaces every letter inside spans with mask, keeping spaces so
// the counselor still sees the shape of the sentence.
func maskText(text string, ss []minwon.Span, mask string) string {
	if len(ss) == 0 {
		return text
	}
	var b strings.Builder
	last := 0
	for _, s := range ss {
		b.WriteString(text[last:s.Start])
		for _, r := range text[s.Start:s.End] {
			if unicode.IsSpace(r) {
				b.WriteRune(r)
			} else {
				b.WriteString(mask)
			}
		}
		last = s.End
	}
	b.WriteString(text[last:])
	return b.String()
}

// maxReason bounds notes and reasons people type.
const maxReason = 2000
