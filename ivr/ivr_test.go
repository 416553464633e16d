package ivr_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/minwon/minwon/ivr"
)

// call drives a machine the way the sip adapter does and writes down what it
// was told to do, one line per action.
type call struct {
	t    *testing.T
	m    *ivr.Machine
	now  time.Time
	seq  int // Seq of the latest Play
	log  []string
	acts []ivr.Action
}

func newCall(t *testing.T, cfg ivr.Config) *call {
	c := &call{t: t, m: ivr.New(cfg), now: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)}
	c.take(c.m.Start(c.now))
	return c
}

func (c *call) take(acts []ivr.Action) {
	c.acts = acts
	for _, a := range acts {
		switch a.Kind {
		case ivr.ActPlay:
			c.seq = a.Seq
			ps := make([]string, len(a.Prompts))
			for i, p := range a.Prompts {
				ps[i] = string(p)
			}
			c.log = append(c.log, "play "+a.Lang+" "+strings.Join(ps, "+"))
		case ivr.ActHold:
			c.log = append(c.log, "hold")
		case ivr.ActEnqueue:
			c.log = append(c.log, "enqueue "+a.Lang)
		case ivr.ActConnect:
			c.log = append(c.log, "connect")
		case ivr.ActLeave:
			c.log = append(c.log, "leave")
		case ivr.ActHangup:
			c.log = append(c.log, "hangup")
		case ivr.ActOffered:
			c.log = append(c.log, "offered")
		case ivr.ActCallback:
			c.log = append(c.log, "callback "+a.Number)
		}
	}
}

// do runs one step of a script: played, digit N, wait D (advance the clock
// and fire the timer if due), hangup, queued P W, rejected, answered, ended.
func (c *call) do(step string) {
	c.t.Helper()
	f := strings.Fields(step)
	var in ivr.Input
	switch f[0] {
	case "played":
		in = ivr.Input{Kind: ivr.InputPlayed, Seq: c.seq}
	case "digit":
		in = ivr.Input{Kind: ivr.InputDigit, Digit: rune(f[1][0])}
	case "wait":
		d, err := time.ParseDuration(f[1])
		if err != nil {
			c.t.Fatal(err)
		}
		c.now = c.now.Add(d)
		in = ivr.Input{Kind: ivr.InputTimer}
	case "hangup":
		in = ivr.Input{Kind: ivr.InputHangup}
	case "queued":
		var pos int
		var wait time.Duration
		fmt.Sscan(f[1], &pos)
		wait, _ = time.ParseDuration(f[2])
		in = ivr.Input{Kind: ivr.InputQueued, Position: pos, Wait: wait}
	case "position":
		var pos int
		fmt.Sscan(f[1], &pos)
		wait, _ := time.ParseDuration(f[2])
		in = ivr.Input{Kind: ivr.InputPosition, Position: pos, Wait: wait}
	case "rejected":
		in = ivr.Input{Kind: ivr.InputRejected}
	case "answered":
		in = ivr.Input{Kind: ivr.InputAnswered}
	case "ended":
		in = ivr.Input{Kind: ivr.InputEnded}
	case "booked":
		in = ivr.Input{Kind: ivr.InputBooked}
	case "requeued":
		in = ivr.Input{Kind: ivr.InputRequeued}
	case "stale":
		in = ivr.Input{Kind: ivr.InputPlayed, Seq: c.seq - 1}
	default:
		c.t.Fatalf("bad step %q", step)
	}
	c.take(c.m.Handle(c.now, in))
}

