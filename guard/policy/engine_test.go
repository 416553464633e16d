package policy_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/guard"
	"github.com/minwon/minwon/guard/policy"
)

// TestChat covers the per-contact decision on chat messages: each row is a
// conversation and the verdicts the citizen's lines must get.
func TestChat(t *testing.T) {
	cfg := policy.DefaultConfig()
	tests := []struct {
		name  string
		cfg   func(*policy.Config)
		lines []string
		want  []policy.Verdict
		// script is the text expected with the last verdict.
		script string
	}{
		{"CleanIsDelivered", nil, []string{"버스가 안 와요", "언제 오나요"}, []policy.Verdict{policy.Deliver, policy.Deliver}, ""},
		{"ThreeWarningSequence", nil, []string{swear1, "네 알겠어요", swear2, swear3},
			[]policy.Verdict{policy.Warn, policy.Deliver, policy.Warn, policy.End}, cfg.Closing},
		{"SexualEndsAtOnce", nil, []string{sexual}, []policy.Verdict{policy.End}, cfg.Types[minwon.IncidentSexual].Closing},
		{"SexualAfterAWarningEndsAtOnce", nil, []string{swear1, sexual}, []policy.Verdict{policy.Warn, policy.End},
			cfg.Types[minwon.IncidentSexual].Closing},
		{"ThreatUsesItsOwnScript", nil, []string{threat}, []policy.Verdict{policy.Warn}, cfg.Types[minwon.IncidentThreat].Warnings[0]},
		{"WarningsArePooledAcrossTypes", nil, []string{swear1, threat, swear2}, []policy.Verdict{policy.Warn, policy.Warn, policy.End}, cfg.Closing},
		{"SecondWarningHasSecondScript", nil, []string{swear1, swear2}, []policy.Verdict{policy.Warn, policy.Warn}, cfg.Warnings[1]},
		{"BelowMinScoreIsDelivered", func(c *policy.Config) { c.MinScore = 0.6 }, []string{lowConf, swear1},
			[]policy.Verdict{policy.Deliver, policy.Warn}, cfg.Warnings[0]},
		{"TenantEndsAtSecond", func(c *policy.Config) {
			r := c.Types[minwon.IncidentAbuse]
			r.EndAt = 2
			c.Types[minwon.IncidentAbuse] = r
		}, []string{swear1, swear2}, []policy.Verdict{policy.Warn, policy.End}, cfg.Closing},
		{"TenantWithoutAutoWarnOnlyMasks", func(c *policy.Config) {
			c.Channels[minwon.ChannelChat] = policy.ChannelRule{}
		}, []string{swear1, swear2, swear3}, []policy.Verdict{policy.Mask, policy.Mask, policy.Mask}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := policy.DefaultConfig()
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			w := newWorld(t, cfg, fake)
			c := w.open("c1", "caller-1", minwon.ChannelChat, "a1")
			var last policy.Decision
			for i, line := range tt.lines {
				w.clock.Advance(30 * time.Second)
				last = w.say(c, line)
				if last.Verdict != tt.want[i] {
					t.Fatalf("line %d %q: verdict %s, want %s", i+1, line, last.Verdict, tt.want[i])
				}
			}
			if last.Script != tt.script {
				t.Errorf("script %q, want %q", last.Script, tt.script)
			}
			if ended := last.Verdict == policy.End; c.Ended != ended || (c.Incident != nil && (c.Incident.Ended != nil) != ended) {
				t.Errorf("contact ended %v, incident ended %v, want %v", c.Ended, c.Incident != nil && c.Incident.Ended != nil, ended)
			}
		})
	}
}

func TestWarningsAreNumberedAndRecorded(t *testing.T) {
	w := newWorld(t, policy.DefaultConfig(), fake)
	c := w.open("c1", "caller-1", minwon.ChannelChat, "a1")
	for i, line := range []string{swear1, swear2} {
		d := w.say(c, line)
		if d.Warning != i+1 {
			t.Fatalf("warning %d, want %d", d.Warning, i+1)
		}
	}
	d := w.say(c, swear3)
	if d.Warning != 3 || d.Verdict != policy.End {
		t.Fatalf("third offence: %s %d", d.Verdict, d.Warning)
	}
	inc := c.Incident
	if inc == nil || len(inc.Items) != 3 || len(inc.Warnings) != 2 || inc.Ended == nil || inc.Ended.Reason != "warnings" {
		t.Fatalf("incident %+v", inc)
	}
	if inc.Type != minwon.IncidentAbuse || inc.CallerID != "caller-1" || inc.AgentID != "a1" {
		t.Errorf("incident %s for %s by %s", inc.Type, inc.CallerID, inc.AgentID)
	}
	for _, it := range inc.Items {
		if it.MessageID == "" || it.Text == "" || it.Masked == it.Text || it.Score == 0 {
			t.Errorf("item %+v lacks evidence", it)
		}
	}
}

