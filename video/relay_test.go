package video_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/inmem"
	"github.com/minwon/minwon/video"
	"github.com/minwon/minwon/video/videotest"
)

// MustOpenRelay returns a relay on loopback that reports its legs on a channel.
func MustOpenRelay(t *testing.T, max int) (*video.Relay, chan video.LegEvent) {
	t.Helper()
	legs := make(chan video.LegEvent, 32)
	cfg := video.DefaultConfig()
	cfg.MaxSessions, cfg.Loopback = max, true
	cfg.OnLeg = func(ev video.LegEvent) { legs <- ev }
	r, err := video.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r, legs
}

// connect offers p's media for a side of a contact and applies the answer.
func connect(t *testing.T, r *video.Relay, p *videotest.Peer, contact, side string) {
	t.Helper()
	ans, err := r.Offer(context.Background(), contact, side, p.Offer())
	if err != nil {
		t.Fatalf("offer as %s: %v", side, err)
	}
	p.Answer(ans)
}

func TestRelay(t *testing.T) {
	t.Run("ForwardsBothWays", func(t *testing.T) {
		r, legs := MustOpenRelay(t, 4)
		citizen, agent := videotest.NewPeer(t, "citizen"), videotest.NewPeer(t, "agent")
		connect(t, r, citizen, "c1", minwon.VideoCitizen)
		connect(t, r, agent, "c1", minwon.VideoAgent)
		if !citizen.SendUntil("from-citizen", func() bool {
			return agent.Received("video", "from-citizen-video") && agent.Received("audio", "from-citizen-audio")
		}) {
			t.Fatal("the counselor never received the citizen's video and audio")
		}
		if !agent.SendUntil("from-agent", func() bool {
			return citizen.Received("video", "from-agent-video") && citizen.Received("audio", "from-agent-audio")
		}) {
			t.Fatal("the citizen never received the counselor's video and audio")
		}
		if !citizen.SawPLI() {
			t.Error("the citizen's camera was never asked for a keyframe")
		}
		up := map[string]bool{}
		for len(up) < 2 {
			select {
			case ev := <-legs:
				if ev.Up {
					up[ev.Side] = true
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("legs up: %v", up)
			}
		}
		bus := inmem.NewBus()
		defer r.Follow(bus)()
		ev := minwon.NewEvent(minwon.EventContactEnded, time.Now(), nil)
		ev.ContactID = "c1"
		bus.Publish(context.Background(), ev)
		ended := map[string]bool{}
		for len(ended) < 2 {
			select {
			case ev := <-legs:
				if !ev.Up && ev.Reason == "ended" && ev.Connected > 0 {
					ended[ev.Side] = true
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("legs ended: %v", ended)
			}
		}
		if n := r.Active(); n != 0 {
			t.Errorf("%d sessions after End", n)
		}
	})

	t.Run("RejectsBadOffers", func(t *testing.T) {
		r, _ := MustOpenRelay(t, 4)
		for name, sdp := range map[string]string{
			"Empty":     "",
			"Garbage":   "hello\x00world",
			"NoMedia":   "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n",
			"BadMedia":  "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video x UDP/TLS/RTP/SAVPF 96\r\n",
			"Truncated": "v=0\r\no=",
			"TooLarge":  string(bytes.Repeat([]byte("a"), video.MaxSDP+1)),
		} {
			_, err := r.Offer(context.Background(), "c-"+name, minwon.VideoCitizen, sdp)
			if c := minwon.ErrorCode(err); c != minwon.EINVALID && c != minwon.ETOOLARGE {
				t.Errorf("%s: got %v (%s), want invalid", name, err, c)
			}
		}
		if _, err := r.Offer(context.Background(), "c", "supervisor", "v=0"); minwon.ErrorCode(err) != minwon.EINVALID {
			t.Errorf("unknown side: %v", err)
		}
		if n := r.Active(); n != 0 {
			t.Errorf("bad offers left %d sessions", n)
		}
	})

	t.Run("RefusesOverTheCeiling", func(t *testing.T) {
		r, _ := MustOpenRelay(t, 1)
		connect(t, r, videotest.NewPeer(t, "a"), "one", minwon.VideoCitizen)
		_, err := r.Offer(context.Background(), "two", minwon.VideoCitizen, videotest.NewPeer(t, "b").Offer())
		if minwon.ErrorCode(err) != minwon.EUNAVAILABLE {
			t.Fatalf("second contact: %v, want unavailable", err)
		}
		// The same contact's other side still gets in.
		connect(t, r, videotest.NewPeer(t, "c"), "one", minwon.VideoAgent)
	})
}

// FuzzOffer feeds the relay hostile offers: each must be answered or
// refused with an error, never crash the server or leave a session behind.
func FuzzOffer(f *testing.F) {
	for _, seed := range []string{
		"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n",
		"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=fingerprint:sha-256 zz\r\n",
		"v=0\r\nm=",
		"\xff\xfe",
	} {
		f.Add(seed)
	}
	cfg := video.DefaultConfig()
	cfg.GatherTimeout = time.Second
	r, err := video.New(cfg)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { r.Close() })
	f.Fuzz(func(t *testing.T, sdp string) {
		if _, err := r.Offer(context.Background(), "fuzz", minwon.VideoCitizen, sdp); err == nil {
			r.End("fuzz")
			return
		}
		if n := r.Active(); n != 0 {
			t.Fatalf("a refused offer left %d sessions", n)
		}
	})
}
