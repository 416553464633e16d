package policy_test

import (
	"testing"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/guard"
	"github.com/minwon/minwon/guard/policy"
)

// clock is the injected clock; tests move it, never sleep.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time          { return c.t }
func (c *clock) Advance(d time.Duration) { c.t = c.t.Add(d) }

// t0 is a weekday morning in Seoul.
var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, policy.KST)

// lines is a fake classifier: the listed texts get their verdict, anything
// else is clean.
type lines map[string]guard.Result

func (l lines) Classify(s string) guard.Result {
	if r, ok := l[s]; ok {
		return r
	}
	return guard.Result{Label: guard.None}
}

// verdict labels a whole text.
func verdict(label guard.Label, text string) guard.Result {
	return guard.Result{Label: label, Score: 0.95, Start: 0, End: len(text)}
}

const (
	swear1  = "욕설 하나"
	swear2  = "욕설 둘"
	swear3  = "욕설 셋"
	sexual  = "성희롱 발언"
	threat  = "협박 발언"
	lowConf = "애매한 말"
	sad     = "너무 힘들어요"
)

var fake = lines{
	swear1: verdict(guard.Profanity, swear1), swear2: verdict(guard.Profanity, swear2), swear3: verdict(guard.Profanity, swear3),
	sexual: verdict(guard.Sexual, sexual), threat: verdict(guard.Threat, threat),
	lowConf: {Label: guard.Profanity, Score: 0.55, Start: 0, End: len(lowConf)},
	sad:     {Label: guard.None, Distress: true},
}

// world is a center in miniature: an event log and every projection fed
// from it, as the real center will do.
type world struct {
	t          *testing.T
	clock      *clock
	eng        *policy.Engine
	reg        *policy.Register
	counselors *policy.Counselors
	report     *policy.Report
	incidents  *policy.Incidents
	contacts   map[string]*policy.Contact
	log        []*minwon.Event
}

const tenant = "t1"

func newWorld(t *testing.T, cfg policy.Config, cl policy.Classifier) *world {
	t.Helper()
	clk := &clock{t: t0}
	eng, err := policy.New(cfg, cl, clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	return &world{t: t, clock: clk, eng: eng, reg: policy.NewRegister(), counselors: policy.NewCounselors(),
		report: policy.NewReport(nil), incidents: policy.NewIncidents(), contacts: map[string]*policy.Contact{}}
}

// apply stores events and feeds them to every projection.
func (w *world) apply(evs ...*minwon.Event) {
	w.t.Helper()
	for _, ev := range evs {
		w.log = append(w.log, ev)
		for _, c := range w.contacts {
			if err := c.Apply(ev); err != nil {
				w.t.Fatal(err)
			}
		}
		for _, p := range []interface{ Apply(...*minwon.Event) error }{w.reg, w.counselors, w.report, w.incidents} {
			if err := p.Apply(ev); err != nil {
				w.t.Fatal(err)
			}
		}
	}
}

func (w *world) ev(typ minwon.EventType, contact, agent string, data any) *minwon.Event {
	ev := minwon.NewEvent(typ, w.clock.Now(), data)
	ev.TenantID, ev.ContactID, ev.AgentID = tenant, contact, agent
	return ev
}

// open creates a contact from caller on ch and has agent answer it.
func (w *world) open(id, caller string, ch minwon.Channel, agent string) *policy.Contact {
	w.t.Helper()
	c := &policy.Contact{}
	w.contacts[id] = c
	w.apply(w.ev(minwon.EventContactCreated, id, "", &minwon.Contact{ID: id, TenantID: tenant, Channel: ch,
		CitizenID: caller, State: minwon.ContactWaiting, CreatedAt: w.clock.Now()}))
	if agent != "" {
		w.apply(w.ev(minwon.EventContactAnswered, id, agent, nil))
	}
	return c
}

var msgSeq int

// say sends a citizen message through the engine, as the center will: the
// message is stored, then checked, then the decision's events applied.
func (w *world) say(c *policy.Contact, text string) policy.Decision {
	w.t.Helper()
	msgSeq++
	m := &minwon.Message{ID: minwon.NewID(), ContactID: c.ID, Seq: msgSeq, From: minwon.FromCitizen, Text: text, At: w.clock.Now()}
	w.apply(w.ev(minwon.EventMessageSent, c.ID, c.AgentID, m))
	d, err := w.eng.Check(c, w.reg, policy.Input{Kind: minwon.ItemMessage, MessageID: m.ID, Text: text})
	if err != nil {
		w.t.Fatalf("Check(%q): %v", text, err)
	}
	w.apply(d.Events...)
	if d.Verdict == policy.End {
		w.apply(w.ev(minwon.EventContactEnded, c.ID, c.AgentID, &minwon.ContactEnded{By: minwon.FromSystem, Reason: "protection"}))
	}
	return d
}

// wrap ends (if needed) and wraps up the contact with category, then runs
// the after-contact step.
func (w *world) wrap(c *policy.Contact, category string) policy.Decision {
	w.t.Helper()
	if !c.Ended {
		w.apply(w.ev(minwon.EventContactEnded, c.ID, c.AgentID, &minwon.ContactEnded{By: minwon.FromCitizen}))
	}
	w.apply(w.ev(minwon.EventContactWrapped, c.ID, c.AgentID, &minwon.ContactWrapped{Category: category, Resolution: minwon.ResolvedFirstContact}))
	d := w.eng.AfterContact(c, w.reg)
	w.apply(d.Events...)
	return d
}

// types lists the event types in evs.
func types(evs []*minwon.Event) []minwon.EventType {
	out := make([]minwon.EventType, len(evs))
	for i, ev := range evs {
		out[i] = ev.Type
	}
	return out
}

func has(evs []*minwon.Event, t minwon.EventType) *minwon.Event {
	for _, ev := range evs {
		if ev.Type == t {
			return ev
		}
	}
	return nil
}

func decode[T any](t *testing.T, ev *minwon.Event) T {
	t.Helper()
	var v T
	if ev == nil {
		t.Fatalf("no event to decode")
	}
	if err := ev.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func supervisor(id string) *minwon.User {
	return &minwon.User{ID: id, TenantID: tenant, Roles: []minwon.Role{minwon.RoleSupervisor, minwon.RoleCounselor}}
}

func counselor(id string) *minwon.User {
	return &minwon.User{ID: id, TenantID: tenant, Roles: []minwon.Role{minwon.RoleCounselor}}
}
