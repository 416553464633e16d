package sip_test

import (
	"context"
	"io"
	"math"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/zaf/g711"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/sip"
)

// The three voices of a coached call, each a tone of its own, above the
// test catalogue's prompts (300 Hz to about 1.3 kHz).
const (
	coachCallerHz     = 1500
	coachCounselorHz  = 2200
	coachSupervisorHz = 2900
)

// toneSource is a continuous sine, 20 ms of PCMU at a time.
type toneSource struct {
	hz float64
	n  int
}

func (s *toneSource) next() []byte {
	out := make([]byte, 160)
	for i := range out {
		v := 6000 * math.Sin(2*math.Pi*s.hz*float64(s.n)/8000)
		out[i] = g711.EncodeUlawFrame(int16(v))
		s.n++
	}
	return out
}

// toneLevel is the amplitude of hz in PCMU audio (Goertzel): about the tone's
// own amplitude when it is there, near zero when not.
func toneLevel(audio []byte, hz float64) float64 {
	k := 2 * math.Cos(2*math.Pi*hz/8000)
	var s1, s2 float64
	for _, b := range audio {
		s := float64(g711.DecodeUlawFrame(b)) + k*s1 - s2
		s2, s1 = s1, s
	}
	p := s1*s1 + s2*s2 - k*s1*s2
	return 2 * math.Sqrt(math.Max(p, 0)) / float64(len(audio))
}

// Present and absent tones, in amplitude: the tones are 6000.
const heardLevel, unheardLevel = 2000, 300

// memLeg is a phone in memory: its microphone sends a tone every 20 ms
// and it keeps the last half second of what it hears.
type memLeg struct {
	mic      chan []byte
	done     chan struct{}
	hangOnce sync.Once
	mu       sync.Mutex
	stop     chan struct{} // closed while stopped
	stopped  bool
	heard    []byte
}

func newMemLeg(hz float64) *memLeg {
	l := &memLeg{mic: make(chan []byte, 2), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		src := &toneSource{hz: hz}
		t := time.NewTicker(20 * time.Millisecond) // a phone's real-time microphone
		defer t.Stop()
		for {
			select {
			case <-l.done:
				return
			case <-t.C:
			}
			select {
			case l.mic <- src.next():
			default:
			}
		}
	}()
	return l
}

func (l *memLeg) Read(b []byte) (int, error) {
	l.mu.Lock()
	stop := l.stop
	l.mu.Unlock()
	select {
	case p := <-l.mic:
		return copy(b, p), nil
	case <-stop:
		return 0, io.EOF
	}
}

func (l *memLeg) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.heard = append(l.heard, b...)
	l.heard = l.heard[max(0, len(l.heard)-4000):]
	return len(b), nil
}

func (l *memLeg) Codec() string         { return "PCMU" }
func (l *memLeg) Done() <-chan struct{} { return l.done }

func (l *memLeg) Stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.stopped {
		close(l.stop)
		l.stopped = true
	}
}

func (l *memLeg) Start() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stopped {
		l.stop, l.stopped = make(chan struct{}), false
	}
}

func (l *memLeg) Hangup(context.Context) error {
	l.hangOnce.Do(func() { close(l.done) })
	return nil
}

func (l *memLeg) recent() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]byte(nil), l.heard...)
}

// memPhones are desktops whose softphones answer at once with a memLeg
// per call; dialled gets each leg as it is rung.
type memPhones struct {
	hz      map[string]float64
	dialled chan *memLeg
}

func (p *memPhones) Ready(agent string) bool { _, ok := p.hz[agent]; return ok }

func (p *memPhones) Dial(ctx context.Context, call sip.SoftphoneCall) (sip.Leg, error) {
	l := newMemLeg(p.hz[call.AgentID])
	p.dialled <- l
	return l, nil
}

// recentAudio is the last half second the caller heard.
func (p *rtpPeer) recentAudio() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]byte(nil), p.audio[max(0, len(p.audio)-4000):]...)
}

// sendPayload sends one 20 ms PCMU packet of the caller's.
func (p *rtpPeer) sendPayload(payload []byte) {
	_, _, to := p.count()
	if to == nil {
		return
	}
	pkt := p.nextVoicePacket()
	copy(pkt[12:], payload)
	p.conn.WriteToUDP(pkt, to)
}