func TestOpenedIncidentIsUpgradedToTheWorstType(t *testing.T) {
	w := newWorld(t, policy.DefaultConfig(), fake)
	c := w.open("c1", "caller-1", minwon.ChannelChat, "a1")
	w.say(c, swear1)
	w.say(c, sexual)
	if c.Incident.Type != minwon.IncidentSexual {
		t.Fatalf("incident type %s, want sexual", c.Incident.Type)
	}
	if got := w.incidents.Incident(c.Incident.ID); got == nil || got.Type != minwon.IncidentSexual || len(got.Items) != 2 {
		t.Fatalf("projection %+v", got)
	}
}

func TestDistressIsFlaggedNotWarned(t *testing.T) {
	w := newWorld(t, policy.DefaultConfig(), fake)
	c := w.open("c1", "caller-1", minwon.ChannelChat, "a1")
	d := w.say(c, sad)
	if d.Verdict != policy.Deliver || !d.Distress || len(d.Events) != 0 {
		t.Fatalf("decision %+v", d)
	}
}

func TestCheckRejects(t *testing.T) {
	w := newWorld(t, policy.DefaultConfig(), fake)
	c := w.open("c1", "caller-1", minwon.ChannelChat, "a1")
	tests := []struct {
		name string
		in   policy.Input
		code string
	}{
		{"InvalidUTF8", policy.Input{Kind: minwon.ItemMessage, Text: "\xff\xfe"}, minwon.EINVALID},
		{"Oversized", policy.Input{Kind: minwon.ItemMessage, Text: strings.Repeat("가", minwon.MaxMessageBytes)}, minwon.ETOOLARGE},
		{"UnknownKind", policy.Input{Kind: "smoke", Text: "x"}, minwon.EINVALID},
		{"AgitationOutOfRange", policy.Input{Kind: minwon.ItemAcoustic, Agitation: 1.5}, minwon.EINVALID},
		{"BackwardsRecording", policy.Input{Kind: minwon.ItemSegment, Text: "네", Recording: &minwon.RecordingRef{Start: time.Minute, End: time.Second}}, minwon.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := w.eng.Check(c, w.reg, tt.in); minwon.ErrorCode(err) != tt.code {
				t.Fatalf("error %v, want %s", err, tt.code)
			}
		})
	}
	t.Run("EndedByTheIncidentBeforeContactEnded", func(t *testing.T) {
		c := w.open("c2", "caller-2", minwon.ChannelChat, "a1")
		d, err := w.eng.Check(c, w.reg, policy.Input{Kind: minwon.ItemMessage, Text: sexual})
		if err != nil {
			t.Fatal(err)
		}
		w.apply(d.Events...) // contact.ended not yet stored
		if _, err := w.eng.Check(c, w.reg, policy.Input{Kind: minwon.ItemMessage, Text: swear1}); minwon.ErrorCode(err) != minwon.ECONFLICT {
			t.Fatalf("error %v, want conflict", err)
		}
		if a := w.eng.Actions(c); a.Warn || a.End {
			t.Fatalf("buttons armed on an ended contact: %+v", a)
		}
	})
	t.Run("EndedContact", func(t *testing.T) {
		w.say(c, sexual)
		if _, err := w.eng.Check(c, w.reg, policy.Input{Kind: minwon.ItemMessage, Text: "또"}); minwon.ErrorCode(err) != minwon.ECONFLICT {
			t.Fatalf("error %v, want conflict", err)
		}
	})
}

