package policy_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/guard/policy"
)

func TestReport(t *testing.T) {
	w := newWorld(t, policy.DefaultConfig(), fake)
	// Day 1 (1 Dec, KST): a1 gets abuse upgraded to sexual and a threat; a2 abuse.
	c := w.open("r1", "caller-1", minwon.ChannelChat, "a1")
	w.say(c, swear1)
	w.say(c, sexual)
	w.clock.Advance(time.Hour)
	w.endFor("r2", "caller-2", minwon.IncidentThreat)
	w.clock.Advance(time.Hour)
	c = w.open("r3", "caller-3", minwon.ChannelChat, "a2")
	w.say(c, swear1)
	w.wrap(c, "교통")
	// Late on day 1 in Seoul, still 1 Dec: 23:30 KST is 14:30 UTC.
	w.clock.t = time.Date(2026, 12, 1, 23, 30, 0, 0, policy.KST)
	c = w.open("r4", "caller-4", minwon.ChannelChat, "a2")
	w.say(c, swear1)
	// Day 2, 00:30 KST: one abuse incident that a supervisor dismisses, one kept.
	w.clock.t = time.Date(2026, 12, 2, 0, 30, 0, 0, policy.KST)
	c = w.open("r5", "caller-5", minwon.ChannelChat, "a2")
	w.say(c, swear1)
	ev, err := w.eng.Review(w.incidents.Incident(c.Incident.ID), supervisor("s1"), minwon.ReviewDismissed, "오탐")
	if err != nil {
		t.Fatal(err)
	}
	w.apply(ev)
	c = w.open("r6", "caller-6", minwon.ChannelChat, "a1")
	w.say(c, threat)
	// January: one more.
	w.clock.t = time.Date(2027, 1, 3, 9, 0, 0, 0, policy.KST)
	c = w.open("r7", "caller-7", minwon.ChannelChat, "a1")
	w.say(c, sexual)

	from := time.Date(2026, 12, 1, 0, 0, 0, 0, policy.KST)
	t.Run("Daily", func(t *testing.T) {
		rows, err := w.report.ByPeriod(from, from.AddDate(0, 0, 3), policy.Daily)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 3 {
			t.Fatalf("%d rows", len(rows))
		}
		want := []map[minwon.IncidentType]int{
			{minwon.IncidentSexual: 1, minwon.IncidentThreat: 1, minwon.IncidentAbuse: 2},
			{minwon.IncidentThreat: 1},
			{},
		}
		for i, row := range rows {
			total := 0
			for _, typ := range minwon.IncidentTypes {
				if row.Counts[typ] != want[i][typ] {
					t.Errorf("day %d %s: %d, want %d", i+1, typ, row.Counts[typ], want[i][typ])
				}
				total += want[i][typ]
			}
			if row.Total != total || !row.Start.Equal(from.AddDate(0, 0, i)) {
				t.Errorf("day %d: total %d start %s", i+1, row.Total, row.Start)
			}
		}
	})
	t.Run("Monthly", func(t *testing.T) {
		rows, err := w.report.ByPeriod(from, from.AddDate(0, 2, 0), policy.Monthly)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || rows[0].Total != 5 || rows[1].Total != 1 || rows[1].Counts[minwon.IncidentSexual] != 1 {
			t.Fatalf("rows %+v", rows)
		}
	})
	t.Run("WeeklyStartsOnMonday", func(t *testing.T) {
		rows, err := w.report.ByPeriod(from, from.AddDate(0, 0, 1), policy.Weekly)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || rows[0].Start.Weekday() != time.Monday || rows[0].Total != 4 {
			t.Fatalf("rows %+v", rows)
		}
	})
	t.Run("Exposure", func(t *testing.T) {
		ex := w.report.Exposure(from, from.AddDate(0, 0, 2))
		if len(ex) != 2 || ex[0].AgentID != "a1" || ex[0].Total != 3 || ex[1].AgentID != "a2" || ex[1].Total != 2 {
			t.Fatalf("exposure %+v", ex)
		}
		if ex[0].Counts[minwon.IncidentSexual] != 1 || ex[0].Counts[minwon.IncidentThreat] != 2 {
			t.Errorf("a1 counts %+v", ex[0].Counts)
		}
		// a1: r1 and r2 ended for the incident; a2: r3 was wrapped up. r4–r6 are still live.
		if ex[0].Breaks != 2 || ex[0].BreakTime != 20*time.Minute || ex[1].Breaks != 1 {
			t.Errorf("breaks a1 %d/%s a2 %d", ex[0].Breaks, ex[0].BreakTime, ex[1].Breaks)
		}
	})
	t.Run("RejectsBadRanges", func(t *testing.T) {
		if _, err := w.report.ByPeriod(from, from, policy.Daily); minwon.ErrorCode(err) != minwon.EINVALID {
			t.Fatalf("empty range: %v", err)
		}
		if _, err := w.report.ByPeriod(from, from.AddDate(0, 0, 1), "hour"); minwon.ErrorCode(err) != minwon.EINVALID {
			t.Fatalf("bad period: %v", err)
		}
	})
}

func TestConfig(t *testing.T) {
	t.Run("DefaultIsValid", func(t *testing.T) {
		cfg := policy.DefaultConfig()
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("RoundTripsAsJSON", func(t *testing.T) {
		b, err := json.Marshal(policy.DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		var cfg policy.Config
		if err := json.Unmarshal(b, &cfg); err != nil {
			t.Fatal(err)
		}
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		def := policy.DefaultConfig()
		if !reflect.DeepEqual(cfg.Types, def.Types) || !reflect.DeepEqual(cfg.Channels, def.Channels) || cfg.DrunkLong != def.DrunkLong {
			t.Fatal("the stored policy differs from the default")
		}
	})
	tests := []struct {
		name   string
		change func(*policy.Config)
	}{
		{"UnknownType", func(c *policy.Config) { c.Types["rude"] = policy.TypeRule{} }},
		{"StrikesWithoutWindow", func(c *policy.Config) {
			r := c.Types[minwon.IncidentAbuse]
			r.StrikeWindow = 0
			c.Types[minwon.IncidentAbuse] = r
		}},
		{"TooFewWarningScripts", func(c *policy.Config) {
			r := c.Types[minwon.IncidentAbuse]
			r.EndAt = 5
			c.Types[minwon.IncidentAbuse] = r
		}},
		{"NoClosing", func(c *policy.Config) { c.Closing = "" }},
		{"ScoreOutOfRange", func(c *policy.Config) { c.MinScore = 2 }},
		{"NegativeBreak", func(c *policy.Config) { c.ProtectiveBreak = -time.Minute }},
		{"BadLateHour", func(c *policy.Config) { c.DrunkLong.LateFrom = 24 }},
		{"TimeRuleWithoutScript", func(c *policy.Config) { c.TimeClosing = "" }},
		{"ScriptNotText", func(c *policy.Config) { c.Warnings[0] = "\xff" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := policy.DefaultConfig()
			tt.change(&cfg)
			if err := cfg.Validate(); minwon.ErrorCode(err) != minwon.EINVALID {
				t.Fatalf("Validate = %v, want invalid", err)
			}
			if _, err := policy.New(cfg, fake, nil); err == nil {
				t.Fatal("New accepted an invalid config")
			}
		})
	}
}
