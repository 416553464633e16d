package softphone

import (
	"bytes"
	"context"
	"encoding/binary"
	"log/slog"
	"math"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/zaf/g711"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/sip"
)

// power is the Goertzel power of hz in 8 kHz 16-bit PCM.
func power(pcm []byte, hz float64) float64 {
	k := 2 * math.Cos(2*math.Pi*hz/8000)
	var s1, s2 float64
	for i := 0; i+1 < len(pcm); i += 2 {
		s := float64(int16(binary.LittleEndian.Uint16(pcm[i:]))) + k*s1 - s2
		s2, s1 = s1, s
	}
	return s1*s1 + s2*s2 - k*s1*s2
}

func TestKeysAreTheirTonePairs(t *testing.T) {
	freqs := []float64{697, 770, 852, 941, 1209, 1336, 1477, 1633}
	for key, pair := range keypad {
		t.Run(string(key), func(t *testing.T) {
			pcm, err := dtmf(string(key))
			if err != nil {
				t.Fatal(err)
			}
			if want := (toneFrames + pauseFrames) * frame * 2; len(pcm) != want {
				t.Fatalf("%d bytes, want %d: a tone and a pause", len(pcm), want)
			}
			tone := pcm[:toneFrames*frame*2]
			lo, hi := power(tone, pair[0]), power(tone, pair[1])
			for _, f := range freqs {
				if f == pair[0] || f == pair[1] {
					continue
				}
				if p := power(tone, f); p*20 > lo || p*20 > hi {
					t.Fatalf("%v Hz at %.3g against the pair's %.3g and %.3g", f, p, lo, hi)
				}
			}
			if p := power(pcm[toneFrames*frame*2:], pair[0]); p != 0 {
				t.Fatalf("the pause is not silent: %.3g", p)
			}
		})
	}
	for _, bad := range []string{"", "12x", "1234567890123456789012345678901234"} {
		if _, err := dtmf(bad); minwon.ErrorCode(err) != minwon.EINVALID {
			t.Errorf("keys %q: %v, want invalid", bad, err)
		}
	}
}

func TestOffersCodec(t *testing.T) {
	const offer = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:111 opus/48000/2\r\na=rtpmap:0 PCMU/8000\r\n"
	if err := offersCodec(offer, "PCMU"); err != nil {
		t.Fatalf("PCMU offered: %v", err)
	}
	for name, c := range map[string]struct{ sdp, codec string }{
		"OtherCodec": {offer, "PCMA"},
		"NotSDP":     {"hello", "PCMU"},
		"NoAudio":    {"v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n", "PCMU"},
	} {
		t.Run(name, func(t *testing.T) {
			if err := offersCodec(c.sdp, c.codec); minwon.ErrorCode(err) != minwon.EINVALID {
				t.Fatalf("%v, want invalid", err)
			}
		})
	}
}

func TestHubWithoutACall(t *testing.T) {
	h, err := New(Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("ReadyFollowsRegistration", func(t *testing.T) {
		off1, off2 := h.Register("kim"), h.Register("kim")
		off1()
		off1() // twice is once
		if !h.Ready("kim") {
			t.Fatal("kim's second desktop still has the softphone on")
		}
		off2()
		if h.Ready("kim") {
			t.Fatal("ready after both desktops turned it off")
		}
	})
	t.Run("ControlOfNoCallIsNotFound", func(t *testing.T) {
		if _, err := h.Control("kim", "c1", Control{Action: "hold"}); minwon.ErrorCode(err) != minwon.ENOTFOUND {
			t.Fatalf("%v, want not found", err)
		}
	})
	t.Run("OfferForNoRingingCallWaitsThenGivesUp", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		if _, err := h.Answer(ctx, "kim", "c1", "v=0"); err == nil {
			t.Fatal("an offer with no call ringing was answered")
		}
	})
	t.Run("RefusesBadSettings", func(t *testing.T) {
		for name, c := range map[string]Config{
			"ICEServer": {ICEServers: []string{"http://stun.example"}},
			"Ports":     {PortMin: 5000, PortMax: 4000},
		} {
			if _, err := New(c, nil); minwon.ErrorCode(err) != minwon.EINVALID {
				t.Errorf("%s: %v, want invalid", name, err)
			}
		}
	})
}

