package policy

import (
	"fmt"
	"time"

	"github.com/minwon/minwon"
)

// Config is one tenant's protection policy. DefaultConfig holds Seoul's
// rules; a tenant stores its own as JSON and every field may be changed.
type Config struct {
	// Types holds the rule for each incident type; a type without a rule
	// is recorded but never warned, struck or flagged.
	Types map[minwon.IncidentType]TypeRule `json:"types"`
	// Channels holds what differs between chat and voice.
	Channels map[minwon.Channel]ChannelRule `json:"channels"`
	// MinScore is the least classifier score that counts; a labelled text
	// below it is delivered as it is. 0 trusts the classifier's label.
	MinScore float64 `json:"min_score"`
	// Agitation is the least acoustic agitation score (0..1) that counts as
	// an aggressive moment on a voice call.
	Agitation float64 `json:"agitation"`
	// Mask replaces each letter of an abusive span in the counselor's view.
	Mask string `json:"mask"`
	// Warnings are the scripted warnings, the first at index 0; a type may
	// bring its own. TimeClosing ends a call under the time rule.
	Warnings    []string `json:"warnings"`
	Closing     string   `json:"closing"`
	TimeClosing string   `json:"time_closing"`
	// ProtectiveBreak is the counselor's pause after an incident; 0 turns
	// protective breaks off.
	ProtectiveBreak time.Duration `json:"protective_break_ns"`
	// DedicatedQueue receives flagged callers. When empty the contact keeps
	// its queue but needs an agent with minwon.SkillAbuse.
	DedicatedQueue string `json:"dedicated_queue,omitempty"`

	Prank     PrankRule     `json:"prank"`
	DrunkLong DrunkLongRule `json:"drunk_long"`
	Unrelated UnrelatedRule `json:"unrelated"`

	// Location is where days, late hours and report periods are counted.
	// Korea keeps no daylight saving time, so a fixed zone is exact.
	Location *time.Location `json:"-"`
}

// TypeRule is how one incident type is handled in a contact and in the
// caller register.
type TypeRule struct {
	// AutoWarn lets the engine warn and end by itself where the channel
	// allows it; otherwise it only suggests the action to the counselor.
	AutoWarn bool `json:"auto_warn"`
	// EndAt is the offence that ends the contact: 3 gives two warnings and
	// ends at the third, 1 ends at once. 0 never ends the contact.
	EndAt int `json:"end_at"`
	// StrikeLimit strikes within StrikeWindow open a legal case; 0 means
	// the type gives no strikes. A strike is a contact ended for the type.
	StrikeLimit  int           `json:"strike_limit"`
	StrikeWindow time.Duration `json:"strike_window_ns"`
	// FlagAt strikes within the window flag the caller for FlagFor; 0 never.
	FlagAt  int           `json:"flag_at"`
	FlagFor time.Duration `json:"flag_for_ns"`
	// Break gives the counselor a protective break after such an incident.
	Break bool `json:"break"`
	// Warnings and Closing replace the config's scripts for this type.
	Warnings []string `json:"warnings,omitempty"`
	Closing  string   `json:"closing,omitempty"`
	// Banner is what the counselor sees about a caller flagged for the type.
	Banner string `json:"banner"`
}

// ChannelRule is what differs between channels.
type ChannelRule struct {
	// AutoWarn lets the engine send warnings and end the contact itself.
	// On voice the default is off: a transcript can be wrong, so the engine
	// arms the counselor's buttons and the counselor presses them.
	AutoWarn bool `json:"auto_warn"`
	// EndNoticeAfter is how long after answering the counselor may end the
	// contact with a notice without further reason (Seoul's 20-minute
	// button); 0 never.
	EndNoticeAfter time.Duration `json:"end_notice_after_ns"`
}

// PrankRule detects pranks: many very short contacts from one caller.
type PrankRule struct {
	Count   int           `json:"count"` // contacts shorter than MaxTalk …
	MaxTalk time.Duration `json:"max_talk_ns"`
	Window  time.Duration `json:"window_ns"` // … within this window
	FlagFor time.Duration `json:"flag_for_ns"`
}

