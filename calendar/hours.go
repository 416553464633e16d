package calendar

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/minwon/minwon"
)

// Clock is a time of day in minutes after midnight; 24*60 means the end of
// the day. It encodes as "HH:MM" ("24:00" allowed).
type Clock int

// EndOfDay is "24:00".
const EndOfDay Clock = 24 * 60

// ParseClock parses "HH:MM".
func ParseClock(s string) (Clock, error) {
	var h, m int
	if len(s) != 5 || s[2] != ':' {
		return 0, minwon.Errorf(minwon.EINVALID, "time %q: want HH:MM", s)
	}
	if _, err := fmt.Sscanf(s, "%02d:%02d", &h, &m); err != nil || h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, minwon.Errorf(minwon.EINVALID, "time %q: want HH:MM between 00:00 and 24:00", s)
	}
	return Clock(h*60 + m), nil
}

func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60) }

// MarshalText encodes c as "HH:MM".
func (c Clock) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText decodes "HH:MM".
func (c *Clock) UnmarshalText(b []byte) error {
	v, err := ParseClock(string(b))
	*c = v
	return err
}

// Span is a stretch of one day, From inclusive, To exclusive. Spans do not
// cross midnight: a night shift is 22:00–24:00 on one day and 00:00–06:00 on
// the next, and the two join without a change between them.
type Span struct {
	From Clock `json:"from"`
	To   Clock `json:"to"`
}

func (s Span) String() string { return s.From.String() + "–" + s.To.String() }

func (s Span) contains(m Clock) bool { return s.From <= m && m < s.To }

// Week holds each weekday's open spans, indexed by time.Weekday. In JSON it is
// an object keyed "mon" … "sun"; a missing day is closed.
type Week [7][]Span

var dayKeys = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// MarshalJSON encodes only the days that have hours.
func (w Week) MarshalJSON() ([]byte, error) {
	m := map[string][]Span{}
	for i, spans := range w {
		if len(spans) > 0 {
			m[dayKeys[i]] = spans
		}
	}
	return json.Marshal(m)
}

// UnmarshalJSON rejects unknown day keys, so a typo never closes a day silently.
func (w *Week) UnmarshalJSON(b []byte) error {
	var m map[string][]Span
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*w = Week{}
	for k, spans := range m {
		i := slices.Index(dayKeys[:], k)
		if i < 0 {
			return minwon.Errorf(minwon.EINVALID, "weekly hours: unknown day %q (use mon, tue, wed, thu, fri, sat, sun)", k)
		}
		w[i] = spans
	}
	return nil
}

// Weekdays returns a Week open Monday to Friday with the given spans.
func Weekdays(spans ...Span) Week {
	var w Week
	for d := time.Monday; d <= time.Friday; d++ {
		w[d] = slices.Clone(spans)
	}
	return w
}

// HolidayMode says what a line does on a public holiday.
type HolidayMode string

// Holiday modes.
const (
	HolidayClosed  HolidayMode = "closed"  // closed all day (the default)
	HolidayOpen    HolidayMode = "open"    // weekday hours as usual
	HolidaySpecial HolidayMode = "special" // HolidayHours instead
)

// Hours is a line's business hours.
type Hours struct {
	// AlwaysOpen is 24/7, holidays included (120 itself). Nothing else may be
	// set with it.
	AlwaysOpen bool `json:"always_open,omitempty"`
	// Weekly is the normal week.
	Weekly Week `json:"weekly"`
	// Breaks close the line within Weekly hours every day: lunch 12:00–13:00.
	Breaks []Span `json:"breaks,omitempty"`
	// Holiday is the behaviour on public holidays; "" means closed.
	Holiday HolidayMode `json:"holiday,omitempty"`
	// HolidayHours apply on holidays when Holiday is "special".
	HolidayHours []Span `json:"holiday_hours,omitempty"`
}

// AlwaysOpen is the 24/7 schedule.
func AlwaysOpen() Hours { return Hours{AlwaysOpen: true} }

// Validate checks spans are ordered, inside the day and do not overlap.
func (h Hours) Validate() error {
	if h.AlwaysOpen {
		for _, s := range h.Weekly {
			if len(s) > 0 {
				return minwon.Errorf(minwon.EINVALID, "hours: always_open with weekly hours is ambiguous; use one")
			}
		}
		if len(h.Breaks) > 0 || len(h.HolidayHours) > 0 || h.Holiday != "" {
			return minwon.Errorf(minwon.EINVALID, "hours: always_open takes no breaks or holiday rules")
		}
		return nil
	}
	for d, spans := range h.Weekly {
		if err := validateSpans(spans); err != nil {
			return minwon.Errorf(minwon.EINVALID, "hours %s: %s", dayKeys[d], minwon.ErrorMessage(err))
		}
	}
	if err := validateSpans(h.Breaks); err != nil {
		return minwon.Errorf(minwon.EINVALID, "hours breaks: %s", minwon.ErrorMessage(err))
	}
	switch h.Holiday {
	case "", HolidayClosed, HolidayOpen:
		if len(h.HolidayHours) > 0 {
			return minwon.Errorf(minwon.EINVALID, "hours: holiday_hours need holiday \"special\"")
		}
	case HolidaySpecial:
		if len(h.HolidayHours) == 0 {
			return minwon.Errorf(minwon.EINVALID, "hours: holiday \"special\" needs holiday_hours")
		}
		if err := validateSpans(h.HolidayHours); err != nil {
			return minwon.Errorf(minwon.EINVALID, "hours holiday_hours: %s", minwon.ErrorMessage(err))
		}
	default:
		return minwon.Errorf(minwon.EINVALID, "hours: holiday %q: want closed, open or special", h.Holiday)
	}
	return nil
}

func validateSpans(spans []Span) error {
	if len(spans) > 24 {
		return minwon.Errorf(minwon.EINVALID, "more than 24 spans in a day")
	}
	for i, s := range spans {
		if s.From < 0 || s.To > EndOfDay {
			return minwon.Errorf(minwon.EINVALID, "span %s outside 00:00–24:00", s)
		}
		if s.To <= s.From {
			return minwon.Errorf(minwon.EINVALID, "span %s ends before it starts (split a night shift at 24:00)", s)
		}
		if i > 0 && s.From < spans[i-1].To {
			return minwon.Errorf(minwon.EINVALID, "span %s overlaps or precedes %s; list spans in order", s, spans[i-1])
		}
	}
	return nil
}

// subtract removes breaks from open spans; both are validated and ordered.
func subtract(open, breaks []Span) []Span {
	out := slices.Clone(open)
	for _, b := range breaks {
		var next []Span
		for _, s := range out {
			if b.To <= s.From || b.From >= s.To {
				next = append(next, s)
				continue
			}
			if s.From < b.From {
				next = append(next, Span{s.From, b.From})
			}
			if b.To < s.To {
				next = append(next, Span{b.To, s.To})
			}
		}
		out = next
	}
	return out
}
