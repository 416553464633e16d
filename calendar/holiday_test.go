package calendar

import (
	"fmt"
	"strings"
	"testing"

	"github.com/minwon/minwon"
)

// Expected dates are the published Korean public holidays: the yearly
// 월력요항 of the Korea Astronomy and Space Science Institute (KASI), which
// the Ministry of Personnel Management (인사혁신처) announces each year, and
// the cabinet's designations of one-off 임시공휴일 (2024-10-01 for 국군의 날,
// 2025-01-27 before 설날). Election days are set by the Public Official
// Election Act: 2024-04-10 (22nd National Assembly), 2025-06-03 (21st
// President, early election), 2026-06-03 (9th local elections).
var publishedExtras = []ExtraDay{
	{mustDate("2024-04-10"), "제22대 국회의원 선거"},
	{mustDate("2024-10-01"), "국군의 날 임시공휴일"},
	{mustDate("2025-01-27"), "임시공휴일"},
	{mustDate("2025-06-03"), "제21대 대통령 선거"},
	{mustDate("2026-06-03"), "제9회 전국동시지방선거"},
}

// publishedYears lists every day off (not Sundays) with its name; a
// substitute day is written "대체공휴일(원래 공휴일)".
var publishedYears = map[int][]string{
	2024: {
		"01-01 신정", "02-09 설날 전날", "02-10 설날", "02-11 설날 다음날", "02-12 대체공휴일(설날 다음날)",
		"03-01 삼일절", "04-10 제22대 국회의원 선거", "05-05 어린이날", "05-06 대체공휴일(어린이날)",
		"05-15 부처님오신날", "06-06 현충일", "08-15 광복절", "09-16 추석 전날", "09-17 추석", "09-18 추석 다음날",
		"10-01 국군의 날 임시공휴일", "10-03 개천절", "10-09 한글날", "12-25 성탄절",
	},
	2025: {
		"01-01 신정", "01-27 임시공휴일", "01-28 설날 전날", "01-29 설날", "01-30 설날 다음날",
		"03-01 삼일절", "03-03 대체공휴일(삼일절)",
		"05-05 부처님오신날", "05-05 어린이날", "05-06 대체공휴일(어린이날)",
		"06-03 제21대 대통령 선거", "06-06 현충일", "08-15 광복절", "10-03 개천절",
		"10-05 추석 전날", "10-06 추석", "10-07 추석 다음날", "10-08 대체공휴일(추석 전날)",
		"10-09 한글날", "12-25 성탄절",
	},
	2026: {
		"01-01 신정", "02-16 설날 전날", "02-17 설날", "02-18 설날 다음날",
		"03-01 삼일절", "03-02 대체공휴일(삼일절)", "05-05 어린이날",
		"05-24 부처님오신날", "05-25 대체공휴일(부처님오신날)", "06-03 제9회 전국동시지방선거",
		"06-06 현충일", "08-15 광복절", "08-17 대체공휴일(광복절)",
		"09-24 추석 전날", "09-25 추석", "09-26 추석 다음날",
		"10-03 개천절", "10-05 대체공휴일(개천절)", "10-09 한글날", "12-25 성탄절",
	},
	2027: {
		"01-01 신정", "02-06 설날 전날", "02-07 설날", "02-08 설날 다음날", "02-09 대체공휴일(설날)",
		"03-01 삼일절", "05-05 어린이날", "05-13 부처님오신날", "06-06 현충일",
		"08-15 광복절", "08-16 대체공휴일(광복절)", "09-14 추석 전날", "09-15 추석", "09-16 추석 다음날",
		"10-03 개천절", "10-04 대체공휴일(개천절)", "10-09 한글날", "10-11 대체공휴일(한글날)",
		"12-25 성탄절", "12-27 대체공휴일(성탄절)",
	},
}

func mustDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func describe(hs []Holiday) []string {
	var out []string
	for _, h := range hs {
		name := h.Name
		if h.Kind == Substitute {
			name = fmt.Sprintf("%s(%s)", h.Name, h.For)
		}
		out = append(out, fmt.Sprintf("%02d-%02d %s", int(h.Date.Month), h.Date.Day, name))
	}
	return out
}