// DrunkLongRule detects drunk long calls: long, late and repetitive.
type DrunkLongRule struct {
	MinDuration time.Duration `json:"min_duration_ns"`
	// LateFrom and LateTo are hours of the day in Location; the late span
	// wraps midnight when LateFrom > LateTo.
	LateFrom int `json:"late_from"`
	LateTo   int `json:"late_to"`
	// MinLines citizen lines of which at least MinRepetition repeat an
	// earlier one.
	MinLines      int     `json:"min_lines"`
	MinRepetition float64 `json:"min_repetition"`
	// FlagAt such contacts within Window flag the caller for FlagFor.
	FlagAt  int           `json:"flag_at"`
	Window  time.Duration `json:"window_ns"`
	FlagFor time.Duration `json:"flag_for_ns"`
}

// UnrelatedRule detects repeated complaints unrelated to city work:
// PerDay contacts in one day wrapped up with one of Categories.
type UnrelatedRule struct {
	Categories []string      `json:"categories"`
	PerDay     int           `json:"per_day"`
	FlagFor    time.Duration `json:"flag_for_ns"`
}

// UnrelatedCategory is the wrap-up category the default config reads as a
// matter unrelated to city work.
const UnrelatedCategory = "시 업무 무관"

// KST is Korea Standard Time.
var KST = time.FixedZone("KST", 9*60*60)

const day = 24 * time.Hour

// DefaultConfig returns Seoul's rules: two warnings and an end at the third
// for abuse and threats, an end at once for sexual harassment; one strike
// opens a legal case for sexual harassment, three within a year for abuse
// or threats; a ten-minute protective break; the 20-minute rule on voice.
func DefaultConfig() Config {
	return Config{
		Types: map[minwon.IncidentType]TypeRule{
			minwon.IncidentSexual: {
				AutoWarn: true, EndAt: 1,
				StrikeLimit: 1, StrikeWindow: 365 * day, FlagAt: 1, FlagFor: 365 * day,
				Break:   true,
				Closing: "성희롱 발언이 확인되어 상담을 즉시 종료합니다. 이 상담 내용은 모두 기록되었으며, 관련 법령에 따라 법적 조치가 진행됩니다.",
				Banner:  "성희롱 이력이 있는 민원인입니다. 전담팀이 응대합니다.",
			},
			minwon.IncidentAbuse: {
				AutoWarn: true, EndAt: 3,
				StrikeLimit: 3, StrikeWindow: 365 * day, FlagAt: 1, FlagFor: 90 * day,
				Break:  true,
				Banner: "욕설·폭언으로 상담이 종료된 이력이 있는 민원인입니다.",
			},
			minwon.IncidentThreat: {
				AutoWarn: true, EndAt: 3,
				StrikeLimit: 3, StrikeWindow: 365 * day, FlagAt: 1, FlagFor: 180 * day,
				Break: true,
				Warnings: []string{
					"상담사에 대한 위협은 법적 처벌 대상이 될 수 있습니다. 말씀을 삼가 주시기 바랍니다. (1차 안내)",
					"다시 안내드립니다. 위협이 계속되면 상담을 종료하고 관련 법령에 따라 조치합니다. (2차 안내)",
				},
				Closing: "상담사에 대한 위협이 계속되어 상담을 종료합니다. 이 상담 내용은 모두 기록되었으며, 관련 법령에 따라 조치될 수 있습니다.",
				Banner:  "상담사를 위협한 이력이 있는 민원인입니다.",
			},
			minwon.IncidentAggressive: {
				EndAt: 3, Break: true,
				Banner: "공격적인 민원 이력이 있는 민원인입니다.",
			},
			minwon.IncidentPrank: {
				Banner: "짧은 장난 연락이 반복된 민원인입니다.",
			},
			minwon.IncidentDrunkLong: {
				Break:  true,
				Banner: "심야 주취 장시간 통화 이력이 있는 민원인입니다.",
			},
			minwon.IncidentRepeatedUnrelated: {
				Banner: "시 업무와 관계없는 반복 민원 이력이 있는 민원인입니다.",
			},
		},
		Channels: map[minwon.Channel]ChannelRule{
			minwon.ChannelChat:  {AutoWarn: true, EndNoticeAfter: 20 * time.Minute},
			minwon.ChannelSMS:   {AutoWarn: true},
			minwon.ChannelVoice: {EndNoticeAfter: 20 * time.Minute},
			minwon.ChannelVideo: {EndNoticeAfter: 20 * time.Minute},
		},
		Agitation: 0.8,
		Mask:      "●",
		Warnings: []string{
			"상담사도 누군가의 소중한 가족입니다. 욕설이나 폭언을 하시면 상담을 이어가기 어렵습니다. 고운 말로 말씀해 주시기 바랍니다. (1차 안내)",
			"다시 한 번 안내드립니다. 욕설·폭언이 계속되면 상담이 종료되며, 반복될 경우 관련 법령에 따라 법적 조치가 취해질 수 있습니다. (2차 안내)",
		},
		Closing:         "욕설·폭언이 계속되어 안내드린 대로 상담을 종료합니다. 이 상담 내용은 모두 기록되었으며, 관련 법령에 따라 조치될 수 있습니다.",
		TimeClosing:     "원활한 상담이 어려워 안내 후 상담을 종료합니다. 다른 시민의 상담을 위해 양해 부탁드립니다. 이 통화 내용은 기록되어 있습니다.",
		ProtectiveBreak: 10 * time.Minute,
		Prank:           PrankRule{Count: 5, MaxTalk: 20 * time.Second, Window: day, FlagFor: 7 * day},
		DrunkLong: DrunkLongRule{
			MinDuration: 30 * time.Minute, LateFrom: 22, LateTo: 5,
			MinLines: 10, MinRepetition: 0.3,
			FlagAt: 2, Window: 30 * day, FlagFor: 30 * day,
		},
		Unrelated: UnrelatedRule{Categories: []string{UnrelatedCategory}, PerDay: 3, FlagFor: 7 * day},
		Location:  KST,
	}
}

