package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

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

	// Evidence is how much of a call recording an incident's references
	// take around the moment that raised them. A policy stored without it
	// reads as the defaults.
	Evidence EvidenceRule `json:"evidence"`

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

// EvidenceRule holds the margins of the recording segment an incident
// item, warning or end points at: enough before the moment for what led up
// to it, enough after for how it ended.
type EvidenceRule struct {
	// Lead and Tail go around a transcript segment with word timings or an
	// agitation window, where the recognizer or the detector placed it.
	Lead time.Duration `json:"lead_ns"`
	Tail time.Duration `json:"tail_ns"`
	// UntimedLead is taken before a transcript line without word timings,
	// which arrives once it was said (Tail follows it).
	UntimedLead time.Duration `json:"untimed_lead_ns"`
	// PressLead and PressTail go around a counselor's warning or end: what
	// led to the press, then the announcement the caller heard.
	PressLead time.Duration `json:"press_lead_ns"`
	PressTail time.Duration `json:"press_tail_ns"`
}

// MaxEvidenceMargin bounds each margin: a segment minutes wide is the
// whole call, which the bundle gives without references anyway.
const MaxEvidenceMargin = 5 * time.Minute

// DefaultEvidence is the margins of DefaultConfig: a little around what the
// recognizer placed, the 15 s an utterance takes at most, and 30 s before a
// press to 15 s after (the longest announcement takes about 12 s).
func DefaultEvidence() EvidenceRule {
	return EvidenceRule{Lead: 2 * time.Second, Tail: time.Second, UntimedLead: 15 * time.Second,
		PressLead: 30 * time.Second, PressTail: 15 * time.Second}
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
		Evidence:  DefaultEvidence(),
		Location:  KST,
	}
}

// Limits of a policy: windows and flags longer than MaxWindow would make
// the register rebuild years of history at every start; counts and texts
// past these are typing errors, not policies.
const (
	MaxWindow   = 5 * 366 * day
	MaxEndAt    = 10
	MaxCount    = 1000
	MaxBanner   = 500
	maxMaskRune = 4
)

