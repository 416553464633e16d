package minwon

import "time"

// Recording is one call recording: a sealed stereo WAV file (the citizen
// left, the counselor right) under the recordings directory. It is the
// payload of recording.started (without the summary fields) and
// recording.stored.
type Recording struct {
	ID        string `json:"id"`
	TenantID  string `json:"tenant_id"`
	ContactID string `json:"contact_id,omitempty"` // empty when the caller left before being queued
	CallID    string `json:"call_id,omitempty"`    // the SIP Call-ID
	// File is the file's name relative to the recordings directory.
	File  string `json:"file"`
	KeyID string `json:"key_id"`
	// The summary, known once the file is sealed: the decrypted WAV's
	// SHA-256 (hex, as sha256sum prints it) and size, and the audio length.
	SHA256     string    `json:"sha256,omitempty"`
	Size       int64     `json:"size,omitempty"`
	DurationMS int64     `json:"duration_ms,omitempty"`
	Started    time.Time `json:"started"`
	Ended      time.Time `json:"ended,omitzero"`
	// Recovered marks a file cut short by a crash and sealed again at start.
	Recovered bool `json:"recovered,omitempty"`
	// Purged is when retention deleted the file; set by recording.purged.
	Purged time.Time `json:"purged,omitzero"`
}

// Stored reports whether the recording was sealed and can be played.
func (r *Recording) Stored() bool { return r.SHA256 != "" && r.Purged.IsZero() }

// RecordingPlayed is the payload of recording.played: who listened to
// which bytes. Range is the HTTP Range asked for, empty for the whole file.
type RecordingPlayed struct {
	RecordingID string `json:"recording_id"`
	Range       string `json:"range,omitempty"`
}

// RecordingPurged is the payload of recording.purged: the file was deleted
// because its tenant's retention period had passed (Due) and no open
// incident or case held it.
type RecordingPurged struct {
	RecordingID string    `json:"recording_id"`
	File        string    `json:"file"`
	Due         time.Time `json:"due"`
}