// Validate reports the first rule that cannot work as an EINVALID error.
func (c *Config) Validate() error {
	bad := func(format string, args ...any) error {
		return minwon.Errorf(minwon.EINVALID, "protection policy: "+format, args...)
	}
	for t, r := range c.Types {
		if !minwon.ValidIncidentType(t) {
			return bad("unknown incident type %q", t)
		}
		if r.EndAt < 0 || r.StrikeLimit < 0 || r.FlagAt < 0 {
			return bad("%s: counts must not be negative", t)
		}
		if (r.StrikeLimit > 0 || r.FlagAt > 0) && r.StrikeWindow <= 0 {
			return bad("%s: strikes need a window", t)
		}
		if r.FlagAt > 0 && r.FlagFor <= 0 {
			return bad("%s: a flag needs a duration", t)
		}
		if r.EndAt > 1 && len(c.warnings(r)) < r.EndAt-1 {
			return bad("%s: ending at offence %d needs %d warning scripts", t, r.EndAt, r.EndAt-1)
		}
		if r.EndAt > 0 && c.closing(r) == "" {
			return bad("%s: a closing script is required", t)
		}
	}
	for ch, r := range c.Channels {
		if r.EndNoticeAfter < 0 {
			return bad("%s: end-notice time must not be negative", ch)
		}
		if r.EndNoticeAfter > 0 && c.TimeClosing == "" {
			return bad("a time-rule closing script is required")
		}
	}
	if c.MinScore < 0 || c.MinScore > 1 || c.Agitation < 0 || c.Agitation > 1 {
		return bad("scores are between 0 and 1")
	}
	if c.ProtectiveBreak < 0 {
		return bad("protective break must not be negative")
	}
	if c.DrunkLong.LateFrom < 0 || c.DrunkLong.LateFrom > 23 || c.DrunkLong.LateTo < 0 || c.DrunkLong.LateTo > 23 {
		return bad("late hours are 0..23")
	}
	for _, d := range []struct {
		name  string
		count int
		dur   time.Duration
	}{{"prank", c.Prank.Count, c.Prank.Window}, {"drunk_long", c.DrunkLong.FlagAt, c.DrunkLong.Window}} {
		if d.count > 0 && d.dur <= 0 {
			return bad("%s: a count needs a window", d.name)
		}
	}
	for _, s := range append([]string{c.Closing, c.TimeClosing}, c.Warnings...) {
		if err := minwon.ValidateText(s, minwon.MaxMessageBytes); err != nil {
			return fmt.Errorf("protection policy script: %w", err)
		}
	}
	return nil
}

func (c *Config) warnings(r TypeRule) []string {
	if len(r.Warnings) > 0 {
		return r.Warnings
	}
	return c.Warnings
}

func (c *Config) closing(r TypeRule) string {
	if r.Closing != "" {
		return r.Closing
	}
	return c.Closing
}

func (c *Config) location() *time.Location {
	if c.Location == nil {
		return KST
	}
	return c.Location
}