// newTestLeg is a leg on a peer connection that never connects: what the
// bridge reads from it is made up here or queued by the test.
func newTestLeg(t *testing.T, codec string, hold []byte) *Leg {
	t.Helper()
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := newLeg(pc, sip.SoftphoneCall{AgentID: "kim", ContactID: "c1", Codec: codec, Hold: hold}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.close)
	return l
}

func readFrames(t *testing.T, l *Leg, n int) []byte {
	t.Helper()
	var out []byte
	buf := make([]byte, 1500)
	for range n {
		k, err := l.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, buf[:k]...)
	}
	return out
}

func TestLegMakesUpWhatTheCallerHears(t *testing.T) {
	t.Run("KeysAreTonesInTheCallersCodec", func(t *testing.T) {
		for _, codec := range []string{"PCMU", "PCMA"} {
			l := newTestLeg(t, codec, nil)
			if err := l.sendDigits("5"); err != nil {
				t.Fatal(err)
			}
			enc := readFrames(t, l, toneFrames)
			pcm := g711.DecodeUlaw(enc)
			if codec == "PCMA" {
				pcm = g711.DecodeAlaw(enc)
			}
			lo, hi, other := power(pcm, 770), power(pcm, 1336), power(pcm, 1209)
			if lo < 20*other || hi < 20*other {
				t.Fatalf("%s key 5: 770 Hz %.3g, 1336 Hz %.3g, 1209 Hz %.3g", codec, lo, hi, other)
			}
		}
	})
	t.Run("HoldLoopsTheHoldAudio", func(t *testing.T) {
		hold := make([]byte, 2*frame*2) // two frames of 16-bit PCM
		for i := 0; i < len(hold); i += 2 {
			binary.LittleEndian.PutUint16(hold[i:], 1000)
		}
		l := newTestLeg(t, "PCMU", hold)
		l.in <- bytesOf(0x5a) // the counselor spoke before the hold
		l.setHold(true)
		want := g711.EncodeUlaw(hold[:2])[0]
		for i, b := range readFrames(t, l, 5) {
			if b != want {
				t.Fatalf("byte %d on hold: %#x, want the hold audio's %#x", i, b, want)
			}
		}
		if n, err := l.Write(bytesOf(0x3c)); err != nil || n != frame {
			t.Fatalf("write on hold: %d %v, want it taken and dropped", n, err)
		}
		l.setHold(false)
		l.in <- bytesOf(0x5b)
		if f := readFrames(t, l, 1); f[0] != 0x5b {
			t.Fatalf("after resume: %#x, want the counselor", f[0])
		}
	})
	t.Run("MuteIsTheCodecsSilence", func(t *testing.T) {
		for codec, zero := range map[string]byte{"PCMU": 0xff, "PCMA": 0xd5} {
			l := newTestLeg(t, codec, nil)
			l.setMute(true)
			l.in <- bytesOf(0x5a)
			if f := readFrames(t, l, 1); !bytes.Equal(f, bytesOf(zero)) {
				t.Fatalf("%s muted: %x, want all %#x", codec, f[:4], zero)
			}
		}
	})
	t.Run("StopEndsTheBridge", func(t *testing.T) {
		l := newTestLeg(t, "PCMU", nil)
		l.Stop()
		if _, err := l.Read(make([]byte, frame)); err == nil {
			t.Fatal("read after stop")
		}
		if _, err := l.Write(bytesOf(1)); err == nil {
			t.Fatal("write after stop")
		}
	})
}

func bytesOf(b byte) []byte { return bytes.Repeat([]byte{b}, frame) }
