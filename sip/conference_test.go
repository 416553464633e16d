package sip_test

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/sip"
)

// The interpreter's tone; the caller's and the counselor's are the coach
// test's (coach_test.go).
const interpreterHz = 2900

// confCall is a live call of a sipp caller (media in Go, a tone of its
// own) answered by kim on a softphone in memory, with both hearing each
// other.
type confCall struct {
	f      *fixture
	ct     *minwon.Contact
	peer   *rtpPeer
	kim    *memLeg
	caller *toneSource
	done   <-chan error
}

func newConfCall(t *testing.T, opts ...func(*sip.Config)) *confCall {
	t.Helper()
	phones := &memPhones{hz: map[string]float64{"kim": coachCounselorHz}, dialled: make(chan *memLeg, 4)}
	opts = append(opts, func(c *sip.Config) { c.Softphones = phones; c.TransferRing = 3 * time.Second })
	f := newFixture(t, 10, opts...)
	f.available(t, "kim")
	cc := &confCall{f: f, peer: newRTPPeer(t), caller: &toneSource{hz: coachCallerHz}}
	cc.done = f.callUntilBye(cc.peer)
	cc.ct = f.awaitOffer(t, cc.peer, "kim")
	if _, err := f.c.Accept(f.ctx, "kim", cc.ct.ID); err != nil {
		t.Fatal(err)
	}
	select {
	case cc.kim = <-phones.dialled:
	case <-time.After(10 * time.Second):
		t.Fatal("kim's softphone was not rung")
	}
	eventually(t, "caller and counselor hear each other", 10*time.Second, func() bool {
		cc.talk()
		return hears(cc.kim.recent(), coachCallerHz) && hears(cc.peer.recentAudio(), coachCounselorHz)
	})
	return cc
}

// talk sends 20 ms of the caller's tone, at the caller's real-time pace.
func (cc *confCall) talk() {
	cc.peer.sendPayload(cc.caller.next())
	time.Sleep(20 * time.Millisecond)
}

// talkFor lets a second of audio through, so the recent windows hold only
// what was said from now on.
func (cc *confCall) talkFor() {
	for range 50 {
		cc.talk()
	}
}

// twoWay checks the caller and the counselor hear each other and nobody
// hears the interpreter any more.
func (cc *confCall) twoWay(t *testing.T) {
	t.Helper()
	cc.talkFor()
	if !hears(cc.kim.recent(), coachCallerHz) || !hears(cc.peer.recentAudio(), coachCounselorHz) {
		t.Fatal("caller and counselor lost each other")
	}
	for who, a := range map[string][]byte{"counselor": cc.kim.recent(), "caller": cc.peer.recentAudio()} {
		if l := toneLevel(a, interpreterHz); l > unheardLevel {
			t.Fatalf("the %s still hears the interpreter (%.0f)", who, l)
		}
	}
}

// conferenceEvents are the contact's conference events as "type reason".
func (cc *confCall) conferenceEvents(t *testing.T) []string {
	t.Helper()
	evs, err := cc.f.store.Events(cc.f.ctx, minwon.EventFilter{ContactID: cc.ct.ID, Types: []minwon.EventType{
		minwon.EventConferenceRequested, minwon.EventConferenceJoined, minwon.EventConferenceLeft, minwon.EventConferenceFailed}})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, ev := range evs {
		var p minwon.ConferenceEnded
		ev.Decode(&p)
		out = append(out, string(ev.Type)+" "+p.Reason)
	}
	return out
}

func hears(audio []byte, hz float64) bool {
	return len(audio) >= 4000 && toneLevel(audio, hz) > heardLevel
}

// pcmLevel is toneLevel of 16-bit samples.
func pcmLevel(pcm []int16, hz float64) float64 {
	k := 2 * math.Cos(2*math.Pi*hz/8000)
	var s1, s2 float64
	for _, v := range pcm {
		s := float64(v) + k*s1 - s2
		s2, s1 = s1, s
	}
	p := s1*s1 + s2*s2 - k*s1*s2
	return 2 * math.Sqrt(math.Max(p, 0)) / float64(max(len(pcm), 1))
}

// lastHeard is the last half second baresip heard on its latest call.
func (b *baresip) lastHeard() []int16 {
	files, _ := filepath.Glob(filepath.Join(b.dir, "dump-*-dec.wav"))
	if len(files) == 0 {
		return nil
	}
	sort.Slice(files, func(i, j int) bool {
		a, _ := os.Stat(files[i])
		c, _ := os.Stat(files[j])
		return a.ModTime().Before(c.ModTime())
	})
	data, err := os.ReadFile(files[len(files)-1])
	if err != nil {
		return nil
	}
	i := bytes.Index(data, []byte("data"))
	if i < 0 || i+8 > len(data) {
		return nil
	}
	pcm := data[i+8:]
	pcm = pcm[max(0, len(pcm)-8000)&^1:]
	out := make([]int16, len(pcm)/2)
	for j := range out {
		out[j] = int16(uint16(pcm[2*j]) | uint16(pcm[2*j+1])<<8)
	}
	return out
}

