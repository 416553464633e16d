package prompts_test

import (
	"bytes"
	"encoding/binary"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/minwon/minwon/ivr"
	"github.com/minwon/minwon/prompts"
)

func wav(rate uint32, channels, bits uint16, samples int) []byte {
	var b bytes.Buffer
	data := samples * int(channels) * int(bits) / 8
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(36+data))
	b.WriteString("WAVEfmt ")
	binary.Write(&b, binary.LittleEndian, uint32(16))
	binary.Write(&b, binary.LittleEndian, uint16(1))
	binary.Write(&b, binary.LittleEndian, channels)
	binary.Write(&b, binary.LittleEndian, rate)
	binary.Write(&b, binary.LittleEndian, rate*uint32(channels)*uint32(bits)/8)
	binary.Write(&b, binary.LittleEndian, channels*bits/8)
	binary.Write(&b, binary.LittleEndian, bits)
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(data))
	b.Write(make([]byte, data))
	return b.Bytes()
}

func TestReadWAV(t *testing.T) {
	a, err := prompts.ReadWAV(bytes.NewReader(wav(8000, 1, 16, 8000)))
	if err != nil || a.Millis() != 1000 {
		t.Fatalf("8 kHz mono: %v, %d ms", err, a.Millis())
	}
	for name, b := range map[string][]byte{
		"Stereo": wav(8000, 2, 16, 100),
		"16kHz":  wav(16000, 1, 16, 100),
		"8bit":   wav(8000, 1, 8, 100),
		"NotWAV": []byte("ID3 this is an mp3 file, honestly"),
		"Trunc":  wav(8000, 1, 16, 10)[:20],
		"Empty":  nil,
	} {
		t.Run("Rejects"+name, func(t *testing.T) {
			if _, err := prompts.ReadWAV(bytes.NewReader(b)); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestLoadAndFallback(t *testing.T) {
	fsys := fstest.MapFS{
		"ko/greeting.wav": {Data: wav(8000, 1, 16, 800)},
		"ko/menu.wav":     {Data: wav(8000, 1, 16, 1600)},
		"en/greeting.wav": {Data: wav(8000, 1, 16, 400)},
		"README.txt":      {Data: []byte("not audio")},
	}
	s, err := prompts.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		lang string
		p    ivr.Prompt
		ms   int
	}{
		{"ko", ivr.Greeting, 100}, {"en", ivr.Greeting, 50}, {"vi", ivr.Greeting, 50}, {"en", ivr.Menu, 200}, {"zh", ivr.Menu, 200},
	} {
		a, ok := s.Get(tt.lang, tt.p)
		if !ok || a.Millis() != tt.ms {
			t.Errorf("%s/%s: %v %d ms, want %d", tt.lang, tt.p, ok, a.Millis(), tt.ms)
		}
	}
	if _, ok := s.Get("ko", ivr.Busy); ok {
		t.Error("a prompt nobody recorded")
	}
	if len(s.Missing()) == 0 {
		t.Error("nothing missing from a set of three prompts")
	}
	bad := fstest.MapFS{"ko/greeting.wav": {Data: wav(44100, 2, 16, 10)}}
	if _, err := prompts.Load(bad); err == nil || !strings.Contains(err.Error(), "ko/greeting.wav") {
		t.Errorf("a 44.1 kHz stereo file: %v", err)
	}
	top, _ := prompts.Load(fstest.MapFS{"ko/greeting.wav": {Data: wav(8000, 1, 16, 2400)}})
	if a, _ := prompts.Overlay(s, top).Get("ko", ivr.Greeting); a.Millis() != 300 {
		t.Errorf("overlay greeting %d ms, want the tenant's 300", a.Millis())
	}
	if a, _ := prompts.Overlay(s, top).Get("ko", ivr.Menu); a.Millis() != 200 {
		t.Errorf("overlay menu %d ms, want the default's 200", a.Millis())
	}
}

// TestDefault checks the build's generated prompts when they are there; a
// bare checkout that never ran scripts/prompts.sh must say how to fix it.
func TestDefault(t *testing.T) {
	s, err := prompts.Default()
	if err != nil {
		if !strings.Contains(err.Error(), "scripts/prompts.sh") {
			t.Fatalf("error without the fix: %v", err)
		}
		if os.Getenv("CI") != "" {
			t.Fatalf("CI builds the prompts first (make build): %v", err)
		}
		t.Skip(err)
	}
	for _, lang := range []string{"ko", "en"} {
		for _, p := range ivr.AllPrompts() {
			a, ok := s.Get(lang, p)
			if !ok || a.Millis() < 300 {
				t.Errorf("%s/%s: %v, %d ms", lang, p, ok, a.Millis())
			}
		}
	}
	if ko, en := prompts.Texts("ko"), prompts.Texts("en"); ko[ivr.Notice] == "" || en[ivr.Notice] == "" || !strings.Contains(ko[ivr.Menu], "English") {
		t.Errorf("catalogue texts: %q / %q / %q", ko[ivr.Notice], en[ivr.Notice], ko[ivr.Menu])
	}
}
