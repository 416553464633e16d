package softphone

import (
	"context"
	"encoding/binary"
	"math"
	"testing"
	"time"

	"github.com/minwon/minwon"
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