// Validate reports the first rule that cannot work as an EINVALID error
// whose Field is the JSON path of the value at fault
// ("types.abuse.strike_window_ns", "warnings.1"), so an editor can show it
// next to the input.
func (c *Config) Validate() error {
	bad := func(field, format string, args ...any) error {
		e := minwon.FieldErrorf(field, format, args...)
		e.Message = "protection policy: " + e.Message
		return e
	}
	count := func(field string, n int) error {
		if n < 0 || n > MaxCount {
			return bad(field, "must be between 0 and %d", MaxCount)
		}
		return nil
	}
	window := func(field string, d time.Duration, needed bool) error {
		switch {
		case d < 0:
			return bad(field, "must not be negative")
		case d > MaxWindow:
			return bad(field, "must be at most %d days", MaxWindow/day)
		case needed && d == 0:
			return bad(field, "is required when the count is set")
		}
		return nil
	}
	text := func(field, s string, required bool) error {
		if required && strings.TrimSpace(s) == "" {
			return bad(field, "a script is required")
		}
		if err := minwon.ValidateText(s, minwon.MaxMessageBytes); err != nil {
			return bad(field, "%s", minwon.ErrorMessage(err))
		}
		return nil
	}
	types := slices.Sorted(maps.Keys(c.Types)) // the same field first every time
	for _, t := range types {
		r, p := c.Types[t], "types."+string(t)+"."
		if !minwon.ValidIncidentType(t) {
			return bad("types."+string(t), "unknown incident type")
		}
		if r.EndAt < 0 || r.EndAt > MaxEndAt {
			return bad(p+"end_at", "must be between 0 and %d", MaxEndAt)
		}
		for _, e := range []error{count(p+"strike_limit", r.StrikeLimit), count(p+"flag_at", r.FlagAt),
			window(p+"strike_window_ns", r.StrikeWindow, r.StrikeLimit > 0 || r.FlagAt > 0),
			window(p+"flag_for_ns", r.FlagFor, r.FlagAt > 0)} {
			if e != nil {
				return e
			}
		}
		for i, w := range r.Warnings {
			if err := text(fmt.Sprintf("%swarnings.%d", p, i), w, true); err != nil {
				return err
			}
		}
		if err := text(p+"closing", r.Closing, false); err != nil {
			return err
		}
		if err := minwon.ValidateText(r.Banner, MaxBanner); err != nil {
			return bad(p+"banner", "%s", minwon.ErrorMessage(err))
		}
		if r.EndAt > 1 && len(c.warnings(r)) < r.EndAt-1 {
			field := "warnings"
			if len(r.Warnings) > 0 {
				field = p + "warnings"
			}
			return bad(field, "%s ends at offence %d, which needs %d warning scripts", t, r.EndAt, r.EndAt-1)
		}
		if r.EndAt > 0 && strings.TrimSpace(c.closing(r)) == "" {
			return bad("closing", "%s ends the contact, which needs a closing script", t)
		}
	}
	for _, ch := range slices.Sorted(maps.Keys(c.Channels)) {
		r := c.Channels[ch]
		switch ch {
		case minwon.ChannelChat, minwon.ChannelVoice, minwon.ChannelSMS, minwon.ChannelVideo:
		default:
			return bad("channels."+string(ch), "unknown channel")
		}
		if err := window("channels."+string(ch)+".end_notice_after_ns", r.EndNoticeAfter, false); err != nil {
			return err
		}
		if r.EndNoticeAfter > 0 && strings.TrimSpace(c.TimeClosing) == "" {
			return bad("time_closing", "the time rule on %s needs a closing script", ch)
		}
	}
	if c.MinScore < 0 || c.MinScore > 1 {
		return bad("min_score", "must be between 0 and 1")
	}
	if c.Agitation < 0 || c.Agitation > 1 {
		return bad("agitation", "must be between 0 and 1")
	}
	if n := utf8.RuneCountInString(c.Mask); n < 1 || n > maxMaskRune || !utf8.ValidString(c.Mask) || strings.TrimSpace(c.Mask) == "" {
		return bad("mask", "is 1 to %d visible characters", maxMaskRune)
	}
	for i, w := range c.Warnings {
		if err := text(fmt.Sprintf("warnings.%d", i), w, true); err != nil {
			return err
		}
	}
	if err := text("closing", c.Closing, false); err != nil {
		return err
	}
	if err := text("time_closing", c.TimeClosing, false); err != nil {
		return err
	}
	if c.ProtectiveBreak < 0 || c.ProtectiveBreak > 8*time.Hour {
		return bad("protective_break_ns", "must be between 0 and 8 hours")
	}
	if err := checkID("dedicated_queue", c.DedicatedQueue); err != nil {
		return err
	}
	pr := c.Prank
	for _, e := range []error{count("prank.count", pr.Count), window("prank.max_talk_ns", pr.MaxTalk, pr.Count > 0),
		window("prank.window_ns", pr.Window, pr.Count > 0), window("prank.flag_for_ns", pr.FlagFor, pr.Count > 0)} {
		if e != nil {
			return e
		}
	}
	dl := c.DrunkLong
	if dl.LateFrom < 0 || dl.LateFrom > 23 {
		return bad("drunk_long.late_from", "is an hour, 0 to 23")
	}
	if dl.LateTo < 0 || dl.LateTo > 23 {
		return bad("drunk_long.late_to", "is an hour, 0 to 23")
	}
	if dl.MinRepetition < 0 || dl.MinRepetition > 1 {
		return bad("drunk_long.min_repetition", "is a share between 0 and 1")
	}
	for _, e := range []error{window("drunk_long.min_duration_ns", dl.MinDuration, false), count("drunk_long.min_lines", dl.MinLines),
		count("drunk_long.flag_at", dl.FlagAt), window("drunk_long.window_ns", dl.Window, dl.FlagAt > 0),
		window("drunk_long.flag_for_ns", dl.FlagFor, dl.FlagAt > 0)} {
		if e != nil {
			return e
		}
	}
	un := c.Unrelated
	if err := count("unrelated.per_day", un.PerDay); err != nil {
		return err
	}
	if err := window("unrelated.flag_for_ns", un.FlagFor, un.PerDay > 0); err != nil {
		return err
	}
	if un.PerDay > 0 && len(un.Categories) == 0 {
		return bad("unrelated.categories", "at least one wrap-up category is required when the count is set")
	}
	for i, cat := range un.Categories {
		if strings.TrimSpace(cat) == "" || minwon.ValidateText(cat, 200) != nil {
			return bad(fmt.Sprintf("unrelated.categories.%d", i), "a category is 1 to 200 bytes of text")
		}
	}
	ev := c.Evidence
	for _, m := range []struct {
		field string
		d     time.Duration
	}{{"lead_ns", ev.Lead}, {"tail_ns", ev.Tail}, {"untimed_lead_ns", ev.UntimedLead}, {"press_lead_ns", ev.PressLead}, {"press_tail_ns", ev.PressTail}} {
		if m.d < 0 || m.d > MaxEvidenceMargin {
			return bad("evidence."+m.field, "must be between 0 and %d minutes", MaxEvidenceMargin/time.Minute)
		}
	}
	return nil
}

// checkID checks a queue ID the way the center's admin does.
func checkID(field, id string) error {
	if len(id) > 64 {
		return minwon.FieldErrorf(field, "an id is at most 64 characters")
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return minwon.FieldErrorf(field, "an id uses letters, digits, '-', '_' and '.' only")
		}
	}
	return nil
}

// LongestWindow is how far back the policy looks: its longest strike
// window or detector window, at least a day. The caller register keeps
// nothing older.
func (c *Config) LongestWindow() time.Duration {
	w := max(day, c.Prank.Window, c.DrunkLong.Window)
	for _, r := range c.Types {
		w = max(w, r.StrikeWindow)
	}
	return w
}

// DecodeConfig reads a policy stored or sent as JSON, strictly (an unknown
// field is an error, so a misspelt key is not silently dropped), and
// validates it.
func DecodeConfig(data []byte) (Config, error) {
	// A policy stored before the margins existed, or sent by an editor
	// that knows none, keeps the default margins, not zero ones.
	c := Config{Evidence: DefaultEvidence()}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			// The path leaves out map keys ("types.end_at" for
			// types.abuse.end_at): name the map then, not a wrong field.
			field := te.Field
			if f, _, ok := strings.Cut(field, "."); ok && (f == "types" || f == "channels") {
				field = f
			}
			return Config{}, minwon.FieldErrorf(field, "%s must be a JSON %s", te.Field, te.Value)
		}
		return Config{}, minwon.Errorf(minwon.EINVALID, "protection policy: malformed JSON: %v", err)
	}
	if dec.More() {
		return Config{}, minwon.Errorf(minwon.EINVALID, "protection policy: malformed JSON: trailing data")
	}
	c.Location = KST
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
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
