package calendar

import (
	"slices"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/minwon/minwon"
)

// Kind says why a date is a holiday.
type Kind string

// Holiday kinds.
const (
	Statutory  Kind = "statutory"  // a 공휴일 named in the law
	Substitute Kind = "substitute" // 대체공휴일
	Extra      Kind = "extra"      // configured: election day, 임시공휴일
)

// Holiday is one public holiday on one date. Two holidays may share a date
// (2025-05-05 was both 어린이날 and 부처님오신날).
type Holiday struct {
	Date Date   `json:"date"`
	Name string `json:"name"`
	Kind Kind   `json:"kind"`
	// For names the holiday a substitute day replaces.
	For string `json:"for,omitempty"`
}

// ExtraDay is a holiday declared outside the yearly rules: an election day
// or a one-off 임시공휴일 (2024-10-01 국군의 날, 2025-01-27).
type ExtraDay struct {
	Date Date   `json:"date"`
	Name string `json:"name"`
}

// MinYear and MaxYear bound the years whose holidays are computed. The lunar
// tables and ΔT are reliable well beyond, but a date outside this range in a
// call center's schedule is a typo.
const (
	MinYear = 1990
	MaxYear = 2100
)

// rule is one statutory holiday and its substitute-holiday entitlement.
type rule struct {
	name string
	// date computes the occurrence in a solar year.
	date func(year int) (Date, error)
	// sat and sun: falling on that weekday earns a substitute day. overlap:
	// sharing its date with another holiday earns one.
	sat, sun, overlap bool
	// since is the first year the substitute rule applies; 0 means never.
	since int
}

func fixed(m time.Month, d int) func(int) (Date, error) {
	return func(y int) (Date, error) { return Date{y, m, d}, nil }
}

func lunarDay(m, d, offset int) func(int) (Date, error) {
	return func(y int) (Date, error) {
		s, err := lunarToSolar(y, m, d)
		return s.AddDays(offset), err
	}
}

// rules lists 「관공서의 공휴일에 관한 규정」's holidays (besides Sundays) with
// the substitute rules as amended:
//   - From 2014 (amended Nov 2013): 설날 and 추석 days on a Sunday or on
//     another holiday; 어린이날 on Saturday, Sunday or another holiday.
//   - From 2021 (with the 공휴일에 관한 법률 of July 2021; 광복절 2021-08-16
//     was the first): 삼일절, 광복절, 개천절, 한글날 likewise. 2021's 삼일절 was
//     a Monday, so the year is an exact boundary.
//   - From 2023 (amended May 2023; 2023-05-29 was the first): 부처님오신날
//     and 성탄절 likewise.
//
// 신정 and 현충일 never earn one. 설날 전날 is taken as the day before lunar
// 1/1, which is the last day of lunar 12 whether that month has 29 or 30 days.
var rules = []rule{
	{name: "신정", date: fixed(time.January, 1)},
	{name: "현충일", date: fixed(time.June, 6)},
	{name: "설날 전날", date: lunarDay(1, 1, -1), sun: true, overlap: true, since: 2014},
	{name: "설날", date: lunarDay(1, 1, 0), sun: true, overlap: true, since: 2014},
	{name: "설날 다음날", date: lunarDay(1, 1, 1), sun: true, overlap: true, since: 2014},
	{name: "삼일절", date: fixed(time.March, 1), sat: true, sun: true, overlap: true, since: 2021},
	{name: "부처님오신날", date: lunarDay(4, 8, 0), sat: true, sun: true, overlap: true, since: 2023},
	{name: "어린이날", date: fixed(time.May, 5), sat: true, sun: true, overlap: true, since: 2014},
	{name: "광복절", date: fixed(time.August, 15), sat: true, sun: true, overlap: true, since: 2021},
	{name: "추석 전날", date: lunarDay(8, 15, -1), sun: true, overlap: true, since: 2014},
	{name: "추석", date: lunarDay(8, 15, 0), sun: true, overlap: true, since: 2014},
	{name: "추석 다음날", date: lunarDay(8, 15, 1), sun: true, overlap: true, since: 2014},
	{name: "개천절", date: fixed(time.October, 3), sat: true, sun: true, overlap: true, since: 2021},
	{name: "한글날", date: fixed(time.October, 9), sat: true, sun: true, overlap: true, since: 2021},
	{name: "성탄절", date: fixed(time.December, 25), sat: true, sun: true, overlap: true, since: 2023},
}

// Holidays computes Korean public holidays year by year and adds configured
// extra days. It is safe for concurrent use.
type Holidays struct {
	extra map[int][]ExtraDay

	mu    sync.Mutex
	years map[int][]Holiday
}

// MaxNameLen caps a holiday name in runes.
const MaxNameLen = 40

