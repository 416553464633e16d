// Package agitation detects acoustic agitation on a caller's audio:
// sustained loudness, such as shouting, rather than one loud word. It is a
// pure detector: 20 ms frames of 16-bit PCM go in with no clock, since the
// audio itself is the time base; a detection comes out when, within the
// last Window, at least Sustain of the frames were louder than Threshold.
// It knows nothing of RTP, the center or the policy engine.
package agitation

import (
	"fmt"
	"math"
	"time"
)

// Frame is the length of one frame the detector counts, one RTP packet.
const Frame = 20 * time.Millisecond

// Config tunes the detector. DefaultConfig works with zero input.
type Config struct {
	// Threshold is the RMS level of a frame, in dBFS, above which it counts
	// as loud. Telephone speech sits around -25 to -20 dBFS; shouting into
	// a handset goes above -12.
	Threshold float64
	// Sustain loud frames within Window raise a detection.
	Sustain, Window time.Duration
	// Quiet is how long after a detection the next one is held back, so
	// one outburst is one event rather than one every frame.
	Quiet time.Duration
}

// DefaultConfig counts 4 s of shouting within 5 s, then keeps quiet for 30 s.
// The score of a detection at the defaults is at least 0.8, the policy
// engine's default agitation threshold.
func DefaultConfig() Config {
	return Config{Threshold: -12, Sustain: 4 * time.Second, Window: 5 * time.Second, Quiet: 30 * time.Second}
}

// Validate reports a config the detector can't run on.
func (c Config) Validate() error {
	switch {
	case c.Threshold > 0 || c.Threshold < -96:
		return fmt.Errorf("agitation threshold %v dBFS is outside -96..0", c.Threshold)
	case c.Window < Frame || c.Sustain < Frame:
		return fmt.Errorf("agitation window and sustain must be at least %v", Frame)
	case c.Sustain > c.Window:
		return fmt.Errorf("agitation sustain %v is longer than its window %v", c.Sustain, c.Window)
	case c.Quiet < 0:
		return fmt.Errorf("agitation quiet time must not be negative")
	}
	return nil
}

// Detection is one stretch of sustained loudness.
type Detection struct {
	// At is where in the audio the detection was made, from the first frame.
	At time.Duration
	// Loud is how much of the window was loud; Score is Loud over Window, 0..1.
	Loud, Window time.Duration
	Score        float64
	// Level is the mean RMS level of the loud frames of the window, in dBFS.
	Level float64
}

// Detector holds the last Window of frame levels. Not safe for concurrent
// use: one caller's audio arrives from one goroutine.
type Detector struct {
	cfg     Config
	levels  []float64 // ring of the window's frame levels, dBFS
	next    int
	filled  int
	loud    int // loud frames in the ring
	frames  int64
	quietTo int64 // no detection before this frame
}

// New returns a detector; a config that does not validate is an error.
func New(cfg Config) (*Detector, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Detector{cfg: cfg, levels: make([]float64, int(cfg.Window/Frame))}, nil
}

// Level is the RMS level of samples in dBFS; silence is -96.
func Level(samples []int16) float64 {
	if len(samples) == 0 {
		return -96
	}
	var sum float64
	for _, s := range samples {
		v := float64(s) / 32768
		sum += v * v
	}
	rms := math.Sqrt(sum / float64(len(samples)))
	if rms <= 0 {
		return -96
	}
	return max(-96, 20*math.Log10(rms))
}

// Feed counts one 20 ms frame and reports a detection when the window's
// loud frames reach Sustain.
func (d *Detector) Feed(samples []int16) (Detection, bool) {
	return d.FeedLevel(Level(samples))
}

// FeedLevel is Feed with the frame's level already measured.
func (d *Detector) FeedLevel(level float64) (Detection, bool) {
	if d.filled == len(d.levels) && d.levels[d.next] > d.cfg.Threshold {
		d.loud-- // the oldest frame leaves the window
	}
	d.levels[d.next] = level
	d.next = (d.next + 1) % len(d.levels)
	d.filled = min(d.filled+1, len(d.levels))
	if level > d.cfg.Threshold {
		d.loud++
	}
	d.frames++
	if d.frames < d.quietTo || time.Duration(d.loud)*Frame < d.cfg.Sustain {
		return Detection{}, false
	}
	var sum float64
	for i := range d.filled {
		if d.levels[i] > d.cfg.Threshold {
			sum += d.levels[i]
		}
	}
	window := time.Duration(len(d.levels)) * Frame
	loud := time.Duration(d.loud) * Frame
	d.quietTo = d.frames + int64(d.cfg.Quiet/Frame)
	return Detection{At: time.Duration(d.frames) * Frame, Loud: loud, Window: window,
		Score: float64(loud) / float64(window), Level: sum / float64(d.loud)}, true
}
