package policy_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/guard/policy"
)

const day = 24 * time.Hour

// Each refusal names the JSON path of the value at fault, so the editor can
// show it next to the input.
func TestConfigValidateNamesTheField(t *testing.T) {
	abuse := func(f func(r *policy.TypeRule)) func(*policy.Config) {
		return func(c *policy.Config) {
			r := c.Types[minwon.IncidentAbuse]
			f(&r)
			c.Types[minwon.IncidentAbuse] = r
		}
	}
	for _, tt := range []struct {
		name, field string
		change      func(*policy.Config)
	}{
		{"UnknownType", "types.rude", func(c *policy.Config) { c.Types["rude"] = policy.TypeRule{} }},
		{"EndAtTooHigh", "types.abuse.end_at", abuse(func(r *policy.TypeRule) { r.EndAt = 11 })},
		{"StrikesWithoutWindow", "types.abuse.strike_window_ns", abuse(func(r *policy.TypeRule) { r.StrikeWindow = 0 })},
		{"WindowTooLong", "types.abuse.strike_window_ns", abuse(func(r *policy.TypeRule) { r.StrikeWindow = 20 * 365 * day })},
		{"FlagWithoutDuration", "types.abuse.flag_for_ns", abuse(func(r *policy.TypeRule) { r.FlagFor = 0 })},
		{"NegativeStrikeLimit", "types.abuse.strike_limit", abuse(func(r *policy.TypeRule) { r.StrikeLimit = -1 })},
		{"TooFewWarnings", "warnings", abuse(func(r *policy.TypeRule) { r.EndAt = 5 })},
		{"TooFewOwnWarnings", "types.threat.warnings", func(c *policy.Config) {
			r := c.Types[minwon.IncidentThreat]
			r.Warnings = r.Warnings[:1]
			c.Types[minwon.IncidentThreat] = r
		}},
		{"EmptyOwnWarning", "types.threat.warnings.1", func(c *policy.Config) { c.Types[minwon.IncidentThreat].Warnings[1] = "" }},
		{"EmptyWarning", "warnings.0", func(c *policy.Config) { c.Warnings[0] = " " }},
		{"WarningNotText", "warnings.1", func(c *policy.Config) { c.Warnings[1] = "\xff" }},
		{"NoClosing", "closing", func(c *policy.Config) { c.Closing = "" }},
		{"LongBanner", "types.abuse.banner", abuse(func(r *policy.TypeRule) { r.Banner = strings.Repeat("가", 200) })},
		{"UnknownChannel", "channels.fax", func(c *policy.Config) { c.Channels["fax"] = policy.ChannelRule{} }},
		{"NegativeTimeRule", "channels.chat.end_notice_after_ns", func(c *policy.Config) {
			c.Channels[minwon.ChannelChat] = policy.ChannelRule{EndNoticeAfter: -time.Minute}
		}},
		{"TimeRuleWithoutScript", "time_closing", func(c *policy.Config) { c.TimeClosing = "" }},
		{"MinScore", "min_score", func(c *policy.Config) { c.MinScore = 2 }},
		{"Agitation", "agitation", func(c *policy.Config) { c.Agitation = -0.1 }},
		{"EmptyMask", "mask", func(c *policy.Config) { c.Mask = "" }},
		{"LongMask", "mask", func(c *policy.Config) { c.Mask = "*****" }},
		{"NegativeBreak", "protective_break_ns", func(c *policy.Config) { c.ProtectiveBreak = -time.Minute }},
		{"QueueID", "dedicated_queue", func(c *policy.Config) { c.DedicatedQueue = "q abuse" }},
		{"PrankWithoutWindow", "prank.window_ns", func(c *policy.Config) { c.Prank.Window = 0 }},
		{"PrankNegative", "prank.count", func(c *policy.Config) { c.Prank.Count = -1 }},
		{"LateHour", "drunk_long.late_from", func(c *policy.Config) { c.DrunkLong.LateFrom = 24 }},
		{"Repetition", "drunk_long.min_repetition", func(c *policy.Config) { c.DrunkLong.MinRepetition = 30 }},
		{"DrunkFlagWithoutDuration", "drunk_long.flag_for_ns", func(c *policy.Config) { c.DrunkLong.FlagFor = 0 }},
		{"UnrelatedWithoutCategories", "unrelated.categories", func(c *policy.Config) { c.Unrelated.Categories = nil }},
		{"EmptyCategory", "unrelated.categories.0", func(c *policy.Config) { c.Unrelated.Categories = []string{""} }},
		{"NegativeLead", "evidence.lead_ns", func(c *policy.Config) { c.Evidence.Lead = -time.Second }},
		{"LongTail", "evidence.tail_ns", func(c *policy.Config) { c.Evidence.Tail = 5*time.Minute + time.Millisecond }},
		{"NegativeUntimedLead", "evidence.untimed_lead_ns", func(c *policy.Config) { c.Evidence.UntimedLead = -1 }},
		{"LongPressLead", "evidence.press_lead_ns", func(c *policy.Config) { c.Evidence.PressLead = time.Hour }},
		{"NegativePressTail", "evidence.press_tail_ns", func(c *policy.Config) { c.Evidence.PressTail = -time.Minute }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := policy.DefaultConfig()
			tt.change(&cfg)
			err := cfg.Validate()
			if minwon.ErrorCode(err) != minwon.EINVALID || minwon.ErrorField(err) != tt.field {
				t.Fatalf("Validate = %v (field %q), want invalid %q", err, minwon.ErrorField(err), tt.field)
			}
			if !strings.Contains(minwon.ErrorMessage(err), tt.field) {
				t.Fatalf("message %q does not name %s", minwon.ErrorMessage(err), tt.field)
			}
		})
	}
	t.Run("TurningThingsOffIsValid", func(t *testing.T) {
		cfg := policy.DefaultConfig()
		cfg.ProtectiveBreak = 0
		cfg.Prank = policy.PrankRule{}
		cfg.Unrelated = policy.UnrelatedRule{}
		cfg.Channels[minwon.ChannelChat] = policy.ChannelRule{}
		cfg.Evidence = policy.EvidenceRule{PressTail: 5 * time.Minute} // no margins but one, at the bound
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
	})
}

