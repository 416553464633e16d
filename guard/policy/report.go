package policy

import (
	"sort"
	"time"

	"github.com/minwon/minwon"
)

// Report is a projection of incidents for the protection reports: counts by
// type per period, as Seoul reports them, and each counselor's exposure. It
// reads incident.opened, incident.item, incident.warned, incident.ended,
// incident.reviewed and agent.protective events.
type Report struct {
	loc       *time.Location
	incidents map[string]*reportRow
	breaks    map[string][]minwon.ProtectiveBreak // by agent
}

type reportRow struct {
	typ       minwon.IncidentType
	agent     string
	at        time.Time
	dismissed bool
}

// NewReport returns an empty report counting days in loc (nil is KST).
func NewReport(loc *time.Location) *Report {
	if loc == nil {
		loc = KST
	}
	return &Report{loc: loc, incidents: map[string]*reportRow{}, breaks: map[string][]minwon.ProtectiveBreak{}}
}

// Apply adds events; others are ignored.
func (r *Report) Apply(evs ...*minwon.Event) error {
	for _, ev := range evs {
		switch ev.Type {
		case minwon.EventIncidentOpened:
			var inc minwon.Incident
			if err := ev.Decode(&inc); err != nil {
				return err
			}
			r.incidents[inc.ID] = &reportRow{typ: inc.Type, agent: inc.AgentID, at: inc.OpenedAt}
		case minwon.EventIncidentItem, minwon.EventIncidentWarned, minwon.EventIncidentEnded:
			var x struct {
				IncidentID string              `json:"incident_id"`
				Type       minwon.IncidentType `json:"type"`
			}
			if err := ev.Decode(&x); err != nil {
				return err
			}
			// An incident counts once, under the most severe type it reached.
			if row := r.incidents[x.IncidentID]; row != nil && x.Type.Severity() > row.typ.Severity() {
				row.typ = x.Type
			}
		case minwon.EventIncidentReviewed:
			var rv minwon.IncidentReview
			if err := ev.Decode(&rv); err != nil {
				return err
			}
			if row := r.incidents[rv.IncidentID]; row != nil {
				row.dismissed = rv.Verdict == minwon.ReviewDismissed
			}
		case minwon.EventProtectiveBreak:
			var b minwon.ProtectiveBreak
			if err := ev.Decode(&b); err != nil {
				return err
			}
			r.breaks[b.AgentID] = append(r.breaks[b.AgentID], b)
		}
	}
	return nil
}

// Period is a report's time bucket.
type Period string

const (
	Daily   Period = "day"
	Weekly  Period = "week" // from Monday
	Monthly Period = "month"
)

// PeriodRow is one bucket: incidents by type, dismissed ones left out.
type PeriodRow struct {
	Start  time.Time                   `json:"start"`
	Counts map[minwon.IncidentType]int `json:"counts"`
	Total  int                         `json:"total"`
}

// ByPeriod counts incidents opened in [from, to) per period, in order,
// every period present even when empty.
func (r *Report) ByPeriod(from, to time.Time, p Period) ([]PeriodRow, error) {
	if p != Daily && p != Weekly && p != Monthly {
		return nil, minwon.Errorf(minwon.EINVALID, "unknown period %q", p)
	}
	if !from.Before(to) {
		return nil, minwon.Errorf(minwon.EINVALID, "the report's end must follow its start")
	}
	var rows []PeriodRow
	index := map[int64]int{} // by Unix seconds: time.Time values of one instant may compare unequal
	for s := r.bucket(from, p); s.Before(to); s = next(s, p) {
		index[s.Unix()] = len(rows)
		rows = append(rows, PeriodRow{Start: s, Counts: zeroCounts()})
	}
	for _, row := range r.incidents {
		if row.dismissed || row.at.Before(from) || !row.at.Before(to) {
			continue
		}
		i := index[r.bucket(row.at, p).Unix()]
		rows[i].Counts[row.typ]++
		rows[i].Total++
	}
	return rows, nil
}

// Exposure is one counselor's share of incidents and protective breaks.
type Exposure struct {
	AgentID   string                      `json:"agent_id"`
	Counts    map[minwon.IncidentType]int `json:"counts"`
	Total     int                         `json:"total"`
	Breaks    int                         `json:"breaks"`
	BreakTime time.Duration               `json:"break_ns"`
}

// Exposure returns per-counselor exposure to incidents opened in [from,
// to), most exposed first. It counts what happened to counselors, not what
// they did; the center's measure of care, not of surveillance.
func (r *Report) Exposure(from, to time.Time) []Exposure {
	by := map[string]*Exposure{}
	get := func(id string) *Exposure {
		x := by[id]
		if x == nil {
			x = &Exposure{AgentID: id, Counts: zeroCounts()}
			by[id] = x
		}
		return x
	}
	for _, row := range r.incidents {
		if row.agent == "" || row.dismissed || row.at.Before(from) || !row.at.Before(to) {
			continue
		}
		x := get(row.agent)
		x.Counts[row.typ]++
		x.Total++
	}
	for id, bs := range r.breaks {
		for _, b := range bs {
			if b.Since.Before(from) || !b.Since.Before(to) {
				continue
			}
			x := get(id)
			x.Breaks++
			x.BreakTime += b.Until.Sub(b.Since)
		}
	}
	out := make([]Exposure, 0, len(by))
	for _, x := range by {
		out = append(out, *x)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Total != out[j].Total {
			return out[i].Total > out[j].Total
		}
		return out[i].AgentID < out[j].AgentID
	})
	return out
}

func zeroCounts() map[minwon.IncidentType]int {
	m := make(map[minwon.IncidentType]int, len(minwon.IncidentTypes))
	for _, t := range minwon.IncidentTypes {
		m[t] = 0
	}
	return m
}

// bucket returns the start of t's period in the report's zone.
func (r *Report) bucket(t time.Time, p Period) time.Time {
	y, m, d := t.In(r.loc).Date()
	switch p {
	case Monthly:
		return time.Date(y, m, 1, 0, 0, 0, 0, r.loc)
	case Weekly:
		day := time.Date(y, m, d, 0, 0, 0, 0, r.loc)
		return day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
	}
	return time.Date(y, m, d, 0, 0, 0, 0, r.loc)
}

func next(t time.Time, p Period) time.Time {
	switch p {
	case Monthly:
		return t.AddDate(0, 1, 0)
	case Weekly:
		return t.AddDate(0, 0, 7)
	}
	return t.AddDate(0, 0, 1)
}