func TestMasking(t *testing.T) {
	tests := []struct {
		name, text string
		res        guard.Result
		want       string
	}{
		{"DecidingSpan", "아 씨발 진짜", guard.Result{Label: guard.Profanity, Score: 0.99, Start: 4, End: 10}, "아 ●● 진짜"},
		{"IgnoresSpansInsideALetter", "아 씨발 진짜", guard.Result{Label: guard.Profanity, Score: 0.99, Start: 2, End: 8}, "아 씨발 진짜"},
		{"KeepsSpacesInside", "개 새 끼 들", guard.Result{Label: guard.Profanity, Score: 0.99, Start: 0, End: 11}, "● ● ● 들"},
		{"MergesOverlappingHits", "병신 새끼 같은", guard.Result{Label: guard.Profanity, Score: 0.99, Start: 0, End: 6,
			Hits: []guard.Hit{{Label: guard.Profanity, Start: 0, End: 6}, {Label: guard.Profanity, Start: 3, End: 13}}}, "●● ●● 같은"},
		{"SkipsDistressHits", "죽고 싶다 씨발", guard.Result{Label: guard.Profanity, Score: 0.99, Start: 14, End: 20,
			Hits: []guard.Hit{{Label: guard.None, Start: 0, End: 13}, {Label: guard.Profanity, Start: 14, End: 20}}}, "죽고 싶다 ●●"},
		{"IgnoresSpansOutOfRange", "야", guard.Result{Label: guard.Profanity, Score: 0.99, Start: 0, End: 99}, "야"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, policy.DefaultConfig(), lines{tt.text: tt.res})
			c := w.open("c1", "caller-1", minwon.ChannelChat, "a1")
			d := w.say(c, tt.text)
			if d.Text != tt.want {
				t.Fatalf("masked %q, want %q", d.Text, tt.want)
			}
			if c.Incident.Items[0].Masked != tt.want || c.Incident.Items[0].Text != tt.text {
				t.Errorf("evidence keeps %q / %q", c.Incident.Items[0].Text, c.Incident.Items[0].Masked)
			}
		})
	}
}

// TestVoice covers transcript segments and acoustic events: on voice the
// engine arms the counselor's buttons instead of acting, and the counselor
// warns and ends.
func TestVoice(t *testing.T) {
	cfg := policy.DefaultConfig()
	seg := func(text string) policy.Input {
		return policy.Input{Kind: minwon.ItemSegment, Text: text, Recording: &minwon.RecordingRef{Name: "call.wav", Start: time.Minute, End: time.Minute + 3*time.Second}}
	}
	t.Run("SegmentSuggestsWarning", func(t *testing.T) {
		w := newWorld(t, cfg, fake)
		c := w.open("v1", "caller-1", minwon.ChannelVoice, "a1")
		d, err := w.eng.Check(c, w.reg, seg(swear1))
		if err != nil {
			t.Fatal(err)
		}
		if d.Verdict != policy.Mask || d.Suggest != policy.SuggestWarn || d.Script != "" || has(d.Events, minwon.EventIncidentWarned) != nil {
			t.Fatalf("decision %s suggest %s events %v", d.Verdict, d.Suggest, types(d.Events))
		}
		w.apply(d.Events...)
		if rec := c.Incident.Items[0].Recording; rec == nil || rec.Name != "call.wav" || rec.Start != time.Minute {
			t.Errorf("recording reference %+v", rec)
		}
	})
	t.Run("SexualSegmentArmsEnd", func(t *testing.T) {
		w := newWorld(t, cfg, fake)
		c := w.open("v1", "caller-1", minwon.ChannelVoice, "a1")
		d, _ := w.eng.Check(c, w.reg, seg(sexual))
		w.apply(d.Events...)
		if d.Suggest != policy.SuggestEnd || !w.eng.Actions(c).End {
			t.Fatalf("suggest %s, actions %+v", d.Suggest, w.eng.Actions(c))
		}
		e, err := w.eng.EndWithNotice(c, w.reg, policy.CounselorWarning{AgentID: "a1", Type: minwon.IncidentSexual})
		if err != nil {
			t.Fatal(err)
		}
		if e.Verdict != policy.End || e.Script != cfg.Types[minwon.IncidentSexual].Closing {
			t.Fatalf("end %s %q", e.Verdict, e.Script)
		}
	})
	t.Run("AgitationSuggestsWarning", func(t *testing.T) {
		w := newWorld(t, cfg, fake)
		c := w.open("v1", "caller-1", minwon.ChannelVoice, "a1")
		calm, _ := w.eng.Check(c, w.reg, policy.Input{Kind: minwon.ItemAcoustic, Agitation: 0.5})
		loud, _ := w.eng.Check(c, w.reg, policy.Input{Kind: minwon.ItemAcoustic, Agitation: 0.93})
		if calm.Verdict != policy.Deliver || len(calm.Events) != 0 {
			t.Fatalf("calm voice: %+v", calm)
		}
		if loud.Type != minwon.IncidentAggressive || loud.Suggest != policy.SuggestWarn {
			t.Fatalf("shouting: type %s suggest %s", loud.Type, loud.Suggest)
		}
	})
	t.Run("CounselorWarnsThreeTimesThenItEnds", func(t *testing.T) {
		w := newWorld(t, cfg, fake)
		c := w.open("v1", "caller-1", minwon.ChannelVoice, "a1")
		want := []policy.Verdict{policy.Warn, policy.Warn, policy.End}
		for i, v := range want {
			d, err := w.eng.Warn(c, w.reg, policy.CounselorWarning{AgentID: "a1", Type: minwon.IncidentAbuse, Note: "반복 욕설"})
			if err != nil {
				t.Fatal(err)
			}
			if d.Verdict != v {
				t.Fatalf("warning %d: %s, want %s", i+1, d.Verdict, v)
			}
			w.apply(d.Events...)
		}
		if c.Incident.Source != minwon.SourceCounselor || c.Incident.Ended.By != minwon.FromAgent || c.Incident.Warnings[0].By != minwon.FromAgent {
			t.Errorf("incident source %s ended by %s", c.Incident.Source, c.Incident.Ended.By)
		}
		if n := len(c.Incident.Items); n != 3 {
			t.Errorf("%d note items, want 3", n)
		}
		if ev := has(w.log, minwon.EventIncidentWarned); ev.ActorID != "a1" {
			t.Errorf("warning actor %q", ev.ActorID)
		}
	})
	t.Run("OnlyTheCounselorOnTheContactWarns", func(t *testing.T) {
		w := newWorld(t, cfg, fake)
		c := w.open("v1", "caller-1", minwon.ChannelVoice, "a1")
		if _, err := w.eng.Warn(c, w.reg, policy.CounselorWarning{AgentID: "a2", Type: minwon.IncidentAbuse}); minwon.ErrorCode(err) != minwon.EFORBIDDEN {
			t.Fatalf("error %v", err)
		}
		if _, err := w.eng.Warn(c, w.reg, policy.CounselorWarning{AgentID: "a1", Type: "rude"}); minwon.ErrorCode(err) != minwon.EINVALID {
			t.Fatalf("error %v", err)
		}
	})
}

