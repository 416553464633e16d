package policy

import (
	"fmt"
	"slices"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/korean"
)

// lineKey folds a citizen line for the repetition count (spacing,
// punctuation and stretched letters do not make a line new) and returns a
// 64-bit FNV-1a hash of the folded runes; ok is false for a line with
// nothing left. Every citizen message passes here, so it folds into t's
// reused memory and keeps no string: under the chat load the folded copies
// were a fifth of the server's allocations, and so of its GC cycles. Two
// different lines of one contact share a hash with odds of about 2^-64.
func lineKey(t *korean.Text, text string) (key uint64, ok bool) {
	t.Fold(text, korean.Digits|korean.Squeezed)
	if t.Len() == 0 {
		return 0, false
	}
	h := uint64(14695981039346656037) // FNV-1a over each rune's four bytes
	for _, r := range t.Runes {
		for i := 0; i < 4; i++ {
			h ^= uint64(byte(r >> (8 * i)))
			h *= 1099511628211
		}
	}
	return h, true
}

// AfterContact runs once contact c is wrapped up (contact.wrapped applied
// to c and reg): the counselor's protective break for an incident that did
// not end the contact, and the history detectors over the caller's recent
// contacts — pranks, drunk long calls, repeated unrelated complaints. A
// finding becomes the contact's incident (or an item of it) and may flag
// the caller.
func (e *Engine) AfterContact(c *Contact, reg *Register) Decision {
	var d Decision
	now := e.now()
	inc := c.Incident
	if inc != nil && inc.Review != nil && inc.Review.Verdict == minwon.ReviewDismissed {
		return d // a false alarm earns no break, and the detectors ran on the real contacts
	}
	typ := minwon.IncidentType("")
	if inc != nil {
		typ = inc.Type
	}
	if caller := reg.Caller(c.CallerID); caller != nil {
		for _, f := range e.detect(caller, c.ID, now) {
			if inc == nil {
				inc = &minwon.Incident{ID: minwon.NewID(), TenantID: c.TenantID, ContactID: c.ID, CallerID: c.CallerID,
					AgentID: c.AgentID, Channel: c.Channel, Type: f.typ, Source: minwon.SourceHistory, OpenedAt: now}
				d.Events = append(d.Events, e.event(c, minwon.EventIncidentOpened, "", inc))
			}
			d.Events = append(d.Events, e.event(c, minwon.EventIncidentItem, "", &minwon.IncidentItem{
				IncidentID: inc.ID, Kind: minwon.ItemHistory, Type: f.typ, Text: f.why, At: now}))
			if f.typ.Severity() > typ.Severity() {
				typ = f.typ
			}
			if d.Type == "" {
				d.Type = f.typ
			}
			if f.flagFor > 0 && !hasFlag(caller, f.typ, now) {
				d.Events = append(d.Events, e.event(c, minwon.EventCallerFlagged, "", &minwon.CallerFlag{
					CallerID: c.CallerID, TenantID: c.TenantID, Type: f.typ, Reason: e.cfg.Types[f.typ].Banner,
					Since: now, Until: now.Add(f.flagFor)}))
			}
		}
	}
	if inc != nil && !c.BreakGiven {
		if ev := e.protect(c, inc.ID, typ, now); ev != nil {
			d.Events = append(d.Events, ev)
		}
	}
	return d
}

type finding struct {
	typ     minwon.IncidentType
	why     string
	flagFor time.Duration // 0 when the finding does not flag the caller
}

// detect runs the history detectors for the caller's contact id.
func (e *Engine) detect(c *Caller, id string, now time.Time) []finding {
	i := slices.IndexFunc(c.Contacts, func(s *ContactSummary) bool { return s.ID == id })
	if i < 0 {
		return nil
	}
	cur := c.Contacts[i]
	var out []finding

	if p := e.cfg.Prank; p.Count > 0 && cur.Talk() > 0 && cur.Talk() < p.MaxTalk {
		n := 0
		for _, s := range c.Contacts {
			if t := s.Talk(); t > 0 && t < p.MaxTalk && now.Sub(s.CreatedAt) <= p.Window {
				n++
			}
		}
		if n >= p.Count {
			out = append(out, finding{minwon.IncidentPrank,
				fmt.Sprintf("%d contacts shorter than %s within %s", n, p.MaxTalk, p.Window), p.FlagFor})
		}
	}

	if dl := e.cfg.DrunkLong; dl.MinDuration > 0 && e.drunkLong(cur) {
		n := 1
		for _, x := range c.Detected {
			if x.Type == minwon.IncidentDrunkLong && x.ContactID != id && now.Sub(x.At) <= dl.Window {
				n++
			}
		}
		f := finding{typ: minwon.IncidentDrunkLong,
			why: fmt.Sprintf("%s late at night, %d of %d lines repeated", cur.Talk().Round(time.Minute), cur.Repeats, cur.Lines)}
		if dl.FlagAt > 0 && n >= dl.FlagAt {
			f.flagFor = dl.FlagFor
		}
		out = append(out, f)
	}

	if u := e.cfg.Unrelated; u.PerDay > 0 && slices.Contains(u.Categories, cur.Category) {
		loc := e.cfg.location()
		y, m, dd := cur.CreatedAt.In(loc).Date()
		n := 0
		for _, s := range c.Contacts {
			if sy, sm, sd := s.CreatedAt.In(loc).Date(); sy == y && sm == m && sd == dd && slices.Contains(u.Categories, s.Category) {
				n++
			}
		}
		if n >= u.PerDay {
			out = append(out, finding{minwon.IncidentRepeatedUnrelated,
				fmt.Sprintf("%d contacts today unrelated to city work", n), u.FlagFor})
		}
	}
	return out
}

// drunkLong reports whether a contact was long, late and repetitive.
func (e *Engine) drunkLong(s *ContactSummary) bool {
	dl := e.cfg.DrunkLong
	if s.Talk() < dl.MinDuration || s.Lines < dl.MinLines || s.Lines == 0 ||
		float64(s.Repeats)/float64(s.Lines) < dl.MinRepetition {
		return false
	}
	late := func(t time.Time) bool {
		h := t.In(e.cfg.location()).Hour()
		if dl.LateFrom > dl.LateTo {
			return h >= dl.LateFrom || h < dl.LateTo
		}
		return h >= dl.LateFrom && h < dl.LateTo
	}
	// A call that began before the late hours but ran into them counts.
	return late(s.AnsweredAt) || late(s.EndedAt)
}

func hasFlag(c *Caller, t minwon.IncidentType, at time.Time) bool {
	for i := range c.Flags {
		if c.Flags[i].Type == t && c.Flags[i].Active(at) {
			return true
		}
	}
	return false
}
