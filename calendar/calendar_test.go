package calendar

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/minwon/minwon"
)

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, KST)
	if err != nil {
		panic(err)
	}
	return t
}

func span(from, to string) Span {
	f, err := ParseClock(from)
	if err != nil {
		panic(err)
	}
	t, err := ParseClock(to)
	if err != nil {
		panic(err)
	}
	return Span{f, t}
}

// districtLine is a district office line: weekdays 09:00–18:00 with lunch
// 12:00–13:00, closed on holidays.
func districtLine() Config {
	return Config{
		Hours: Hours{
			Weekly: Weekdays(span("09:00", "18:00")),
			Breaks: []Span{span("12:00", "13:00")},
		},
		ExtraHolidays: publishedExtras,
	}
}

func MustNew(t *testing.T, cfg Config) *Calendar {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestOpen(t *testing.T) {
	district := districtLine()
	special := districtLine()
	special.Hours.Holiday = HolidaySpecial
	special.Hours.HolidayHours = []Span{span("10:00", "14:00")}
	openOnHolidays := districtLine()
	openOnHolidays.Hours.Holiday = HolidayOpen
	night := Config{Hours: Hours{Weekly: Week{
		time.Monday: {span("22:00", "24:00")}, time.Tuesday: {span("00:00", "06:00")},
	}}}
	for _, tc := range []struct {
		name string
		cfg  Config
		at   string
		open bool
		why  Why
	}{
		{"120IsAlwaysOpen", Config{Hours: AlwaysOpen()}, "2025-01-29 03:00", true, Why{Code: WhyAlwaysOpen}},
		{"WeekdayMorning", district, "2026-12-02 09:00", true, Why{Code: WhyHours}},
		{"BeforeOpening", district, "2026-12-02 08:59", false, Why{Code: WhyAfterHours}},
		{"Lunch", district, "2026-12-02 12:30", false, Why{Code: WhyBreak}},
		{"AfterLunch", district, "2026-12-02 13:00", true, Why{Code: WhyHours}},
		{"ClosingTimeIsClosed", district, "2026-12-02 18:00", false, Why{Code: WhyAfterHours}},
		{"Saturday", district, "2026-12-05 10:00", false, Why{Code: WhyClosedDay}},
		{"Seollal", district, "2025-01-29 10:00", false, Why{WhyHoliday, "설날"}},
		{"SubstituteDay", district, "2025-10-08 10:00", false, Why{WhyHoliday, "대체공휴일(추석 전날)"}},
		{"TemporaryHolidayAsExtraDay", district, "2024-10-01 10:00", false, Why{WhyHoliday, "국군의 날 임시공휴일"}},
		{"ElectionDay", district, "2026-06-03 10:00", false, Why{WhyHoliday, "제9회 전국동시지방선거"}},
		{"SpecialHolidayHoursOpen", special, "2025-01-29 10:30", true, Why{WhyHolidayHours, "설날"}},
		{"SpecialHolidayHoursNoLunch", special, "2025-01-29 12:30", true, Why{WhyHolidayHours, "설날"}},
		{"SpecialHolidayHoursClosed", special, "2025-01-29 15:00", false, Why{WhyAfterHours, "설날"}},
		{"OpenOnHolidaysKeepsLunch", openOnHolidays, "2025-01-29 12:30", false, Why{WhyBreak, "설날"}},
		{"OpenOnHolidays", openOnHolidays, "2025-01-29 10:00", true, Why{WhyHours, "설날"}},
		{"NightShiftBeforeMidnight", night, "2026-11-30 23:59", true, Why{Code: WhyHours}},
		{"NightShiftAfterMidnight", night, "2026-12-01 05:59", true, Why{Code: WhyHours}},
		{"EvaluatedInSeoulNotUTC", district, "2026-12-02 09:30", true, Why{Code: WhyHours}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := MustNew(t, tc.cfg)
			when := at(tc.at)
			if tc.name == "EvaluatedInSeoulNotUTC" {
				when = when.UTC() // 00:30 UTC is 09:30 in Seoul
			}
			open, why := c.Open(when)
			if open != tc.open || why != tc.why {
				t.Errorf("Open(%s) = %v, %v; want %v, %v", tc.at, open, why, tc.open, tc.why)
			}
		})
	}
}