// TestCoachCall puts a supervisor on a live call in each mode and checks
// by tone who hears whom: the caller, counselor and supervisor each
// speak a frequency of their own.
func TestCoachCall(t *testing.T) {
	phones := &memPhones{hz: map[string]float64{"kim": coachCounselorHz, "park": coachSupervisorHz}, dialled: make(chan *memLeg, 4)}
	f := newFixture(t, 10, func(c *sip.Config) { c.Softphones = phones })
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.c.SaveTenant(f.ctx, "", minwon.Tenant{ID: "town", Name: "이웃군", EntryPoints: []string{"town"}, DefaultQueue: "general"}))
	must(f.c.SaveUser(f.ctx, "", minwon.User{ID: "park", TenantID: "city", Login: "park", Name: "박팀장", Roles: []minwon.Role{minwon.RoleSupervisor}}, "password123"))
	must(f.c.SaveUser(f.ctx, "", minwon.User{ID: "choi", TenantID: "town", Login: "choi", Name: "최팀장", Roles: []minwon.Role{minwon.RoleSupervisor}}, "password123"))
	f.available(t, "kim")
	peer := newRTPPeer(t)
	callerDone := f.callUntilBye(peer)
	ct := f.awaitOffer(t, peer, "kim")
	must(f.c.Accept(f.ctx, "kim", ct.ID))
	var kim *memLeg
	select {
	case kim = <-phones.dialled:
	case <-time.After(10 * time.Second):
		t.Fatal("kim's softphone was not rung")
	}
	caller := &toneSource{hz: coachCallerHz}
	talk := func() {
		peer.sendPayload(caller.next())
		time.Sleep(20 * time.Millisecond) // the caller's real-time pacing
	}
	// talkFor lets half a second of audio through, so the recent windows
	// hold only what was said from now on.
	talkFor := func() {
		for range 30 {
			talk()
		}
	}
	hears := func(audio []byte, hz float64) bool { return len(audio) >= 4000 && toneLevel(audio, hz) > heardLevel }
	notHears := func(t *testing.T, who string, audio []byte, hz float64) {
		t.Helper()
		if len(audio) < 4000 {
			t.Fatalf("%s heard only %d samples", who, len(audio))
		}
		if l := toneLevel(audio, hz); l > unheardLevel {
			t.Fatalf("%s hears %v Hz at %.0f", who, hz, l)
		}
	}
	eventually(t, "caller and counselor hear each other", 10*time.Second, func() bool {
		talk()
		return hears(kim.recent(), coachCallerHz) && hears(peer.recentAudio(), coachCounselorHz)
	})

	t.Run("OnlySupervisorsOfTheTenant", func(t *testing.T) {
		if err := f.c.Coach(f.ctx, "kim", ct.ID, minwon.CoachListen); minwon.ErrorCode(err) != minwon.EFORBIDDEN {
			t.Fatalf("a counselor coaching: %v, want forbidden", err)
		}
		if err := f.c.Coach(f.ctx, "choi", ct.ID, minwon.CoachListen); minwon.ErrorCode(err) != minwon.ENOTFOUND {
			t.Fatalf("another tenant's supervisor coaching: %v, want not found", err)
		}
		if err := f.c.Coach(f.ctx, "park", ct.ID, "shout"); minwon.ErrorCode(err) != minwon.EINVALID {
			t.Fatalf("mode shout: %v, want invalid", err)
		}
		select {
		case <-phones.dialled:
			t.Fatal("a refused coach rang a phone")
		default:
		}
	})

	var park *memLeg
	t.Run("ListenHearsBothAndNobodyHearsTheSupervisor", func(t *testing.T) {
		if err := f.c.Coach(f.ctx, "park", ct.ID, minwon.CoachListen); err != nil {
			t.Fatal(err)
		}
		select {
		case park = <-phones.dialled:
		case <-time.After(10 * time.Second):
			t.Fatal("park's softphone was not rung")
		}
		eventually(t, "the supervisor hears the caller and the counselor", 10*time.Second, func() bool {
			talk()
			a := park.recent()
			return hears(a, coachCallerHz) && hears(a, coachCounselorHz)
		})
		talkFor()
		notHears(t, "the counselor", kim.recent(), coachSupervisorHz)
		notHears(t, "the caller", peer.recentAudio(), coachSupervisorHz)
		if a := kim.recent(); !hears(a, coachCallerHz) {
			t.Fatalf("the counselor lost the caller while listened to (%.0f)", toneLevel(a, coachCallerHz))
		}
	})
	t.Run("WhisperReachesTheCounselorOnly", func(t *testing.T) {
		if err := f.c.Coach(f.ctx, "park", ct.ID, minwon.CoachWhisper); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the counselor hears the supervisor", 10*time.Second, func() bool {
			talk()
			a := kim.recent()
			return hears(a, coachSupervisorHz) && hears(a, coachCallerHz)
		})
		talkFor()
		notHears(t, "the caller", peer.recentAudio(), coachSupervisorHz)
		if a := park.recent(); !hears(a, coachCallerHz) || !hears(a, coachCounselorHz) {
			t.Fatal("the whispering supervisor stopped hearing the call")
		}
	})
	t.Run("BargeReachesBoth", func(t *testing.T) {
		if err := f.c.Coach(f.ctx, "park", ct.ID, minwon.CoachBarge); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the caller hears the supervisor", 10*time.Second, func() bool {
			talk()
			a := peer.recentAudio()
			return hears(a, coachSupervisorHz) && hears(a, coachCounselorHz)
		})
		if a := kim.recent(); !hears(a, coachSupervisorHz) {
			t.Fatal("the counselor stopped hearing the barging supervisor")
		}
	})
	t.Run("LeaveRestoresTheStraightCopy", func(t *testing.T) {
		if err := f.c.EndCoach(f.ctx, "park", ct.ID, "left"); err != nil {
			t.Fatal(err)
		}
		select {
		case <-park.Done():
		case <-time.After(5 * time.Second):
			t.Fatal("the supervisor's leg was not hung up")
		}
		talkFor()
		talkFor()
		notHears(t, "the counselor", kim.recent(), coachSupervisorHz)
		notHears(t, "the caller", peer.recentAudio(), coachSupervisorHz)
		if !hears(kim.recent(), coachCallerHz) || !hears(peer.recentAudio(), coachCounselorHz) {
			t.Fatal("caller and counselor lost each other when the supervisor left")
		}
		if err := f.c.EndCoach(f.ctx, "park", ct.ID, "left"); minwon.ErrorCode(err) != minwon.ENOTFOUND {
			t.Fatalf("leaving twice: %v, want not found", err)
		}
	})
	t.Run("SupervisorHangingUpEndsTheCoaching", func(t *testing.T) {
		if err := f.c.Coach(f.ctx, "park", ct.ID, minwon.CoachListen); err != nil {
			t.Fatal(err)
		}
		var again *memLeg
		select {
		case again = <-phones.dialled:
		case <-time.After(10 * time.Second):
			t.Fatal("park's softphone was not rung again")
		}
		eventually(t, "the supervisor hears the call", 10*time.Second, func() bool {
			talk()
			return hears(again.recent(), coachCallerHz)
		})
		again.Hangup(f.ctx)
		eventually(t, "the center hears the supervisor is gone", 5*time.Second, func() bool {
			_, _, on := f.c.Coaching(ct.ID)
			return !on
		})
	})
	t.Run("EventsAreStored", func(t *testing.T) {
		want := []string{"coach.started listen", "coach.mode whisper", "coach.mode barge", "coach.ended left", "coach.started listen", "coach.ended hung_up"}
		// The center forgets the coaching as it submits coach.ended, which
		// reaches the store a moment later.
		var evs []*minwon.Event
		eventually(t, "the coaching's events are stored", 5*time.Second, func() bool {
			var err error
			evs, err = f.store.Events(f.ctx, minwon.EventFilter{ContactID: ct.ID, Types: []minwon.EventType{minwon.EventCoachStarted, minwon.EventCoachMode, minwon.EventCoachEnded}})
			return err == nil && len(evs) >= len(want)
		})
		var got []string
		for _, ev := range evs {
			if ev.ActorID != "park" || ev.AgentID != "kim" {
				t.Errorf("%s by %q for %q, want park's on kim's call", ev.Type, ev.ActorID, ev.AgentID)
			}
			var p struct {
				Mode   string `json:"mode"`
				Reason string `json:"reason"`
			}
			ev.Decode(&p)
			got = append(got, string(ev.Type)+" "+p.Mode+p.Reason)
		}
		if len(got) != len(want) {
			t.Fatalf("events %q, want %q", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("events %q, want %q", got, want)
			}
		}
	})
	if _, err := f.c.EndChat(f.ctx, "kim", ct.ID); err != nil {
		t.Fatal(err)
	}
	awaitHangups(t, map[string]<-chan error{"caller": callerDone})
}

