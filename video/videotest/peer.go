// Package videotest is a scripted WebRTC browser for tests of the video
// relay: it sends tagged VP8 and Opus packets and records what it receives.
package videotest

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// Peer is a test browser: it sends a VP8 and an Opus track and collects the
// payloads and keyframe requests it receives.
type Peer struct {
	t     *testing.T
	pc    *webrtc.PeerConnection
	video *webrtc.TrackLocalStaticRTP
	audio *webrtc.TrackLocalStaticRTP
	mu    sync.Mutex
	got   map[string][][]byte // by kind
	plis  int
}

func NewPeer(t *testing.T, name string) *Peer {
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
	p := &Peer{t: t, pc: pc, got: map[string][][]byte{}}
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

// Offer returns a complete (non-trickle) offer.
func (p *Peer) Offer() string {
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

func (p *Peer) Answer(ans string) {
	p.t.Helper()
	if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: ans}); err != nil {
		p.t.Fatal(err)
	}
}

// Received reports whether a payload with the tag arrived on a kind's track.
func (p *Peer) Received(kind, tag string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, b := range p.got[kind] {
		if bytes.HasPrefix(b, []byte(tag)) {
			return true
		}
	}
	return false
}

// SendUntil writes tagged RTP on both tracks until cond holds or time runs out.
func (p *Peer) SendUntil(tag string, cond func() bool) bool {
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

func (p *Peer) SawPLI() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.plis > 0
}