// count is how many events of typ baresip reported.
func (b *baresip) count(typ string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, e := range b.events {
		if e["type"] == typ {
			n++
		}
	}
	return n
}

// TestInterpreterConference: an external interpreter, a real baresip
// phone with a tone of its own, is brought into a live call at its SIP
// URI. Each of the three hears the other two; the counselor drops them
// and the call goes on two-way; rung again, the interpreter hangs up and
// the call goes on too.
func TestInterpreterConference(t *testing.T) {
	bin := needBaresip(t)
	port := freeSIPPort(t)
	interp := startBaresip(t, bin, "<sip:bbb@127.0.0.1>;regint=0;answermode=auto;audio_codecs=PCMU", port, interpreterHz)
	cc := newConfCall(t)
	f := cc.f
	if _, err := f.c.SaveInterpreter(f.ctx, "admin", minwon.Interpreter{ID: "bbb", TenantID: "city", Name: "BBB 통역", Languages: []string{"en", "vi"},
		Address: "sip:bbb@127.0.0.1:" + strconv.Itoa(port)}); err != nil {
		t.Fatal(err)
	}

	t.Run("AllThreeHearTheOtherTwo", func(t *testing.T) {
		if _, err := f.c.RequestInterpreter(f.ctx, "kim", cc.ct.ID, "en"); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the interpreter joins", 10*time.Second, func() bool {
			cc.talk()
			c, on := f.c.Conference(cc.ct.ID)
			return on && c.Joined
		})
		eventually(t, "the counselor hears the caller and the interpreter", 10*time.Second, func() bool {
			cc.talk()
			a := cc.kim.recent()
			return hears(a, coachCallerHz) && hears(a, interpreterHz)
		})
		eventually(t, "the caller hears the counselor and the interpreter", 5*time.Second, func() bool {
			cc.talk()
			a := cc.peer.recentAudio()
			return hears(a, coachCounselorHz) && hears(a, interpreterHz)
		})
		eventually(t, "the interpreter hears the caller and the counselor", 5*time.Second, func() bool {
			cc.talk()
			a := interp.lastHeard()
			return len(a) >= 4000 && pcmLevel(a, coachCallerHz) > heardLevel && pcmLevel(a, coachCounselorHz) > heardLevel
		})
		// Nobody hears their own voice back.
		if l := toneLevel(cc.kim.recent(), coachCounselorHz); l > unheardLevel {
			t.Fatalf("the counselor hears themselves (%.0f)", l)
		}
		if l := pcmLevel(interp.lastHeard(), interpreterHz); l > unheardLevel {
			t.Fatalf("the interpreter hears themselves (%.0f)", l)
		}
	})
	t.Run("TheBoardShowsTheInterpreter", func(t *testing.T) {
		for _, l := range f.board.Snapshot().Live {
			if l.ContactID == cc.ct.ID {
				if l.Interpreter == nil || l.Interpreter.Name != "BBB 통역" || l.Interpreter.Language != "en" || !l.Interpreter.Joined {
					t.Fatalf("board row %+v, want BBB joined on en", l)
				}
				return
			}
		}
		t.Fatal("the call is not on the board")
	})
	t.Run("OneAtATime", func(t *testing.T) {
		if _, err := f.c.RequestInterpreter(f.ctx, "kim", cc.ct.ID, "vi"); minwon.ErrorCode(err) != minwon.ECONFLICT {
			t.Fatalf("a second interpreter: %v, want conflict", err)
		}
	})
	t.Run("DroppingLeavesTwoWay", func(t *testing.T) {
		if err := f.c.DropInterpreter(f.ctx, "kim", cc.ct.ID); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the interpreter's phone is hung up", 5*time.Second, func() bool { cc.talk(); return interp.count("CALL_CLOSED") == 1 })
		cc.twoWay(t)
	})
	t.Run("InterpreterHangingUpLeavesTwoWay", func(t *testing.T) {
		if _, err := f.c.RequestInterpreter(f.ctx, "kim", cc.ct.ID, "vi"); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the counselor hears the interpreter again", 10*time.Second, func() bool {
			cc.talk()
			return hears(cc.kim.recent(), interpreterHz)
		})
		interp.command("hangup", "")
		eventually(t, "the center hears the interpreter is gone", 5*time.Second, func() bool {
			cc.talk()
			_, on := f.c.Conference(cc.ct.ID)
			return !on
		})
		cc.twoWay(t)
	})
	t.Run("EventsAreStored", func(t *testing.T) {
		got := cc.conferenceEvents(t)
		want := []string{"conference.requested ", "conference.joined ", "conference.left dropped",
			"conference.requested ", "conference.joined ", "conference.left hung_up"}
		if !slices.Equal(got, want) {
			t.Fatalf("events %q, want %q", got, want)
		}
	})
	if _, err := f.c.EndChat(f.ctx, "kim", cc.ct.ID); err != nil {
		t.Fatal(err)
	}
	awaitHangups(t, map[string]<-chan error{"caller": cc.done})
}