// TestCoachFromSIPPhone: a supervisor without a softphone is rung on
// their SIP phone, here sipp echoing what it hears. Echoed, the call comes
// back as the supervisor's voice: nobody hears it while they listen, the
// counselor hears their own voice in a whisper, and the caller does not.
func TestCoachFromSIPPhone(t *testing.T) {
	phones := &memPhones{hz: map[string]float64{"kim": coachCounselorHz}, dialled: make(chan *memLeg, 4)}
	phonePort := freePort(t)
	f := newFixture(t, 10, func(c *sip.Config) {
		c.Softphones = phones
		c.Endpoint = func(agent string) (string, bool) {
			return "sip:park@127.0.0.1:" + strconv.Itoa(phonePort), agent == "park"
		}
	})
	if _, err := f.c.SaveUser(f.ctx, "", minwon.User{ID: "park", TenantID: "city", Login: "park", Name: "박팀장", Roles: []minwon.Role{minwon.RoleSupervisor}}, "password123"); err != nil {
		t.Fatal(err)
	}
	f.available(t, "kim")
	peer := newRTPPeer(t)
	callerDone := f.callUntilBye(peer)
	ct := f.awaitOffer(t, peer, "kim")
	if _, err := f.c.Accept(f.ctx, "kim", ct.ID); err != nil {
		t.Fatal(err)
	}
	kim := <-phones.dialled
	caller := &toneSource{hz: coachCallerHz}
	talk := func() {
		peer.sendPayload(caller.next())
		time.Sleep(20 * time.Millisecond) // the caller's real-time pacing
	}
	hears := func(audio []byte, hz float64) bool { return len(audio) >= 4000 && toneLevel(audio, hz) > heardLevel }
	eventually(t, "caller and counselor hear each other", 10*time.Second, func() bool {
		talk()
		return hears(kim.recent(), coachCallerHz) && hears(peer.recentAudio(), coachCounselorHz)
	})
	phoneDone := f.echoPhone(t, phonePort)
	if err := f.c.Coach(f.ctx, "park", ct.ID, minwon.CoachListen); err != nil {
		t.Fatal(err)
	}
	// Listening: the echo goes nowhere, however long it runs.
	for range 100 {
		talk()
	}
	if l := toneLevel(kim.recent(), coachCounselorHz); l > unheardLevel {
		t.Fatalf("the counselor hears the listening supervisor's phone (%.0f)", l)
	}
	if _, _, on := f.c.Coaching(ct.ID); !on {
		t.Fatal("the supervisor's phone did not answer")
	}
	if err := f.c.Coach(f.ctx, "park", ct.ID, minwon.CoachWhisper); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the counselor hears the supervisor's phone", 10*time.Second, func() bool {
		talk()
		return hears(kim.recent(), coachCounselorHz)
	})
	if l := toneLevel(peer.recentAudio(), coachCallerHz); l > unheardLevel {
		t.Fatalf("the caller hears the whispering supervisor's phone (%.0f)", l)
	}
	if err := f.c.EndCoach(f.ctx, "park", ct.ID, "left"); err != nil {
		t.Fatal(err)
	}
	awaitHangups(t, map[string]<-chan error{"supervisor's phone": phoneDone})
	if _, err := f.c.EndChat(f.ctx, "kim", ct.ID); err != nil {
		t.Fatal(err)
	}
	awaitHangups(t, map[string]<-chan error{"caller": callerDone})
}