// TestTwentyMinuteRule covers the time rule: end with notice is armed from
// 20 minutes after answering, on any malicious call.
func TestTwentyMinuteRule(t *testing.T) {
	cfg := policy.DefaultConfig()
	tests := []struct {
		name    string
		channel minwon.Channel
		after   time.Duration
		allowed bool
	}{
		{"NotAtNineteenMinutes", minwon.ChannelVoice, 19*time.Minute + 59*time.Second, false},
		{"AtTwentyMinutes", minwon.ChannelVoice, 20 * time.Minute, true},
		{"LaterToo", minwon.ChannelVoice, 45 * time.Minute, true},
		{"ChatToo", minwon.ChannelChat, 20 * time.Minute, true},
		{"NotOnSMS", minwon.ChannelSMS, 3 * time.Hour, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, cfg, fake)
			c := w.open("v1", "caller-1", tt.channel, "a1")
			w.clock.Advance(tt.after)
			a := w.eng.Actions(c)
			if a.End != tt.allowed {
				t.Fatalf("End armed %v, want %v (%+v)", a.End, tt.allowed, a)
			}
			d, err := w.eng.EndWithNotice(c, w.reg, policy.CounselorWarning{AgentID: "a1", Type: minwon.IncidentDrunkLong})
			if !tt.allowed {
				if minwon.ErrorCode(err) != minwon.EFORBIDDEN {
					t.Fatalf("error %v, want forbidden", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			w.apply(d.Events...)
			if d.Script != cfg.TimeClosing || c.Incident.Ended.Reason != "after_minutes" || c.Incident.Type != minwon.IncidentDrunkLong {
				t.Fatalf("script %q, ended %+v", d.Script, c.Incident.Ended)
			}
		})
	}
	t.Run("EndFromIsShown", func(t *testing.T) {
		w := newWorld(t, cfg, fake)
		c := w.open("v1", "caller-1", minwon.ChannelVoice, "a1")
		if a := w.eng.Actions(c); !a.EndFrom.Equal(t0.Add(20*time.Minute)) || !a.Warn {
			t.Fatalf("actions %+v", a)
		}
	})
	t.Run("OutboundFromTheBridge", func(t *testing.T) {
		// A call out has no contact.answered: its conversation, and the
		// time rule, start at call.connected, here after 40 s of ringing.
		w := newWorld(t, cfg, fake)
		c := &policy.Contact{}
		w.contacts["o1"] = c
		w.apply(w.ev(minwon.EventContactCreated, "o1", "a1", &minwon.Contact{ID: "o1", TenantID: tenant, Channel: minwon.ChannelVoice,
			CitizenID: "caller-1", State: minwon.ContactActive, AgentID: "a1", CreatedAt: w.clock.Now()}))
		if a := w.eng.Actions(c); a.Warn || a.End {
			t.Fatalf("actions while the citizen's phone rings %+v", a)
		}
		w.clock.Advance(40 * time.Second)
		w.apply(w.ev(minwon.EventCallConnected, "o1", "a1", nil))
		w.clock.Advance(20*time.Minute - time.Second)
		if a := w.eng.Actions(c); !a.Warn || a.End || !a.EndFrom.Equal(t0.Add(40*time.Second+20*time.Minute)) {
			t.Fatalf("actions a second short of 20 minutes after the bridge %+v", a)
		}
		w.clock.Advance(time.Second)
		if a := w.eng.Actions(c); !a.End {
			t.Fatalf("actions 20 minutes after the bridge %+v", a)
		}
	})
	t.Run("NothingBeforeAnswer", func(t *testing.T) {
		w := newWorld(t, cfg, fake)
		c := w.open("v1", "caller-1", minwon.ChannelVoice, "")
		if a := w.eng.Actions(c); a.Warn || a.End {
			t.Fatalf("actions %+v", a)
		}
	})
	t.Run("CounselorEndsAtOnceForSexualHarassment", func(t *testing.T) {
		w := newWorld(t, cfg, fake)
		c := w.open("v1", "caller-1", minwon.ChannelVoice, "a1")
		w.clock.Advance(time.Minute)
		d, err := w.eng.EndWithNotice(c, w.reg, policy.CounselorWarning{AgentID: "a1", Type: minwon.IncidentSexual, Note: "신체 부위 언급"})
		if err != nil {
			t.Fatal(err)
		}
		w.apply(d.Events...)
		if d.Script != cfg.Types[minwon.IncidentSexual].Closing || c.Incident.Ended.Reason != "counselor" || has(d.Events, minwon.EventCaseOpened) == nil {
			t.Fatalf("script %q ended %+v events %v", d.Script, c.Incident.Ended, types(d.Events))
		}
	})
	t.Run("AbuseWithoutWarningsWaitsForTheTimeRule", func(t *testing.T) {
		w := newWorld(t, cfg, fake)
		c := w.open("v1", "caller-1", minwon.ChannelVoice, "a1")
		w.clock.Advance(time.Minute)
		if _, err := w.eng.EndWithNotice(c, w.reg, policy.CounselorWarning{AgentID: "a1", Type: minwon.IncidentAbuse}); minwon.ErrorCode(err) != minwon.EFORBIDDEN {
			t.Fatalf("error %v, want forbidden", err)
		}
	})
	t.Run("SpentWarningsArmEndBeforeTwentyMinutes", func(t *testing.T) {
		w := newWorld(t, cfg, fake)
		c := w.open("v1", "caller-1", minwon.ChannelVoice, "a1")
		for range 2 {
			d, _ := w.eng.Warn(c, w.reg, policy.CounselorWarning{AgentID: "a1", Type: minwon.IncidentAbuse})
			w.apply(d.Events...)
		}
		if !w.eng.Actions(c).End {
			t.Fatal("end not armed after two warnings")
		}
		d, err := w.eng.EndWithNotice(c, w.reg, policy.CounselorWarning{AgentID: "a1", Type: minwon.IncidentAbuse})
		if err != nil || d.Script != cfg.Closing {
			t.Fatalf("end: %v %q", err, d.Script)
		}
	})
}

// TestRealClassifier runs realistic Korean lines through the shipped guard
// model and the default policy.
func TestRealClassifier(t *testing.T) {
	g, err := guard.Default()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		lines []string
		want  []policy.Verdict
	}{
		{"ThreeSwearLinesWarnWarnEnd", []string{"씨발 언제 처리해 줄 거야", "이 개새끼야 전화 똑바로 받아", "병신 같은 상담원 바꿔"},
			[]policy.Verdict{policy.Warn, policy.Warn, policy.End}},
		{"SexualRemarkEndsAtOnce", []string{"목소리 섹시하네 오늘 만날래?"}, []policy.Verdict{policy.End}},
		{"AngryButCivilIsDelivered", []string{"이게 말이 됩니까! 책임자 바꿔요!", "몇 번을 말해야 알아듣습니까, 정말 답답하네요"},
			[]policy.Verdict{policy.Deliver, policy.Deliver}},
		{"DisguisedSwearingIsCaught", []string{"ㅅㅂ 진짜 짜증나네", "시1발 빨리 해"}, []policy.Verdict{policy.Warn, policy.Warn}},
		{"ThreatIsWarned", []string{"찾아가서 죽여버린다"}, []policy.Verdict{policy.Warn}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, policy.DefaultConfig(), g)
			c := w.open("c1", "caller-1", minwon.ChannelChat, "a1")
			for i, line := range tt.lines {
				d := w.say(c, line)
				if d.Verdict != tt.want[i] {
					t.Fatalf("%q: %s, want %s", line, d.Verdict, tt.want[i])
				}
				if d.Verdict != policy.Deliver && (d.Text == line || !strings.Contains(d.Text, "●")) {
					t.Errorf("%q shown unmasked as %q", line, d.Text)
				}
				if d.Verdict == policy.Deliver && d.Text != line {
					t.Errorf("clean line altered to %q", d.Text)
				}
			}
		})
	}
	t.Run("MaskHidesOnlyTheSwearWord", func(t *testing.T) {
		w := newWorld(t, policy.DefaultConfig(), g)
		c := w.open("c1", "caller-1", minwon.ChannelChat, "a1")
		if d := w.say(c, "씨발 언제 처리해 줄 거야"); d.Text != "●● 언제 처리해 줄 거야" {
			t.Fatalf("masked %q", d.Text)
		}
	})
}

