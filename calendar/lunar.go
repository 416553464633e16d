package calendar

import (
	"fmt"
	"math"

	"github.com/6tail/lunar-go/ShouXingUtil"
	lunar "github.com/6tail/lunar-go/calendar"
)

// kstHours is Korea's offset from UTC. Korea has kept UTC+9 without daylight
// saving since 1988, so a fixed zone is exact for every date this package serves.
const kstHours = 9

// KST is Asia/Seoul as a fixed zone. A fixed zone needs no tzdata on the host.
var KST = fixedKST()

// lunarToSolar converts a Korean lunar date (non-leap month) to the solar date.
//
// lunar-go names the months and places leap months, but it dates each new
// moon in China Standard Time (UTC+8). The Korea Astronomy and Space Science
// Institute dates it in KST (UTC+9), so when a new moon falls between 23:00 and
// 24:00 Beijing time the Korean month starts one day later (2023's
// 부처님오신날 and 2027's 설날 are such cases). We therefore recompute the new
// moon instant near lunar-go's first day and take its date in KST.
func lunarToSolar(year, month, day int) (Date, error) {
	m := lunar.NewLunarYear(year).GetMonth(month)
	if m == nil {
		return Date{}, fmt.Errorf("lunar %d-%02d: no such month", year, month)
	}
	if day < 1 || day > m.GetDayCount()+1 {
		return Date{}, fmt.Errorf("lunar %d-%02d-%02d: no such day", year, month, day)
	}
	chinaJDN := int(math.Floor(m.GetFirstJulianDay() + 0.5))
	first := newMoonJDN(m.GetFirstJulianDay(), kstHours)
	if d := first - chinaJDN; d < -1 || d > 1 {
		// The two computations must agree to within a day; anything else is a
		// bug, never a calendar fact, so refuse rather than guess.
		return Date{}, fmt.Errorf("lunar %d-%02d: new moon disagrees with lunar-go by %d days", year, month, d)
	}
	return dateFromJDN(first + day - 1), nil
}

// newMoonJDN returns the Julian day number of the civil date (at the given
// UTC offset) on which the new moon nearest to jd falls. It follows the mean
// new moon with periodic and planetary corrections from Meeus, "Astronomical
// Algorithms", ch. 49 — accurate to well under a minute in this era.
func newMoonJDN(jd float64, offsetHours float64) int {
	k := math.Round((jd - 2451550.09766) / 29.530588861)
	t := k / 1236.85
	t2, t3, t4 := t*t, t*t*t, t*t*t*t
	jde := 2451550.09766 + 29.530588861*k + 0.00015437*t2 - 0.000000150*t3 + 0.00000000073*t4
	e := 1 - 0.002516*t - 0.0000074*t2
	rad := math.Pi / 180
	sm := (2.5534 + 29.10535670*k - 0.0000014*t2 - 0.00000011*t3) * rad
	mm := (201.5643 + 385.81693528*k + 0.0107582*t2 + 0.00001238*t3 - 0.000000058*t4) * rad
	f := (160.7108 + 390.67050284*k - 0.0016118*t2 - 0.00000227*t3 + 0.000000011*t4) * rad
	om := (124.7746 - 1.56375588*k + 0.0020672*t2 + 0.00000215*t3) * rad
	s := math.Sin
	c := -0.40720*s(mm) + 0.17241*e*s(sm) + 0.01608*s(2*mm) + 0.01039*s(2*f) +
		0.00739*e*s(mm-sm) - 0.00514*e*s(mm+sm) + 0.00208*e*e*s(2*sm) -
		0.00111*s(mm-2*f) - 0.00057*s(mm+2*f) + 0.00056*e*s(2*mm+sm) -
		0.00042*s(3*mm) + 0.00042*e*s(sm+2*f) + 0.00038*e*s(sm-2*f) -
		0.00024*e*s(2*mm-sm) - 0.00017*s(om) - 0.00007*s(mm+2*sm) +
		0.00004*s(2*mm-2*f) + 0.00004*s(3*sm) + 0.00003*s(mm+sm-2*f) +
		0.00003*s(2*mm+2*f) - 0.00003*s(mm+sm+2*f) + 0.00003*s(mm-sm+2*f) -
		0.00002*s(mm-sm-2*f) - 0.00002*s(3*mm+sm) + 0.00002*s(4*mm)
	planetary := [14][3]float64{
		{299.77, 0.107408, 0.000325}, {251.88, 0.016321, 0.000165},
		{251.83, 26.651886, 0.000164}, {349.42, 36.412478, 0.000126},
		{84.66, 18.206239, 0.000110}, {141.74, 53.303771, 0.000062},
		{207.14, 2.453732, 0.000060}, {154.84, 7.306860, 0.000056},
		{34.52, 27.261239, 0.000047}, {207.19, 0.121824, 0.000042},
		{291.34, 1.844379, 0.000040}, {161.72, 24.198154, 0.000037},
		{239.56, 25.513099, 0.000035}, {331.55, 3.592518, 0.000023},
	}
	for i, p := range planetary {
		a := p[0] + p[1]*k
		if i == 0 {
			a -= 0.009173 * t2
		}
		c += p[2] * s(a*rad)
	}
	jde += c
	// JDE is in Terrestrial Time; civil dates follow UT. lunar-go's ΔT table
	// takes and returns days relative to J2000.
	ut := jde - ShouXingUtil.DtT(jde-lunar.J2000)
	return int(math.Floor(ut + offsetHours/24 + 0.5))
}

// dateFromJDN converts a Julian day number to a Gregorian date.
func dateFromJDN(jdn int) Date {
	const unixEpochJDN = 2440588
	t := unixEpoch.AddDate(0, 0, jdn-unixEpochJDN)
	return Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}
}
