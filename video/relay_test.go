package video_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/video"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
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

// peer is a test browser: it sends a VP8 and an Opus track and collects the
// payloads and keyframe requests it receives.
type peer struct {
	t     *testing.T
	pc    *webrtc.PeerConnection
	video *webrtc.TrackLocalStaticRTP
	audio *webrtc.TrackLocalStaticRTP
	mu    sync.Mutex
	got   map[string][][]byte // by kind
	plis  int
}

func newPeer(t *testing.T, name string) *peer {
	t.Helper()
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	api := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se))
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	p := &peer{t: t, pc: pc, got: map[string][][]byte{}}
	p.video, _ = webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8}, "v", name)
	p.audio, _ = webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus}, "a", name)
	for _, tr := range []*webrtc.TrackLocalStaticRTP{p.video, p.audio} {
		sender, err := pc.AddTrack(tr)
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			for {
				pkts, _, err := sender.ReadRTCP()
				if err != nil {
					return
				}
				for _, pk := range pkts {
					if _, ok := pk.(*rtcp.PictureLossIndication); ok {
						p.mu.Lock()
						p.plis++
						p.mu.Unlock()
					}
				}
			}
		}()
	}
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		for {
			pkt, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			p.mu.Lock()
			p.got[tr.Kind().String()] = append(p.got[tr.Kind().String()], bytes.Clone(pkt.Payload))
			p.mu.Unlock()
		}
	})
	return p
}

// offer returns a complete (non-trickle) offer.
func (p *peer) offer() string {
	p.t.Helper()
	o, err := p.pc.CreateOffer(nil)
	if err != nil {
		p.t.Fatal(err)
	}
	done := webrtc.GatheringCompletePromise(p.pc)
	if err := p.pc.SetLocalDescription(o); err != nil {
		p.t.Fatal(err)
	}
	<-done
	return p.pc.LocalDescription().SDP
}

func (p *peer) connect(r *video.Relay, contact, side string) {
	p.t.Helper()
	ans, err := r.Offer(context.Background(), contact, side, p.offer())
	if err != nil {
		p.t.Fatalf("offer as %s: %v", side, err)
	}
	if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: ans}); err != nil {
		p.t.Fatal(err)
	}
}

// received reports whether a payload with the tag arrived on a kind's track.
func (p *peer) received(kind, tag string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, b := range p.got[kind] {
		if bytes.HasPrefix(b, []byte(tag)) {
			return true
		}
	}
	return false
}

// sendUntil writes tagged RTP on both tracks until cond holds or time runs out.
func (p *peer) sendUntil(tag string, cond func() bool) bool {
	deadline := time.Now().Add(20 * time.Second)
	for seq := uint16(1); time.Now().Before(deadline); seq++ {
		if cond() {
			return true
		}
		for _, tr := range []*webrtc.TrackLocalStaticRTP{p.video, p.audio} {
			pkt := &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: uint32(seq) * 3000, Marker: true},
				Payload: []byte(fmt.Sprintf("%s-%s-%d", tag, tr.Kind(), seq))}
			_ = tr.WriteRTP(pkt)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return cond()
}

func (p *peer) sawPLI() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.plis > 0
}

func TestRelay(t *testing.T) {
	t.Run("ForwardsBothWays", func(t *testing.T) {
		r, legs := MustOpenRelay(t, 4)
		citizen, agent := newPeer(t, "citizen"), newPeer(t, "agent")
		citizen.connect(r, "c1", minwon.VideoCitizen)
		agent.connect(r, "c1", minwon.VideoAgent)
		if !citizen.sendUntil("from-citizen", func() bool {
			return agent.received("video", "from-citizen-video") && agent.received("audio", "from-citizen-audio")
		}) {
			t.Fatal("the counselor never received the citizen's video and audio")
		}
		if !agent.sendUntil("from-agent", func() bool {
			return citizen.received("video", "from-agent-video") && citizen.received("audio", "from-agent-audio")
		}) {
			t.Fatal("the citizen never received the counselor's video and audio")
		}
		if !citizen.sawPLI() {
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
		r.End("c1")
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
		newPeer(t, "a").connect(r, "one", minwon.VideoCitizen)
		_, err := r.Offer(context.Background(), "two", minwon.VideoCitizen, newPeer(t, "b").offer())
		if minwon.ErrorCode(err) != minwon.EUNAVAILABLE {
			t.Fatalf("second contact: %v, want unavailable", err)
		}
		// The same contact's other side still gets in.
		newPeer(t, "c").connect(r, "one", minwon.VideoAgent)
	})
}