func TestHolidaysMatchPublishedYears(t *testing.T) {
	h, err := NewHolidays(publishedExtras)
	if err != nil {
		t.Fatal(err)
	}
	for year, want := range publishedYears {
		t.Run(fmt.Sprint(year), func(t *testing.T) {
			hs, err := h.Year(year)
			if err != nil {
				t.Fatal(err)
			}
			got := describe(hs)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("holidays %d:\n got %q\nwant %q", year, got, want)
			}
		})
	}
}

func TestHolidaySpotChecks(t *testing.T) {
	h, err := NewHolidays(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		date string
		want string // first holiday's name, "" for an ordinary day
	}{
		// lunar-go's Chinese calendar starts these lunar months a day early;
		// the KST new moon correction must move them.
		{"KoreanNewMoon2023BuddhaIsMay27", "2023-05-27", "부처님오신날"},
		{"KoreanNewMoon2023NotMay26", "2023-05-26", ""},
		{"KoreanNewMoon2027SeollalIsFeb7", "2027-02-07", "설날"},
		{"SubstituteRulesStartIn2023ForBuddha", "2023-05-29", "대체공휴일"},
		{"NoSubstituteForChristmasBefore2023", "2022-12-26", ""},
		{"NoSubstituteForLiberationDayBefore2021", "2020-08-17", ""}, // 2020-08-17 was a one-off 임시공휴일, so configured, not computed
		{"LiberationDay2021FirstSubstitute", "2021-08-16", "대체공휴일"},
		{"ChuseokOverlapsFoundationDay2028", "2028-10-05", "대체공휴일"},
		{"MemorialDayNeverSubstituted", "2026-06-08", ""},
		{"ChuseokSaturdayNotSubstituted", "2026-09-28", ""},
		{"OrdinaryDay", "2026-12-02", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs, err := h.On(mustDate(tc.date))
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if len(hs) > 0 {
				got = hs[0].Name
			}
			if got != tc.want {
				t.Errorf("%s: got %q (%v), want %q", tc.date, got, hs, tc.want)
			}
		})
	}
}

func TestLunarKSTAgreesWithPublishedNewYears(t *testing.T) {
	// 설날 (lunar 1/1) as published for Korea, 2014–2027; 2023 and 2027 differ
	// from the Chinese calendar. 2028–2030 are what the KST new-moon rule gives
	// (2028's new moon is 26 Jan 15:12 UTC, 27 Jan in Seoul); they were not
	// cross-checked against a KASI table here.
	want := map[int]string{
		2014: "2014-01-31", 2015: "2015-02-19", 2016: "2016-02-08", 2017: "2017-01-28",
		2018: "2018-02-16", 2019: "2019-02-05", 2020: "2020-01-25", 2021: "2021-02-12",
		2022: "2022-02-01", 2023: "2023-01-22", 2024: "2024-02-10", 2025: "2025-01-29",
		2026: "2026-02-17", 2027: "2027-02-07", 2028: "2028-01-27", 2029: "2029-02-13",
		2030: "2030-02-03",
	}
	for y, w := range want {
		got, err := lunarToSolar(y, 1, 1)
		if err != nil {
			t.Fatal(err)
		}
		if got.String() != w {
			t.Errorf("설날 %d: got %s, want %s", y, got, w)
		}
	}
}

func TestHolidaysRejectBadInput(t *testing.T) {
	for _, tc := range []struct {
		name  string
		extra []ExtraDay
		want  string
	}{
		{"MissingDate", []ExtraDay{{Name: "x"}}, "date is required"},
		{"MissingName", []ExtraDay{{Date: mustDate("2026-01-02")}}, "name is required"},
		{"NotUTF8", []ExtraDay{{Date: mustDate("2026-01-02"), Name: "\xff"}}, "UTF-8"},
		{"Twice", []ExtraDay{{mustDate("2026-01-02"), "a"}, {mustDate("2026-01-02"), "b"}}, "listed twice"},
		{"FarFuture", []ExtraDay{{mustDate("2926-01-02"), "a"}}, "outside"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewHolidays(tc.extra)
			if minwon.ErrorCode(err) != minwon.EINVALID || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want invalid containing %q", err, tc.want)
			}
		})
	}
	h, _ := NewHolidays(nil)
	if _, err := h.Year(3000); minwon.ErrorCode(err) != minwon.EINVALID {
		t.Fatalf("year 3000: got %v, want invalid", err)
	}
}
