// Package prompts holds the recorded announcements the IVR plays: the
// default set synthesized at build time from catalogue.tsv (scripts/prompts.sh,
// espeak-ng and sox) and embedded, and sets loaded from a directory, which is
// how a tenant's own recordings replace the defaults. Audio is 16-bit PCM,
// 8 kHz, mono, the format the SIP stack encodes to G.711.
package prompts

import (
	"bufio"
	"embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"sync"

	"github.com/minwon/minwon/ivr"
)

//go:embed catalogue.tsv
var catalogue string

// The build writes wav/LANG/NAME.wav; a checkout that never ran it holds only
// wav/.gitkeep, and Default then reports what is missing.
//
//go:embed all:wav
var defaults embed.FS

// SampleRate is the rate every prompt is stored and played at.
const SampleRate = 8000

// Audio is one prompt as 16-bit little-endian PCM samples.
type Audio []byte

// Millis returns how long the audio plays, in milliseconds.
func (a Audio) Millis() int { return len(a) / 2 * 1000 / SampleRate }

// Set is the prompts of every language, with fallbacks: a language without a
// prompt uses English for foreign languages, then Korean.
type Set struct {
	audio map[string]map[ivr.Prompt]Audio // lang → prompt
}

// Get returns a prompt in lang, falling back as described on Set.
func (s *Set) Get(lang string, p ivr.Prompt) (Audio, bool) {
	for _, l := range fallbacks(lang) {
		if a, ok := s.audio[l][p]; ok {
			return a, true
		}
	}
	return nil, false
}

func fallbacks(lang string) []string {
	switch lang {
	case "ko", "":
		return []string{"ko"}
	case "en":
		return []string{"en", "ko"}
	}
	return []string{lang, "en", "ko"}
}

// Missing lists the prompts the IVR may ask for that no language of s can
// give for lang "ko" or "en".
func (s *Set) Missing() []string {
	var out []string
	for _, lang := range []string{"ko", "en"} {
		for _, p := range ivr.AllPrompts() {
			if _, ok := s.Get(lang, p); !ok {
				out = append(out, lang+"/"+string(p))
			}
		}
	}
	return out
}

var (
	defaultOnce sync.Once
	defaultSet  *Set
	defaultErr  error
)

// Default returns the embedded prompt set. It fails when the build did not
// generate the prompts, naming the script that does.
func Default() (*Set, error) {
	defaultOnce.Do(func() {
		sub, _ := fs.Sub(defaults, "wav")
		defaultSet, defaultErr = Load(sub)
		if defaultErr == nil {
			if m := defaultSet.Missing(); len(m) > 0 {
				defaultErr = fmt.Errorf("voice prompts are missing (%d, first %s): run scripts/prompts.sh (make build does) and rebuild", len(m), m[0])
			}
		}
	})
	return defaultSet, defaultErr
}

// Load reads LANG/NAME.wav files from fsys. Every file must be 8 kHz mono
// 16-bit PCM; anything else is an error naming the file.
func Load(fsys fs.FS) (*Set, error) {
	s := &Set{audio: map[string]map[ivr.Prompt]Audio{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(p, ".wav") {
			return nil
		}
		lang, name := path.Split(p)
		lang = strings.Trim(lang, "/")
		if lang == "" || strings.Contains(lang, "/") {
			return nil // only LANG/NAME.wav
		}
		f, err := fsys.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		a, err := ReadWAV(bufio.NewReader(f))
		if err != nil {
			return fmt.Errorf("prompt %s: %w", p, err)
		}
		if s.audio[lang] == nil {
			s.audio[lang] = map[ivr.Prompt]Audio{}
		}
		s.audio[lang][ivr.Prompt(strings.TrimSuffix(name, ".wav"))] = a
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Overlay returns a set with top's prompts where it has them, else base's:
// a tenant's uploaded recordings over the defaults.
func Overlay(base, top *Set) *Set {
	s := &Set{audio: map[string]map[ivr.Prompt]Audio{}}
	for _, src := range []*Set{base, top} {
		if src == nil {
			continue
		}
		for lang, ps := range src.audio {
			if s.audio[lang] == nil {
				s.audio[lang] = map[ivr.Prompt]Audio{}
			}
			for p, a := range ps {
				s.audio[lang][p] = a
			}
		}
	}
	return s
}

// FromAudio builds a set in code, for tests and generated audio.
func FromAudio(audio map[string]map[ivr.Prompt]Audio) *Set {
	return &Set{audio: audio}
}

// Texts returns the catalogue's text of each prompt in lang, for showing an
// operator what a recording should say.
func Texts(lang string) map[ivr.Prompt]string {
	out := map[ivr.Prompt]string{}
	for _, line := range strings.Split(catalogue, "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 4 || strings.HasPrefix(f[0], "#") || f[0] != lang {
			continue
		}
		p := ivr.Prompt(f[1])
		if out[p] != "" {
			out[p] += " "
		}
		out[p] += f[3]
	}
	return out
}

// MaxPromptBytes bounds one prompt: five minutes of audio.
const MaxPromptBytes = 5 * 60 * SampleRate * 2

// ReadWAV reads a RIFF WAVE file of 8 kHz mono 16-bit PCM and returns its
// samples. Other chunks (LIST, fact) are skipped.
func ReadWAV(r io.Reader) (Audio, error) {
	var hdr [12]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, fmt.Errorf("read WAV header: %w", err)
	}
	if string(hdr[0:4]) != "RIFF" || string(hdr[8:12]) != "WAVE" {
		return nil, errors.New("not a RIFF WAVE file")
	}
	var fmtSeen bool
	for {
		var ch [8]byte
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			return nil, fmt.Errorf("read WAV chunk: %w", err)
		}
		id, size := string(ch[0:4]), binary.LittleEndian.Uint32(ch[4:8])
		switch id {
		case "fmt ":
			if size < 16 || size > 64 {
				return nil, fmt.Errorf("bad fmt chunk size %d", size)
			}
			b := make([]byte, size+size%2)
			if _, err := io.ReadFull(r, b); err != nil {
				return nil, fmt.Errorf("read fmt chunk: %w", err)
			}
			format, channels := binary.LittleEndian.Uint16(b[0:2]), binary.LittleEndian.Uint16(b[2:4])
			rate, bits := binary.LittleEndian.Uint32(b[4:8]), binary.LittleEndian.Uint16(b[14:16])
			if format != 1 && format != 0xFFFE {
				return nil, fmt.Errorf("format %d is not PCM", format)
			}
			if channels != 1 || rate != SampleRate || bits != 16 {
				return nil, fmt.Errorf("%d Hz, %d channels, %d bits: prompts must be 8000 Hz mono 16-bit (sox in.wav -r 8000 -c 1 -b 16 out.wav)", rate, channels, bits)
			}
			fmtSeen = true
		case "data":
			if !fmtSeen {
				return nil, errors.New("data chunk before fmt chunk")
			}
			if size > MaxPromptBytes {
				return nil, fmt.Errorf("prompt is longer than five minutes")
			}
			a := make([]byte, size&^1)
			n, err := io.ReadFull(r, a)
			if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, fmt.Errorf("read WAV data: %w", err)
			}
			return Audio(a[:n&^1]), nil
		default:
			if size > 1<<20 {
				return nil, fmt.Errorf("chunk %q of %d bytes", id, size)
			}
			if _, err := io.CopyN(io.Discard, r, int64(size+size%2)); err != nil {
				return nil, fmt.Errorf("skip %q chunk: %w", id, err)
			}
		}
	}
}
