package agitation_test

import (
	"math"
	"testing"
	"time"

	"github.com/minwon/minwon/agitation"
)

// frame is 20 ms of a sine at the given RMS level in dBFS.
func frame(dbfs float64) []int16 {
	amp := math.Sqrt2 * math.Pow(10, dbfs/20) * 32767
	out := make([]int16, 160)
	for i := range out {
		out[i] = int16(amp * math.Sin(2*math.Pi*400*float64(i)/8000))
	}
	return out
}

// seg is a stretch of audio at one level.
type seg struct {
	dbfs float64
	d    time.Duration
}

func TestLevel(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   []int16
		want float64
	}{
		{"Silence", make([]int16, 160), -96},
		{"Empty", nil, -96},
		{"FullScaleSquare", func() []int16 {
			s := make([]int16, 160)
			for i := range s {
				s[i] = 32767
				if i%2 == 1 {
					s[i] = -32768
				}
			}
			return s
		}(), 0},
		{"SpeechLevelSine", frame(-20), -20},
		{"ShoutSine", frame(-8), -8},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := agitation.Level(tt.in); math.Abs(got-tt.want) > 0.1 {
				t.Fatalf("level %.2f dBFS, want %.2f", got, tt.want)
			}
		})
	}
}

func TestDetector(t *testing.T) {
	def := agitation.DefaultConfig()
	for _, tt := range []struct {
		name  string
		cfg   agitation.Config
		audio []seg
		want  []time.Duration // when detections are raised
		score float64         // of the first detection
	}{
		{"CalmSpeechNever", def, []seg{{-22, 20 * time.Second}}, nil, 0},
		{"OneLoudWordNever", def, []seg{{-22, 3 * time.Second}, {-6, time.Second}, {-22, 5 * time.Second}}, nil, 0},
		{"ShortOfSustainNever", def, []seg{{-6, 3980 * time.Millisecond}, {-22, 10 * time.Second}}, nil, 0},
		{"SustainedShoutOnce", def, []seg{{-22, 2 * time.Second}, {-6, 10 * time.Second}}, []time.Duration{6 * time.Second}, 0.8},
		{"LoudWithPausesCounts", def, []seg{{-6, 2 * time.Second}, {-30, 500 * time.Millisecond}, {-6, 2 * time.Second}, {-30, 200 * time.Millisecond}}, []time.Duration{4500 * time.Millisecond}, 0.8},
		{"ThresholdIsExclusive", def, []seg{{-12, 10 * time.Second}}, nil, 0},
		{"QuietThenAgain", def, []seg{{-6, 40 * time.Second}}, []time.Duration{4 * time.Second, 34 * time.Second}, 0.8},
		{"SustainEqualsWindow", agitation.Config{Threshold: -15, Sustain: 2 * time.Second, Window: 2 * time.Second, Quiet: time.Minute},
			[]seg{{-10, 1 * time.Second}, {-20, 20 * time.Millisecond}, {-10, 3 * time.Second}}, []time.Duration{3020 * time.Millisecond}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d, err := agitation.New(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			var got []agitation.Detection
			for _, s := range tt.audio {
				f := frame(s.dbfs)
				for range int(s.d / agitation.Frame) {
					if det, ok := d.Feed(f); ok {
						got = append(got, det)
					}
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("%d detections %+v, want at %v", len(got), got, tt.want)
			}
			for i, det := range got {
				if det.At != tt.want[i] {
					t.Errorf("detection %d at %v, want %v", i, det.At, tt.want[i])
				}
			}
			if len(got) > 0 {
				if math.Abs(got[0].Score-tt.score) > 1e-9 || got[0].Level < tt.cfg.Threshold {
					t.Errorf("score %v level %.1f, want score %v above %v dBFS", got[0].Score, got[0].Level, tt.score, tt.cfg.Threshold)
				}
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  agitation.Config
		ok   bool
	}{
		{"Default", agitation.DefaultConfig(), true},
		{"Zero", agitation.Config{}, false},
		{"PositiveThreshold", agitation.Config{Threshold: 3, Sustain: time.Second, Window: time.Second}, false},
		{"SustainOverWindow", agitation.Config{Threshold: -10, Sustain: 2 * time.Second, Window: time.Second}, false},
		{"NegativeQuiet", agitation.Config{Threshold: -10, Sustain: time.Second, Window: time.Second, Quiet: -1}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := agitation.New(tt.cfg); (err == nil) != tt.ok {
				t.Fatalf("New: %v, want ok %v", err, tt.ok)
			}
		})
	}
}