// NewHolidays returns the holiday calendar with the given extra days.
func NewHolidays(extra []ExtraDay) (*Holidays, error) {
	h := &Holidays{extra: map[int][]ExtraDay{}, years: map[int][]Holiday{}}
	seen := map[Date]bool{}
	for _, e := range extra {
		if err := validateExtra(e); err != nil {
			return nil, err
		}
		if seen[e.Date] {
			return nil, minwon.Errorf(minwon.EINVALID, "extra holiday %s listed twice", e.Date)
		}
		seen[e.Date] = true
		h.extra[e.Date.Year] = append(h.extra[e.Date.Year], e)
	}
	return h, nil
}

func validateExtra(e ExtraDay) error {
	switch {
	case e.Date.IsZero():
		return minwon.Errorf(minwon.EINVALID, "extra holiday: date is required")
	case e.Date.Year < MinYear || e.Date.Year > MaxYear:
		return minwon.Errorf(minwon.EINVALID, "extra holiday %s: year outside %d–%d", e.Date, MinYear, MaxYear)
	case e.Name == "" || !utf8.ValidString(e.Name):
		return minwon.Errorf(minwon.EINVALID, "extra holiday %s: name is required (UTF-8)", e.Date)
	case utf8.RuneCountInString(e.Name) > MaxNameLen:
		return minwon.Errorf(minwon.EINVALID, "extra holiday %s: name longer than %d characters", e.Date, MaxNameLen)
	}
	return nil
}

// Year returns the holidays of a solar year in date order: statutory days,
// substitute days and extra days.
func (h *Holidays) Year(year int) ([]Holiday, error) {
	if year < MinYear || year > MaxYear {
		return nil, minwon.Errorf(minwon.EINVALID, "holidays: year %d outside %d–%d", year, MinYear, MaxYear)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if hs, ok := h.years[year]; ok {
		return hs, nil
	}
	hs, err := computeYear(year, h.extra[year])
	if err != nil {
		return nil, err
	}
	h.years[year] = hs
	return hs, nil
}

// On returns the holidays on date d; none for an ordinary day.
func (h *Holidays) On(d Date) ([]Holiday, error) {
	hs, err := h.Year(d.Year)
	if err != nil {
		return nil, err
	}
	var on []Holiday
	for _, x := range hs {
		if x.Date == d {
			on = append(on, x)
		}
	}
	return on, nil
}

type occurrence struct {
	date Date
	rule rule
}

func computeYear(year int, extra []ExtraDay) ([]Holiday, error) {
	var occ []occurrence
	taken := map[Date]bool{}
	for _, r := range rules {
		d, err := r.date(year)
		if err != nil {
			return nil, minwon.Errorf(minwon.EINTERNAL, "holidays %d: %s: %v", year, r.name, err)
		}
		occ = append(occ, occurrence{d, r})
		taken[d] = true
	}
	for _, e := range extra {
		taken[e.Date] = true
	}
	// Days that lose their holiday to a weekend or to another holiday. On each
	// date, holidays without an entitlement claim the day first, so when two
	// share a date exactly one is displaced (2025-05-05 gave one 대체공휴일).
	slices.SortStableFunc(occ, func(a, b occurrence) int {
		if c := compareDates(a.date, b.date); c != 0 {
			return c
		}
		return boolInt(entitled(a, year)) - boolInt(entitled(b, year))
	})
	var displaced []occurrence
	used := map[Date]bool{}
	for _, o := range occ {
		wd := o.date.Weekday()
		switch {
		case !entitled(o, year):
			used[o.date] = true
		case wd == time.Sunday && o.rule.sun, wd == time.Saturday && o.rule.sat:
			displaced = append(displaced, o)
		case used[o.date] && o.rule.overlap:
			displaced = append(displaced, o)
		default:
			used[o.date] = true
		}
	}
	var out []Holiday
	for _, o := range occ {
		out = append(out, Holiday{Date: o.date, Name: o.rule.name, Kind: Statutory})
	}
	// A substitute is the first following day that is neither a weekend nor
	// a holiday (nor an earlier substitute).
	for _, o := range displaced {
		d := o.date.AddDays(1)
		for taken[d] || d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			d = d.AddDays(1)
		}
		taken[d] = true
		out = append(out, Holiday{Date: d, Name: "대체공휴일", Kind: Substitute, For: o.rule.name})
	}
	for _, e := range extra {
		out = append(out, Holiday{Date: e.Date, Name: e.Name, Kind: Extra})
	}
	slices.SortStableFunc(out, func(a, b Holiday) int { return compareDates(a.Date, b.Date) })
	return out, nil
}

func entitled(o occurrence, year int) bool { return o.rule.since != 0 && year >= o.rule.since }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func compareDates(a, b Date) int {
	switch {
	case a.Before(b):
		return -1
	case b.Before(a):
		return 1
	}
	return 0
}