// TestInterpreterLineThroughTheTrunk: an interpretation line known by its
// phone number is dialled through the SIP trunk (sipp as the trunk). A
// busy line and no free interpreter fail with their reasons; a line that
// answers is heard (it echoes the call) and, when it hangs up, the call
// goes on between the caller and the counselor.
func TestInterpreterLineThroughTheTrunk(t *testing.T) {
	trunk := freePort(t)
	cc := newConfCall(t, func(c *sip.Config) { c.Trunk = "sip:127.0.0.1:" + strconv.Itoa(trunk) })
	f := cc.f
	if _, err := f.c.SaveInterpreter(f.ctx, "admin", minwon.Interpreter{ID: "bbb", TenantID: "city", Name: "BBB", Languages: []string{"zh"}, Address: "1588-5644"}); err != nil {
		t.Fatal(err)
	}
	t.Run("BusyLine", func(t *testing.T) {
		line := f.uas(t, "busy_486.xml", trunk)
		time.Sleep(300 * time.Millisecond) // sipp binds its port
		if _, err := f.c.RequestInterpreter(f.ctx, "kim", cc.ct.ID, "zh"); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the request fails", 10*time.Second, func() bool {
			cc.talk()
			_, on := f.c.Conference(cc.ct.ID)
			return !on
		})
		awaitHangups(t, map[string]<-chan error{"busy line": line})
	})
	t.Run("NoAnswer", func(t *testing.T) {
		line := f.uas(t, "ring_no_answer.xml", trunk)
		time.Sleep(300 * time.Millisecond)
		if _, err := f.c.RequestInterpreter(f.ctx, "kim", cc.ct.ID, "zh"); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the ring times out", 10*time.Second, func() bool {
			cc.talk()
			_, on := f.c.Conference(cc.ct.ID)
			return !on
		})
		awaitHangups(t, map[string]<-chan error{"unanswered line": line})
	})
	t.Run("NoInterpreterFree", func(t *testing.T) {
		if _, err := f.c.RequestInterpreter(f.ctx, "kim", cc.ct.ID, "ja"); minwon.ErrorCode(err) != minwon.EUNAVAILABLE {
			t.Fatalf("japanese: %v, want unavailable", err)
		}
	})
	t.Run("AnsweredHeardAndHungUp", func(t *testing.T) {
		line := f.uas(t, "interpreter_line.xml", trunk)
		time.Sleep(300 * time.Millisecond)
		if _, err := f.c.RequestInterpreter(f.ctx, "kim", cc.ct.ID, "zh"); err != nil {
			t.Fatal(err)
		}
		// The line echoes what it hears, the caller and the counselor: the
		// counselor hears their own voice only through the interpreter.
		eventually(t, "the counselor hears the interpretation line", 10*time.Second, func() bool {
			cc.talk()
			return hears(cc.kim.recent(), coachCounselorHz)
		})
		if c, on := f.c.Conference(cc.ct.ID); !on || !c.Joined {
			t.Fatalf("conference %+v %v, want joined", c, on)
		}
		eventually(t, "the line hangs up and the center hears it", 15*time.Second, func() bool {
			cc.talk()
			_, on := f.c.Conference(cc.ct.ID)
			return !on
		})
		awaitHangups(t, map[string]<-chan error{"interpretation line": line})
		cc.talkFor()
		if l := toneLevel(cc.kim.recent(), coachCounselorHz); l > unheardLevel {
			t.Fatalf("the counselor still hears the line's echo (%.0f)", l)
		}
		if !hears(cc.kim.recent(), coachCallerHz) || !hears(cc.peer.recentAudio(), coachCounselorHz) {
			t.Fatal("caller and counselor lost each other")
		}
	})
	t.Run("EventsAreStored", func(t *testing.T) {
		got := cc.conferenceEvents(t)
		want := []string{"conference.requested ", "conference.failed busy", "conference.requested ", "conference.failed no_answer", "conference.failed no_interpreter",
			"conference.requested ", "conference.joined ", "conference.left hung_up"}
		if !slices.Equal(got, want) {
			t.Fatalf("events %q, want %q", got, want)
		}
	})
	if _, err := f.c.EndChat(f.ctx, "kim", cc.ct.ID); err != nil {
		t.Fatal(err)
	}
	awaitHangups(t, map[string]<-chan error{"caller": cc.done})
}
