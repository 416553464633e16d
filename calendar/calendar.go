package calendar

import "time"

// Config is one line's calendar configuration as stored in events and edited
// in the admin UI.
type Config struct {
	Hours Hours `json:"hours"`
	// ExtraHolidays are election days and 임시공휴일 on top of the statutory ones.
	ExtraHolidays []ExtraDay `json:"extra_holidays,omitempty"`
	Notices       Notices    `json:"notices,omitempty"`
}

// Validate checks the whole configuration.
func (c Config) Validate() error {
	if err := c.Hours.Validate(); err != nil {
		return err
	}
	if _, err := NewHolidays(c.ExtraHolidays); err != nil {
		return err
	}
	return c.Notices.Validate()
}

// Why codes explain an Open answer; the IVR picks its prompt by them.
const (
	WhyAlwaysOpen   = "always_open"   // 24/7 line
	WhyHours        = "hours"         // within business hours
	WhyHolidayHours = "holiday_hours" // within special holiday hours
	WhyBreak        = "break"         // a break inside business hours (lunch)
	WhyAfterHours   = "after_hours"   // outside today's hours
	WhyClosedDay    = "closed_day"    // no hours on this weekday
	WhyHoliday      = "holiday"       // closed for a public holiday
)

// Why is the reason for an Open answer. Holiday names the day's holiday, if any.
type Why struct {
	Code    string `json:"code"`
	Holiday string `json:"holiday,omitempty"`
}

func (w Why) String() string {
	if w.Holiday != "" {
		return w.Code + " (" + w.Holiday + ")"
	}
	return w.Code
}

// Calendar evaluates a validated Config. It is safe for concurrent use.
type Calendar struct {
	cfg      Config
	holidays *Holidays
}

// New validates cfg and returns its Calendar.
func New(cfg Config) (*Calendar, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	h, err := NewHolidays(cfg.ExtraHolidays)
	if err != nil {
		return nil, err
	}
	return &Calendar{cfg: cfg, holidays: h}, nil
}

// Config returns the configuration the calendar was built from.
func (c *Calendar) Config() Config { return c.cfg }

// Holidays returns the calendar's holiday set.
func (c *Calendar) Holidays() *Holidays { return c.holidays }

// Notices returns the notices to play at t (see Notices.Active).
func (c *Calendar) Notices(t time.Time) []Notice { return c.cfg.Notices.Active(t) }

// day returns d's open spans and the name of d's holiday ("" on a normal day).
func (c *Calendar) day(d Date) ([]Span, string) {
	h := c.cfg.Hours
	if h.AlwaysOpen {
		return []Span{{0, EndOfDay}}, ""
	}
	hs, err := c.holidays.On(d)
	// Outside MinYear–MaxYear holidays are unknown; the weekly hours still
	// answer rather than closing a line for a date typo.
	if err == nil && len(hs) > 0 {
		name := hs[0].Name
		if hs[0].Kind == Substitute {
			name = "대체공휴일(" + hs[0].For + ")"
		}
		switch h.Holiday {
		case HolidayOpen:
		case HolidaySpecial:
			return h.HolidayHours, name
		default:
			return nil, name
		}
		return subtract(h.Weekly[d.Weekday()], h.Breaks), name
	}
	return subtract(h.Weekly[d.Weekday()], h.Breaks), ""
}

// Open reports whether the line is open at t and why.
func (c *Calendar) Open(t time.Time) (bool, Why) {
	if c.cfg.Hours.AlwaysOpen {
		return true, Why{Code: WhyAlwaysOpen}
	}
	lt := t.In(KST)
	d := DateOf(lt)
	m := Clock(lt.Hour()*60 + lt.Minute())
	spans, hol := c.day(d)
	for _, s := range spans {
		if s.contains(m) {
			if hol != "" && c.cfg.Hours.Holiday == HolidaySpecial {
				return true, Why{WhyHolidayHours, hol}
			}
			return true, Why{WhyHours, hol}
		}
	}
	h := c.cfg.Hours
	switch {
	case hol != "" && h.Holiday != HolidayOpen && h.Holiday != HolidaySpecial:
		return false, Why{WhyHoliday, hol}
	case hol != "" && h.Holiday == HolidaySpecial:
		return false, Why{WhyAfterHours, hol}
	case len(h.Weekly[d.Weekday()]) == 0:
		return false, Why{WhyClosedDay, hol}
	}
	for _, s := range h.Weekly[d.Weekday()] {
		if s.contains(m) {
			return false, Why{WhyBreak, hol}
		}
	}
	return false, Why{WhyAfterHours, hol}
}

// searchDays bounds NextChange: a line that does not change state within
// two years is treated as never changing.
const searchDays = 2 * 366

// NextChange returns the first instant after t at which Open's answer flips,
// and false when it does not flip within two years (a 24/7 line).
func (c *Calendar) NextChange(t time.Time) (time.Time, bool) {
	if c.cfg.Hours.AlwaysOpen {
		return time.Time{}, false
	}
	open, _ := c.Open(t)
	start := DateOf(t)
	var runEnd time.Time // while open: end of the open stretch found so far
	for i := 0; i <= searchDays; i++ {
		d := start.AddDays(i)
		spans, _ := c.day(d)
		for _, s := range joinAdjacent(spans) {
			from, to := d.At(s.From), d.At(s.To)
			if !open {
				if from.After(t) {
					return from, true
				}
				continue
			}
			switch {
			case runEnd.IsZero():
				if !from.After(t) && to.After(t) {
					runEnd = to
				}
			case from.Equal(runEnd):
				runEnd = to
			default:
				return runEnd, true
			}
		}
		if open && !runEnd.IsZero() && runEnd.Before(d.AddDays(1).At(0)) {
			return runEnd, true
		}
	}
	return time.Time{}, false
}

// joinAdjacent merges spans that touch (09:00–12:00 and 12:00–18:00).
func joinAdjacent(spans []Span) []Span {
	var out []Span
	for _, s := range spans {
		if n := len(out); n > 0 && out[n-1].To == s.From {
			out[n-1].To = s.To
			continue
		}
		out = append(out, s)
	}
	return out
}