// TestRebuild checks that state rebuilt from the stored events decides as
// the live state did.
func TestRebuild(t *testing.T) {
	w := newWorld(t, policy.DefaultConfig(), fake)
	c := w.open("c1", "caller-1", minwon.ChannelChat, "a1")
	w.say(c, swear1)
	w.say(c, swear2)

	re := &policy.Contact{}
	reg := policy.NewRegister()
	for _, ev := range w.log {
		if err := errors.Join(re.Apply(ev), reg.Apply(ev)); err != nil {
			t.Fatal(err)
		}
	}
	if re.ID != "c1" || re.AgentID != "a1" || re.Incident == nil || len(re.Incident.Warnings) != 2 {
		t.Fatalf("rebuilt %+v", re)
	}
	d, err := w.eng.Check(re, reg, policy.Input{Kind: minwon.ItemMessage, Text: swear3})
	if err != nil || d.Verdict != policy.End {
		t.Fatalf("rebuilt contact decides %s (%v), want end", d.Verdict, err)
	}
	if !slices.Contains(types(d.Events), minwon.EventStrikeRecorded) {
		t.Errorf("no strike from rebuilt register: %v", types(d.Events))
	}
}

func TestEventsCarryTheEnvelope(t *testing.T) {
	w := newWorld(t, policy.DefaultConfig(), fake)
	c := w.open("c1", "caller-1", minwon.ChannelChat, "a1")
	d := w.say(c, sexual)
	want := []minwon.EventType{minwon.EventIncidentOpened, minwon.EventIncidentItem, minwon.EventIncidentEnded,
		minwon.EventStrikeRecorded, minwon.EventCaseOpened, minwon.EventCallerFlagged, minwon.EventProtectiveBreak}
	if !slices.Equal(types(d.Events), want) {
		t.Fatalf("events %v, want %v", types(d.Events), want)
	}
	for _, ev := range d.Events {
		if ev.TenantID != tenant || ev.ContactID != "c1" || ev.AgentID != "a1" || !ev.At.Equal(w.clock.Now()) || ev.ID == "" {
			t.Errorf("%s envelope %+v", ev.Type, ev)
		}
	}
}
