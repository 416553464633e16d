package softphone

import (
	"context"
	"encoding/binary"
	"io"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/zaf/g711"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/sip"
)

// frame is 20 ms of G.711 at 8 kHz: one RTP payload.
const frame = 160

// Leg is one call's softphone: the server's end of the desktop's peer
// connection, as the sip bridge sees a counselor's phone. Read gives the
// counselor's payloads for the caller, Write sends the caller's to the
// browser. On hold both directions are cut and the caller hears the hold
// audio; muted, the caller hears silence instead of the counselor; keys
// are sent in-band, as tones in the caller's codec.
type Leg struct {
	pc    *webrtc.PeerConnection
	call  sip.SoftphoneCall
	log   *slog.Logger
	pt    webrtc.PayloadType
	track *webrtc.TrackLocalStaticSample

	silence byte     // G.711 zero of the codec
	hold    [][]byte // the hold audio, encoded, one frame each
	in      chan []byte
	tick    *time.Ticker // paces what we make up ourselves (hold, keys)
	wake    chan struct{}

	connected, done       chan struct{}
	connectOnce, doneOnce sync.Once

	mu      sync.Mutex
	stopped chan struct{} // closed by Stop, replaced by Start
	halted  bool          // stopped is closed
	held    bool
	muted   bool
	holdPos int
	tones   [][]byte // key frames still to send
}

var _ sip.Leg = (*Leg)(nil)

func newLeg(pc *webrtc.PeerConnection, call sip.SoftphoneCall, log *slog.Logger) (*Leg, error) {
	l := &Leg{pc: pc, call: call, log: log, pt: codecs[call.Codec].PayloadType, in: make(chan []byte, 8),
		tick: time.NewTicker(20 * time.Millisecond), wake: make(chan struct{}, 1),
		connected: make(chan struct{}), done: make(chan struct{}), stopped: make(chan struct{})}
	l.silence = encode(call.Codec, make([]byte, 2))[0]
	hold := encode(call.Codec, call.Hold)
	for off := 0; off+frame <= len(hold); off += frame {
		l.hold = append(l.hold, hold[off:off+frame])
	}
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		switch s {
		case webrtc.PeerConnectionStateConnected:
			l.connectOnce.Do(func() { close(l.connected) })
			l.log.Info("softphone connected")
		case webrtc.PeerConnectionStateFailed, webrtc.PeerConnectionStateClosed:
			l.log.Info("softphone gone", "state", s.String())
			l.close()
		}
	})
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		if tr.Kind() != webrtc.RTPCodecTypeAudio {
			return
		}
		go l.readBrowser(tr)
	})
	return l, nil
}

// addTrack gives the peer our audio for the browser; after the offer, so
// it takes the transceiver the offer made.
func (l *Leg) addTrack() error {
	t, err := webrtc.NewTrackLocalStaticSample(codecs[l.call.Codec].RTPCodecCapability, "audio", "minwon")
	if err != nil {
		return err
	}
	sender, err := l.pc.AddTrack(t)
	if err != nil {
		return err
	}
	l.track = t
	go func() { // RTCP from the browser; nothing reads it but it must be drained
		buf := make([]byte, 1500)
		for {
			if _, _, err := sender.Read(buf); err != nil {
				return
			}
		}
	}()
	return nil
}

// readBrowser queues the counselor's payloads. A queue the bridge does not
// keep up with drops the newest, as a jitter buffer would.
func (l *Leg) readBrowser(tr *webrtc.TrackRemote) {
	for {
		p, _, err := tr.ReadRTP()
		if err != nil {
			return
		}
		if p.PayloadType != uint8(l.pt) || len(p.Payload) == 0 {
			continue // comfort noise or anything else we did not offer
		}
		select {
		case l.in <- append([]byte(nil), p.Payload...):
		default:
		}
	}
}

// Read returns the next payload for the caller: the counselor's, silence
// while muted, or hold audio and key tones at our own 20 ms pace.
func (l *Leg) Read(b []byte) (int, error) {
	for {
		l.mu.Lock()
		ours := l.held || len(l.tones) > 0
		stopped := l.stopped
		l.mu.Unlock()
		if ours {
			select {
			case <-l.tick.C:
				for len(l.in) > 0 { // the counselor is not heard meanwhile
					<-l.in
				}
				if f := l.madeUp(); f != nil {
					return copy(b, f), nil
				}
			case <-l.wake:
			case <-stopped:
				return 0, io.EOF
			case <-l.done:
				return 0, io.EOF
			}
			continue
		}
		select {
		case p := <-l.in:
			l.mu.Lock()
			muted := l.muted
			l.mu.Unlock()
			n := copy(b, p)
			if muted {
				for i := range b[:n] {
					b[i] = l.silence
				}
			}
			return n, nil
		case <-l.wake:
		case <-stopped:
			return 0, io.EOF
		case <-l.done:
			return 0, io.EOF
		}
	}
}