func TestFlow(t *testing.T) {
	// The opening every call hears.
	intro := []string{"play ko greeting", "play ko notice", "play ko menu"}
	tests := []struct {
		name  string
		steps []string
		want  []string // after intro
		state ivr.State
		intro int // opening prompts heard; 0: all three
	}{
		{"AnsweredInKorean",
			[]string{"played", "played", "played", "digit 1", "queued 3 2m30s", "played", "answered", "played"},
			[]string{"enqueue ko", "play ko queued+position_3+wait_3", "hold", "play ko connecting", "connect"},
			ivr.StateConnected, 0},
		{"TransferredBackToAQueueHoldsThenConnectsAgain",
			[]string{"played", "played", "played", "digit 1", "queued 1 0s", "answered", "played", "requeued", "answered", "played"},
			[]string{"enqueue ko", "play ko queued+position_1+wait_short", "play ko connecting", "connect", "hold", "play ko connecting", "connect"},
			ivr.StateConnected, 0},
		{"RequeuedBeforeQueuedIsIgnored",
			[]string{"played", "played", "requeued"},
			nil,
			ivr.StateMenu, 0},
		{"EnglishMenuChoiceSwitchesPrompts",
			[]string{"played", "played", "played", "digit 2", "queued 1 20s"},
			[]string{"enqueue en", "play en queued+position_1+wait_short"},
			ivr.StateQueued, 0},
		{"KeyDuringMenuPlaybackCounts",
			[]string{"played", "played", "digit 4", "queued 25 45m"},
			[]string{"enqueue vi", "play vi queued+position_many+wait_long"},
			ivr.StateQueued, 0},
		{"KeysDuringGreetingAndNoticeAreIgnored",
			[]string{"digit 2", "played", "digit 2", "played"},
			nil,
			ivr.StateMenu, 0},
		{"InvalidKeyReplaysMenu",
			[]string{"played", "played", "played", "digit 9", "played", "digit 3"},
			[]string{"play ko invalid+menu", "enqueue zh"},
			ivr.StateQueuing, 0},
		{"NoKeyTakesDefaultAfterThreeMenus",
			[]string{"played", "played", "played", "wait 4s", "wait 1s", "played", "wait 5s", "played", "wait 5s"},
			[]string{"play ko menu", "play ko menu", "enqueue ko"},
			ivr.StateQueuing, 0},
		{"TimerDoesNotRunWhileMenuPlays",
			[]string{"played", "played", "wait 1m"},
			nil,
			ivr.StateMenu, 0},
		{"PositionAnnouncedAgainOverHold",
			[]string{"played", "played", "played", "digit 1", "queued 5 4m", "played", "position 2 50s", "wait 29s", "wait 1s", "played"},
			[]string{"enqueue ko", "play ko queued+position_5+wait_4", "hold", "play ko position_2+wait_short", "hold"},
			ivr.StateQueued, 0},
		{"StalePlayDoneIsIgnored",
			[]string{"played", "played", "played", "digit 1", "queued 1 0s", "stale"},
			[]string{"enqueue ko", "play ko queued+position_1+wait_short"},
			ivr.StateQueued, 0},
		{"RejectedPlaysBusyAndHangsUp",
			[]string{"played", "played", "played", "digit 1", "rejected", "played"},
			[]string{"enqueue ko", "play ko busy", "hangup"},
			ivr.StateDone, 0},
		{"CounselorEndsCall",
			[]string{"played", "played", "played", "digit 1", "queued 1 0s", "answered", "played", "ended", "played"},
			[]string{"enqueue ko", "play ko queued+position_1+wait_short", "play ko connecting", "connect", "play ko goodbye", "hangup"},
			ivr.StateDone, 0},
		{"HangupInGreeting", []string{"hangup"}, nil, ivr.StateDone, 1},
		{"HangupInNotice", []string{"played", "hangup"}, nil, ivr.StateDone, 2},
		{"HangupInMenu", []string{"played", "played", "hangup"}, nil, ivr.StateDone, 0},
		{"HangupWhileQueuedAbandons",
			[]string{"played", "played", "played", "digit 1", "queued 2 1m", "played", "hangup"},
			[]string{"enqueue ko", "play ko queued+position_2+wait_1", "hold", "leave"},
			ivr.StateDone, 0},
		{"HangupWhileConnectingLeaves",
			[]string{"played", "played", "played", "digit 1", "queued 1 0s", "answered", "hangup"},
			[]string{"enqueue ko", "play ko queued+position_1+wait_short", "play ko connecting", "leave"},
			ivr.StateDone, 0},
		{"HangupWhenConnectedLeaves",
			[]string{"played", "played", "played", "digit 1", "queued 1 0s", "answered", "played", "hangup"},
			[]string{"enqueue ko", "play ko queued+position_1+wait_short", "play ko connecting", "connect", "leave"},
			ivr.StateDone, 0},
		{"NothingAfterDone",
			[]string{"hangup", "played", "digit 1", "answered", "hangup"},
			nil, ivr.StateDone, 1},
		{"AnsweredBeforeQueuedIsIgnored",
			[]string{"answered", "played", "answered", "played", "answered"},
			nil, ivr.StateMenu, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCall(t, ivr.DefaultConfig())
			for _, s := range tt.steps {
				c.do(s)
			}
			want := intro
			if tt.intro > 0 {
				want = intro[:tt.intro]
			}
			want = append(append([]string{}, want...), tt.want...)
			if strings.Join(c.log, "\n") != strings.Join(want, "\n") {
				t.Errorf("actions:\n%s\nwant:\n%s", strings.Join(c.log, "\n"), strings.Join(want, "\n"))
			}
			if got := c.m.State(); got != tt.state {
				t.Errorf("state %s, want %s", got, tt.state)
			}
		})
	}
}