// The segment margins default to what the center used before they were
// part of the policy, and a policy stored before then (no "evidence"), or
// one that sets some of them, keeps the defaults for the rest.
func TestEvidenceMargins(t *testing.T) {
	want := policy.EvidenceRule{Lead: 2 * time.Second, Tail: time.Second, UntimedLead: 15 * time.Second, PressLead: 30 * time.Second, PressTail: 15 * time.Second}
	if got := policy.DefaultConfig().Evidence; got != want {
		t.Fatalf("default margins %+v, want %+v", got, want)
	}
	old := map[string]any{}
	def, _ := json.Marshal(policy.DefaultConfig())
	if err := json.Unmarshal(def, &old); err != nil {
		t.Fatal(err)
	}
	delete(old, "evidence")
	stored, _ := json.Marshal(old)
	cfg, err := policy.DecodeConfig(stored)
	if err != nil || cfg.Evidence != want {
		t.Fatalf("a policy without margins decodes to %+v, %v; want the defaults", cfg.Evidence, err)
	}
	old["evidence"] = map[string]any{"press_lead_ns": int64(time.Minute)}
	some, _ := json.Marshal(old)
	cfg, err = policy.DecodeConfig(some)
	want.PressLead = time.Minute
	if err != nil || cfg.Evidence != want {
		t.Fatalf("one margin set decodes to %+v, %v; want %+v", cfg.Evidence, err, want)
	}
	old["evidence"] = map[string]any{"press_lead_ns": int64(6 * time.Minute)}
	bad, _ := json.Marshal(old)
	if _, err := policy.DecodeConfig(bad); minwon.ErrorCode(err) != minwon.EINVALID || minwon.ErrorField(err) != "evidence.press_lead_ns" {
		t.Fatalf("a 6-minute margin: %v", err)
	}
}

func TestDecodeConfig(t *testing.T) {
	def, err := json.Marshal(policy.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Run("ReadsTheWholePolicy", func(t *testing.T) {
		cfg, err := policy.DecodeConfig(def)
		if err != nil || cfg.Location != policy.KST || cfg.Warnings[1] != policy.DefaultConfig().Warnings[1] {
			t.Fatalf("decode = %+v, %v", cfg, err)
		}
	})
	for _, tt := range []struct{ name, in, field string }{
		{"UnknownField", `{"warnings":[],"warning_count":2}`, ""},
		{"Trailing", string(def) + `{}`, ""},
		{"WrongType", `{"agitation":"high"}`, "agitation"},
		{"WrongTypeInAMap", `{"types":{"abuse":{"end_at":"3"}}}`, "types"},
		{"Invalid", strings.Replace(string(def), `"min_score":0`, `"min_score":3`, 1), "min_score"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := policy.DecodeConfig([]byte(tt.in))
			if minwon.ErrorCode(err) != minwon.EINVALID || minwon.ErrorField(err) != tt.field {
				t.Fatalf("DecodeConfig = %v (field %q), want invalid %q", err, minwon.ErrorField(err), tt.field)
			}
		})
	}
}

func TestLongestWindow(t *testing.T) {
	cfg := policy.DefaultConfig()
	if got := cfg.LongestWindow(); got != 365*day {
		t.Fatalf("default longest window %v, want a year", got)
	}
	for typ, r := range cfg.Types {
		r.StrikeWindow = min(r.StrikeWindow, 10*day)
		cfg.Types[typ] = r
	}
	if got := cfg.LongestWindow(); got != 30*day { // the drunk-long detector's
		t.Fatalf("longest window %v, want 30 days", got)
	}
	cfg.DrunkLong.Window, cfg.Prank.Window = 0, 0
	for typ := range cfg.Types {
		cfg.Types[typ] = policy.TypeRule{}
	}
	if got := cfg.LongestWindow(); got != day {
		t.Fatalf("with no windows %v, want at least a day", got)
	}
}