// madeUp is the next frame of keys, else of hold audio; nil when neither.
func (l *Leg) madeUp() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.tones) > 0 {
		f := l.tones[0]
		l.tones = l.tones[1:]
		return f
	}
	if !l.held {
		return nil
	}
	if len(l.hold) == 0 {
		return silenceFrame(l.silence)
	}
	f := l.hold[l.holdPos%len(l.hold)]
	l.holdPos++
	return f
}

// Write sends one of the caller's payloads to the browser, unless on hold.
func (l *Leg) Write(b []byte) (int, error) {
	select {
	case <-l.done:
		return 0, io.ErrClosedPipe
	default:
	}
	l.mu.Lock()
	held, halted := l.held, l.halted
	l.mu.Unlock()
	if halted {
		return 0, io.ErrClosedPipe
	}
	if held {
		return len(b), nil
	}
	if err := l.track.WriteSample(media.Sample{Data: b, Duration: time.Duration(len(b)) * time.Second / 8000}); err != nil {
		return 0, err
	}
	return len(b), nil
}

// Codec is the caller's codec, the only one the peer offered.
func (l *Leg) Codec() string { return l.call.Codec }

// Done is closed when the desktop hangs up or goes away.
func (l *Leg) Done() <-chan struct{} { return l.done }

// Stop ends the bridge's reads and writes, until Start: a transfer
// bridges the leg anew.
func (l *Leg) Stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.halted {
		l.halted = true
		close(l.stopped)
	}
}

// Start lets a new bridge read and write.
func (l *Leg) Start() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.halted {
		l.halted = false
		l.stopped = make(chan struct{})
	}
}

// Hangup closes the peer connection.
func (l *Leg) Hangup(context.Context) error {
	l.close()
	return nil
}

func (l *Leg) close() {
	l.doneOnce.Do(func() {
		close(l.done)
		l.tick.Stop()
		// Not in the caller's goroutine: pion may call back into us while
		// closing, from the state handler that brought us here.
		go l.pc.Close()
	})
}

func (l *Leg) poke() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

func (l *Leg) setHold(on bool) {
	l.mu.Lock()
	l.held = on
	l.mu.Unlock()
	l.poke()
	l.log.Info("softphone hold", "on", on)
}

func (l *Leg) setMute(on bool) {
	l.mu.Lock()
	l.muted = on
	l.mu.Unlock()
	l.log.Info("softphone mute", "on", on)
}

func (l *Leg) state() State {
	l.mu.Lock()
	defer l.mu.Unlock()
	return State{Held: l.held, Muted: l.muted}
}

// sendDigits queues keys for the caller as in-band tones.
func (l *Leg) sendDigits(digits string) error {
	pcm, err := dtmf(digits)
	if err != nil {
		return err
	}
	enc := encode(l.call.Codec, pcm)
	l.mu.Lock()
	for off := 0; off+frame <= len(enc); off += frame {
		l.tones = append(l.tones, enc[off:off+frame])
	}
	l.mu.Unlock()
	l.poke()
	return nil
}

func silenceFrame(b byte) []byte {
	f := make([]byte, frame)
	for i := range f {
		f[i] = b
	}
	return f
}

// encode turns 16-bit little-endian PCM into the codec's G.711.
func encode(codec string, pcm []byte) []byte {
	if codec == "PCMA" {
		return g711.EncodeAlaw(pcm)
	}
	return g711.EncodeUlaw(pcm)
}

// The DTMF pairs (ITU-T Q.23): row and column frequencies of each key.
var keypad = map[rune][2]float64{
	'1': {697, 1209}, '2': {697, 1336}, '3': {697, 1477}, 'A': {697, 1633},
	'4': {770, 1209}, '5': {770, 1336}, '6': {770, 1477}, 'B': {770, 1633},
	'7': {852, 1209}, '8': {852, 1336}, '9': {852, 1477}, 'C': {852, 1633},
	'*': {941, 1209}, '0': {941, 1336}, '#': {941, 1477}, 'D': {941, 1633},
}

// Key timing: long enough for any receiver (Q.24 asks for 40 ms), short
// enough that a number keyed in goes quickly.
const (
	toneFrames  = 5 // 100 ms
	pauseFrames = 3 // 60 ms
	maxDigits   = 32
)

// dtmf renders keys as 8 kHz 16-bit PCM, each a tone and a pause.
func dtmf(digits string) ([]byte, error) {
	if digits == "" || len([]rune(digits)) > maxDigits {
		return nil, minwon.Errorf(minwon.EINVALID, "keys: 1 to %d of 0-9, *, #, A-D", maxDigits)
	}
	per := (toneFrames + pauseFrames) * frame
	pcm := make([]byte, 0, len(digits)*per*2)
	for _, d := range digits {
		f, ok := keypad[d]
		if !ok {
			return nil, minwon.Errorf(minwon.EINVALID, "key %q: keys are 0-9, *, #, A-D", d)
		}
		for i := range per {
			var v float64
			if i < toneFrames*frame {
				t := float64(i) / 8000
				v = 6000 * (math.Sin(2*math.Pi*f[0]*t) + math.Sin(2*math.Pi*f[1]*t)) / 2
			}
			pcm = binary.LittleEndian.AppendUint16(pcm, uint16(int16(v)))
		}
	}
	return pcm, nil
}