// TestNoticeBeforeEveryConnect plays every short sequence of inputs and checks
// that no call reaches a counselor without the recording notice, and that
// queueing always follows it too.
func TestNoticeBeforeEveryConnect(t *testing.T) {
	steps := []string{"played", "digit 1", "digit 7", "wait 6s", "queued 1 0s", "answered", "rejected", "ended"}
	var walk func(prefix []string, depth int)
	n := 0
	walk = func(prefix []string, depth int) {
		c := newCall(t, ivr.DefaultConfig())
		for _, s := range prefix {
			c.do(s)
		}
		noticed := false
		for _, l := range c.log {
			if l == "play ko notice" {
				noticed = true
			}
			if (l == "connect" || strings.HasPrefix(l, "enqueue")) && !noticed {
				t.Fatalf("%s before the notice after %v: %v", l, prefix, c.log)
			}
		}
		n++
		if depth == 0 {
			return
		}
		for _, s := range steps {
			walk(append(append([]string{}, prefix...), s), depth-1)
		}
	}
	walk(nil, 5)
	if n < 1000 {
		t.Fatalf("walked only %d sequences", n)
	}
}

func TestDeadline(t *testing.T) {
	c := newCall(t, ivr.DefaultConfig())
	if _, ok := c.m.Deadline(); ok {
		t.Fatal("a deadline while the greeting plays")
	}
	c.do("played")
	c.do("played")
	c.do("played")
	d, ok := c.m.Deadline()
	if !ok || d.Sub(c.now) != 5*time.Second {
		t.Fatalf("menu deadline %v %v, want 5s from now", d, ok)
	}
	c.do("digit 1")
	if _, ok := c.m.Deadline(); ok {
		t.Fatal("the menu timer still runs after a choice")
	}
	c.do("queued 1 10s")
	if d, ok := c.m.Deadline(); !ok || d.Sub(c.now) != 30*time.Second {
		t.Fatalf("announce deadline %v, want 30s from now", d.Sub(c.now))
	}
}

