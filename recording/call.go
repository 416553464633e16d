package recording

import (
	"errors"
)

// Call records one call: a Mixer feeding a sealed Writer. The media loop that
// owns the call's RTP calls Write for every packet of either side and Close
// when the call ends.
type Call struct {
	mixer  *Mixer
	writer *Writer
}

// NewCall starts a sealed stereo recording in f.
func NewCall(f WriterFile, keys *Keyring, opt Options) (*Call, error) {
	w, err := NewWriter(f, keys, Stereo)
	if err != nil {
		return nil, err
	}
	return &Call{mixer: NewMixer(w, opt), writer: w}, nil
}

// Write places one RTP packet of side's stream (see Mixer.Write).
func (c *Call) Write(side Side, p Packet) error { return c.mixer.Write(side, p) }

// Close writes out the remaining audio and seals the file. It does not sync
// or close f; the caller does, then stores the Summary in the recording
// event.
func (c *Call) Close() (Summary, error) {
	err := errors.Join(c.mixer.Close(), c.writer.Close())
	if err != nil {
		return Summary{}, err
	}
	return c.writer.Summary(), nil
}

// Stats reports the mixer's counters.
func (c *Call) Stats() MixerStats { return c.mixer.Stats() }