func TestNextChange(t *testing.T) {
	district := MustNew(t, districtLine())
	night := MustNew(t, Config{Hours: Hours{Weekly: Week{
		time.Monday: {span("22:00", "24:00")}, time.Tuesday: {span("00:00", "06:00")},
	}}})
	allWeek := Config{Hours: Hours{Holiday: HolidayOpen}}
	for d := range allWeek.Hours.Weekly {
		allWeek.Hours.Weekly[d] = []Span{span("00:00", "24:00")}
	}
	for _, tc := range []struct {
		name string
		c    *Calendar
		at   string
		want string // "" for no change
	}{
		{"OpenUntilLunch", district, "2026-12-02 09:00", "2026-12-02 12:00"},
		{"LunchUntil13", district, "2026-12-02 12:10", "2026-12-02 13:00"},
		{"OpenUntilClosing", district, "2026-12-02 13:00", "2026-12-02 18:00"},
		{"FridayEveningToMonday", district, "2026-12-04 18:00", "2026-12-07 09:00"},
		{"OverSeollalAndSubstitute", district, "2027-02-05 18:00", "2027-02-10 09:00"},
		{"OverChuseokWeek2025", district, "2025-10-02 18:30", "2025-10-10 09:00"},
		{"NightShiftRunsThroughMidnight", night, "2026-11-30 22:00", "2026-12-01 06:00"},
		{"NightShiftNextStart", night, "2026-12-01 06:00", "2026-12-07 22:00"},
		{"AlwaysOpenNeverChanges", MustNew(t, Config{Hours: AlwaysOpen()}), "2026-12-02 09:00", ""},
		{"WeeklyRoundTheClockNeverChanges", MustNew(t, allWeek), "2026-12-02 09:00", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tc.c.NextChange(at(tc.at))
			if tc.want == "" {
				if ok {
					t.Fatalf("got change at %s, want none", got)
				}
				return
			}
			if !ok || !got.Equal(at(tc.want)) {
				t.Fatalf("NextChange(%s) = %s, %v; want %s", tc.at, got.In(KST), ok, tc.want)
			}
			before, _ := tc.c.Open(got.Add(-time.Second))
			after, _ := tc.c.Open(got)
			if before == after {
				t.Fatalf("state does not flip at %s", got)
			}
		})
	}
}

func TestConfigValidation(t *testing.T) {
	base := districtLine
	for _, tc := range []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"EndBeforeStart", func(c *Config) { c.Hours.Weekly[time.Monday] = []Span{span("18:00", "09:00")} }, "ends before it starts"},
		{"OverlappingSpans", func(c *Config) {
			c.Hours.Weekly[time.Monday] = []Span{span("09:00", "12:00"), span("11:00", "18:00")}
		}, "overlaps"},
		{"AlwaysOpenWithHours", func(c *Config) { c.Hours.AlwaysOpen = true }, "ambiguous"},
		{"SpecialWithoutHours", func(c *Config) { c.Hours.Holiday = HolidaySpecial }, "needs holiday_hours"},
		{"UnknownHolidayMode", func(c *Config) { c.Hours.Holiday = "sometimes" }, "want closed, open or special"},
		{"HolidayHoursWithoutSpecial", func(c *Config) { c.Hours.HolidayHours = []Span{span("10:00", "12:00")} }, "need holiday"},
		{"BadExtraDay", func(c *Config) { c.ExtraHolidays = append(c.ExtraHolidays, ExtraDay{Date: mustDate("2026-01-02")}) }, "name is required"},
		{"BadNotice", func(c *Config) { c.Notices = Notices{{ID: "x", Kind: NoticeLunch}} }, "text is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := base()
			tc.mutate(&c)
			_, err := New(c)
			if minwon.ErrorCode(err) != minwon.EINVALID || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want invalid containing %q", err, tc.want)
			}
		})
	}
}

func TestConfigJSONRoundTrip(t *testing.T) {
	cfg := districtLine()
	cfg.Hours.Holiday = HolidaySpecial
	cfg.Hours.HolidayHours = []Span{span("10:00", "14:00")}
	cfg.Notices = Notices{{
		ID: "move-2026", Kind: NoticeMoved, Text: "민원실이 3층으로 이전했습니다.",
		Start: at("2026-12-01 00:00"), End: at("2027-01-01 00:00"), ReplaceMenu: false,
	}}
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"mon":[{"from":"09:00","to":"18:00"}]`, `"breaks":[{"from":"12:00","to":"13:00"}]`, `"date":"2024-10-01"`, `"holiday":"special"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s: %s", want, b)
		}
	}
	var back Config
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(normalise(back), normalise(cfg)) {
		t.Fatalf("round trip changed the config:\n got %+v\nwant %+v", back, cfg)
	}

	t.Run("RejectsUnknownDay", func(t *testing.T) {
		err := json.Unmarshal([]byte(`{"hours":{"weekly":{"monday":[{"from":"09:00","to":"18:00"}]}}}`), &back)
		if err == nil || !strings.Contains(err.Error(), `unknown day "monday"`) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("RejectsBadClock", func(t *testing.T) {
		for _, s := range []string{"9:00", "25:00", "24:01", "12:60", "ab:cd"} {
			err := json.Unmarshal([]byte(`{"hours":{"weekly":{"mon":[{"from":"`+s+`","to":"18:00"}]}}}`), &back)
			if err == nil {
				t.Errorf("%q accepted", s)
			}
		}
	})
}

// normalise makes times comparable after JSON (which keeps the offset but not
// the *Location pointer).
func normalise(c Config) Config {
	for i := range c.Notices {
		c.Notices[i].Start = c.Notices[i].Start.UTC()
		c.Notices[i].End = c.Notices[i].End.UTC()
	}
	return c
}