func TestPrompts(t *testing.T) {
	for _, tt := range []struct {
		got  ivr.Prompt
		want string
	}{
		{ivr.PositionPrompt(0), "position_1"},
		{ivr.PositionPrompt(1), "position_1"},
		{ivr.PositionPrompt(20), "position_20"},
		{ivr.PositionPrompt(21), "position_many"},
		{ivr.WaitPrompt(0), "wait_short"},
		{ivr.WaitPrompt(59 * time.Second), "wait_short"},
		{ivr.WaitPrompt(time.Minute), "wait_1"},
		{ivr.WaitPrompt(61 * time.Second), "wait_2"},
		{ivr.WaitPrompt(30 * time.Minute), "wait_30"},
		{ivr.WaitPrompt(31 * time.Minute), "wait_long"},
	} {
		if string(tt.got) != tt.want {
			t.Errorf("got %s, want %s", tt.got, tt.want)
		}
	}
	// Every prompt the machine can ask for is in the catalogue list.
	all := map[ivr.Prompt]bool{}
	for _, p := range ivr.AllPrompts() {
		all[p] = true
	}
	for _, p := range []ivr.Prompt{ivr.Greeting, ivr.Notice, ivr.Menu, ivr.Invalid, ivr.Queued, ivr.Connecting, ivr.Busy, ivr.Goodbye, ivr.Hold,
		ivr.CallbackOffer, ivr.CallbackNumber, ivr.CallbackKeys, ivr.CallbackBooked, ivr.DigitPrompt('0'), ivr.DigitPrompt('9'),
		ivr.PositionPrompt(1), ivr.PositionPrompt(20), ivr.PositionPrompt(99), ivr.WaitPrompt(0), ivr.WaitPrompt(30 * time.Minute), ivr.WaitPrompt(time.Hour)} {
		if !all[p] {
			t.Errorf("%s is not in AllPrompts", p)
		}
	}
}

func TestScheduleBranches(t *testing.T) {
	quake, moved := ivr.Prompt("notice:city/quake"), ivr.Prompt("notice:city/moved")
	tests := []struct {
		name  string
		sched ivr.Schedule
		steps []string
		want  []string // after the greeting
		state ivr.State
	}{
		{"OpenWithoutNoticesIsTheUsualFlow",
			ivr.Schedule{},
			[]string{"played", "played", "digit 1"},
			[]string{"play ko notice", "play ko menu", "enqueue ko"},
			ivr.StateQueuing},
		{"ClosedSaysWhyAndEndsWithoutQueueing",
			ivr.Schedule{Closed: true, Closing: []ivr.Prompt{ivr.AfterHours}},
			[]string{"played", "digit 1", "played"},
			[]string{"play ko after_hours+thanks", "hangup"},
			ivr.StateDone},
		{"ClosedForAHolidayNamesItAndPlaysTheNotices",
			ivr.Schedule{Closed: true, Closing: []ivr.Prompt{"holiday_chuseok", ivr.Holiday}, Notices: []ivr.Prompt{moved}},
			[]string{"played", "played"},
			[]string{"play ko holiday_chuseok+holiday+notice:city/moved+thanks", "hangup"},
			ivr.StateDone},
		{"NoticesPlayBeforeTheRecordingNoticeAndMenu",
			ivr.Schedule{Notices: []ivr.Prompt{quake, moved}},
			[]string{"played", "digit 2", "played", "played", "digit 2"},
			[]string{"play ko notice:city/quake+notice:city/moved", "play ko notice", "play ko menu", "enqueue en"},
			ivr.StateQueuing},
		{"ReplacingNoticeGoesToTheQueueInTheDefaultLanguage",
			ivr.Schedule{Notices: []ivr.Prompt{quake}, ReplaceMenu: true},
			[]string{"played", "played", "played"},
			[]string{"play ko notice:city/quake", "play ko notice", "enqueue ko"},
			ivr.StateQueuing},
		{"ReplacingNoticeThatEndsHangsUp",
			ivr.Schedule{Notices: []ivr.Prompt{quake}, ReplaceMenu: true, End: true},
			[]string{"played", "played", "played"},
			[]string{"play ko notice:city/quake", "play ko thanks", "hangup"},
			ivr.StateDone},
		{"HangupDuringTheClosedMessageLeavesNothing",
			ivr.Schedule{Closed: true, Closing: []ivr.Prompt{ivr.Lunch}},
			[]string{"played", "hangup"},
			[]string{"play ko lunch+thanks"},
			ivr.StateDone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &call{t: t, m: ivr.New(ivr.DefaultConfig()), now: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)}
			c.take(c.m.StartWith(c.now, tt.sched))
			for _, s := range tt.steps {
				c.do(s)
			}
			want := append([]string{"play ko greeting"}, tt.want...)
			if strings.Join(c.log, "\n") != strings.Join(want, "\n") {
				t.Fatalf("actions:\n%s\nwant:\n%s", strings.Join(c.log, "\n"), strings.Join(want, "\n"))
			}
			if c.m.State() != tt.state {
				t.Fatalf("state %s, want %s", c.m.State(), tt.state)
			}
			// What Plan says a caller hears is what the machine played, up
			// to the menu, the queue or the end.
			var heard []string
			for _, l := range c.log {
				if p, ok := strings.CutPrefix(l, "play ko "); ok {
					heard = append(heard, strings.Split(p, "+")...)
				}
			}
			var plan []string
			for _, p := range ivr.Plan(tt.sched) {
				plan = append(plan, string(p))
			}
			if n := len(plan); n > len(heard) || strings.Join(heard[:n], "+") != strings.Join(plan, "+") {
				t.Fatalf("plan %v, heard %v", plan, heard)
			}
		})
	}
}

func TestCallbackOffer(t *testing.T) {
	// The tenant offers a callback beyond 5 minutes; the caller calls from 0212.
	offer := ivr.Schedule{CallbackAfter: 5 * time.Minute, CallbackNumber: "0212"}
	queued := []string{"played", "played", "played", "digit 1"} // greeting, notice, menu, 한국어
	readBack := "play ko callback_number+digit_0+digit_2+digit_1+digit_2+callback_keys"
	tests := []struct {
		name  string
		sched ivr.Schedule
		steps []string
		want  []string // after the greeting, notice, menu and "enqueue ko"
		state ivr.State
	}{
		{"ShortWaitIsNotOffered",
			offer,
			[]string{"queued 2 4m", "played", "digit 1", "wait 30s"},
			[]string{"play ko queued+position_2+wait_4", "hold", "play ko position_2+wait_4"},
			ivr.StateQueued},
		{"LongWaitIsOfferedOnceAsAnEvent",
			offer,
			[]string{"queued 9 12m", "played", "wait 30s"},
			[]string{"play ko queued+position_9+wait_12+callback_offer", "offered", "hold", "play ko position_9+wait_12+callback_offer"},
			ivr.StateQueued},
		{"OfferComesWhenTheWaitGrows",
			offer,
			[]string{"queued 2 4m", "position 2 6m", "wait 30s"},
			[]string{"play ko queued+position_2+wait_4", "play ko position_2+wait_6+callback_offer", "offered"},
			ivr.StateQueued},
		{"WithheldNumberIsNeverOffered",
			ivr.Schedule{CallbackAfter: 5 * time.Minute},
			[]string{"queued 9 12m", "digit 1"},
			[]string{"play ko queued+position_9+wait_12"},
			ivr.StateQueued},
		{"TenantWithoutThresholdIsNeverOffered",
			ivr.Schedule{CallbackNumber: "0212"},
			[]string{"queued 9 12m", "digit 1"},
			[]string{"play ko queued+position_9+wait_12"},
			ivr.StateQueued},
		{"AcceptedAndConfirmedKeepsThePlaceAndEndsWithoutLeaving",
			offer,
			[]string{"queued 9 12m", "digit 1", "played", "digit 1", "booked", "played"},
			[]string{"play ko queued+position_9+wait_12+callback_offer", "offered", readBack, "callback 0212", "play ko callback_booked", "hangup"},
			ivr.StateDone},
		{"HangupDuringTheGoodbyeAfterBookingDoesNotAbandon",
			offer,
			[]string{"queued 9 12m", "digit 1", "digit 1", "booked", "hangup"},
			[]string{"play ko queued+position_9+wait_12+callback_offer", "offered", readBack, "callback 0212", "play ko callback_booked"},
			ivr.StateDone},
		{"TwoKeepsWaitingAndIsNotOfferedAgain",
			offer,
			[]string{"queued 9 12m", "digit 1", "digit 2", "wait 30s", "digit 1"},
			[]string{"play ko queued+position_9+wait_12+callback_offer", "offered", readBack, "hold", "play ko position_9+wait_12"},
			ivr.StateQueued},
		{"WrongKeyReadsTheNumberAgainThenKeepsWaiting",
			offer,
			[]string{"queued 9 12m", "digit 1", "digit 5", "played", "wait 5s", "played", "wait 5s"},
			[]string{"play ko queued+position_9+wait_12+callback_offer", "offered", readBack,
				"play ko invalid+callback_number+digit_0+digit_2+digit_1+digit_2+callback_keys", readBack, "hold"},
			ivr.StateQueued},
		{"CenterRefusingTheCallbackKeepsTheCallerOnTheLine",
			offer,
			[]string{"queued 9 12m", "digit 1", "digit 1", "rejected", "played", "wait 30s"},
			[]string{"play ko queued+position_9+wait_12+callback_offer", "offered", readBack, "callback 0212", "play ko queued", "hold", "play ko position_9+wait_12"},
			ivr.StateQueued},
		{"HangupWhileConfirmingIsAbandoned",
			offer,
			[]string{"queued 9 12m", "digit 1", "hangup"},
			[]string{"play ko queued+position_9+wait_12+callback_offer", "offered", readBack, "leave"},
			ivr.StateDone},
		{"CounselorAnsweringWhileConfirmingConnects",
			offer,
			[]string{"queued 9 12m", "digit 1", "answered", "played"},
			[]string{"play ko queued+position_9+wait_12+callback_offer", "offered", readBack, "play ko connecting", "connect"},
			ivr.StateConnected},
		{"CounselorAnsweringWhileBookingConnects",
			offer,
			[]string{"queued 9 12m", "digit 1", "digit 1", "answered", "rejected", "played"},
			[]string{"play ko queued+position_9+wait_12+callback_offer", "offered", readBack, "callback 0212", "play ko connecting", "connect"},
			ivr.StateConnected},
		{"KeyBeforeTheOfferIsIgnored",
			offer,
			[]string{"queued 2 1m", "digit 1", "position 2 10m", "digit 9"},
			[]string{"play ko queued+position_2+wait_1"},
			ivr.StateQueued},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &call{t: t, m: ivr.New(ivr.DefaultConfig()), now: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)}
			c.take(c.m.StartWith(c.now, tt.sched))
			for _, s := range append(append([]string{}, queued...), tt.steps...) {
				c.do(s)
			}
			want := append([]string{"play ko greeting", "play ko notice", "play ko menu", "enqueue ko"}, tt.want...)
			if strings.Join(c.log, "\n") != strings.Join(want, "\n") {
				t.Fatalf("actions:\n%s\nwant:\n%s", strings.Join(c.log, "\n"), strings.Join(want, "\n"))
			}
			if c.m.State() != tt.state {
				t.Fatalf("state %s, want %s", c.m.State(), tt.state)
			}
		})
	}
}

func TestHolidayPrompt(t *testing.T) {
	for name, want := range map[string]ivr.Prompt{
		"추석": "holiday_chuseok", "추석 전날": "holiday_chuseok", "설날 다음날": "holiday_seollal",
		"부처님오신날": "holiday_buddha", "대체공휴일(추석)": "holiday_substitute", "임시공휴일": "",
	} {
		got, ok := ivr.HolidayPrompt(name)
		if got != want || ok != (want != "") {
			t.Errorf("HolidayPrompt(%q) = %q %v, want %q", name, got, ok, want)
		}
	}
}
