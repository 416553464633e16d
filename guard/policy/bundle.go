package policy

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/minwon/minwon"
)

// Bundle is what goes into an incident's evidence export for legal action.
type Bundle struct {
	Incident *minwon.Incident
	// Transcript is the contact's messages (or transcript segments) in
	// order; whispers between staff are left out of the bundle.
	Transcript []*minwon.Message
	// Case is the legal case the incident belongs to, if any; the bundle
	// then holds case.json with the strikes and the incidents behind them.
	Case *CaseRecord
	// CaseIncidents holds the incidents of Case by ID, for their summaries.
	CaseIncidents map[string]*minwon.Incident
	// Recordings are the recording segments, one per recording the
	// incident points into, oldest first; none when the contact had none.
	Recordings []*Recording
	// Names maps agent and user IDs to the names shown in the transcript.
	Names map[string]string
}

// Recording is the call recording to include, read once: the segment Ref
// names, or the whole recording when Whole. With Data nil, Missing says why
// it is not in the bundle (retention purged it, say), so the bundle tells
// its reader rather than the export failing.
type Recording struct {
	Ref     minwon.RecordingRef
	Data    io.Reader
	Whole   bool
	Missing string
}

// BundleFile is one file listed in the bundle's metadata.
type BundleFile struct {
	Name   string `json:"name"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// BundleMeta is metadata.json: the incident's particulars and the SHA-256
// of every other file, so a court can check nothing was altered.
type BundleMeta struct {
	Format      string            `json:"format"`
	GeneratedAt time.Time         `json:"generated_at"`
	Incident    BundleIncident    `json:"incident"`
	Case        *minwon.LegalCase `json:"case,omitempty"`
	// Recordings lists the recording segments, one per recording the
	// incident points into; empty when the contact had none.
	Recordings []BundleRecording `json:"recordings"`
	Files      []BundleFile      `json:"files"`
}

// BundleRecording is one recording segment of the bundle: which recording,
// the stretch of it as offsets from its start, and the file in the bundle
// that holds it with the file's SHA-256, or, with Missing set, the note
// that says why the audio is not there.
type BundleRecording struct {
	RecordingID string        `json:"recording_id"`
	Start       time.Duration `json:"start_ns"`
	End         time.Duration `json:"end_ns"`
	Whole       bool          `json:"whole,omitempty"`
	File        string        `json:"file"`
	SHA256      string        `json:"sha256"`
	Bytes       int64         `json:"bytes"`
	Missing     string        `json:"missing,omitempty"`
}

// BundleIncident is the summary of the incident in the metadata.
type BundleIncident struct {
	ID        string                 `json:"id"`
	TenantID  string                 `json:"tenant_id"`
	ContactID string                 `json:"contact_id"`
	CallerID  string                 `json:"caller_id"`
	AgentID   string                 `json:"agent_id,omitempty"`
	Channel   minwon.Channel         `json:"channel"`
	Type      minwon.IncidentType    `json:"type"`
	OpenedAt  time.Time              `json:"opened_at"`
	EndedAt   *time.Time             `json:"ended_at,omitempty"`
	Warnings  int                    `json:"warnings"`
	Review    *minwon.IncidentReview `json:"review,omitempty"`
}

// BundleCase is case.json: the legal case, the caller's hashed identity,
// each strike that counted toward it with its incident, and the decisions
// taken on it.
type BundleCase struct {
	ID        string              `json:"id"`
	TenantID  string              `json:"tenant_id"`
	CallerID  string              `json:"caller_id"` // minwon.CallerHash, never the address
	Type      minwon.IncidentType `json:"type"`
	State     minwon.CaseState    `json:"state"`
	OpenedAt  time.Time           `json:"opened_at"`
	Strikes   []BundleStrike      `json:"strikes"`
	Sanctions []minwon.Sanction   `json:"sanctions"`
}

// BundleStrike is one incident of a case. At is when it became a strike;
// it is absent when the strike is no longer on record (dismissed, or older
// than the register keeps).
type BundleStrike struct {
	IncidentID string              `json:"incident_id"`
	ContactID  string              `json:"contact_id,omitempty"`
	Type       minwon.IncidentType `json:"type,omitempty"`
	At         *time.Time          `json:"at,omitempty"`
	Incident   *BundleIncident     `json:"incident,omitempty"`
}

// BundleFormat names the bundle layout, for whoever reads it later.
// Version 2 lists every recording segment under "recordings"; version 1
// had one, under "recording".
const BundleFormat = "minwon-incident-bundle/2"

// WriteBundle writes b as a ZIP archive to w: transcript.txt, incident.json
// (the full record: items with scores, warnings, the end, every action),
// case.json when the incident is in a legal case, each recording segment
// (recording-segment.wav, or recording.wav when whole; a note,
// recording-missing.txt, when it is gone; numbered -1, -2, … when the
// incident points into several recordings), and metadata.json last with
// the SHA-256 of each. The same bundle and time give the same bytes.
func (e *Engine) WriteBundle(w io.Writer, b Bundle) error {
	if b.Incident == nil {
		return minwon.Errorf(minwon.EINVALID, "no incident to export")
	}
	at := e.now().UTC().Truncate(time.Second)
	zw := zip.NewWriter(w)
	var files []BundleFile
	add := func(name string, write func(io.Writer) error) error {
		// A fixed time in every header keeps the archive deterministic.
		f, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: at})
		if err != nil {
			return err
		}
		h := sha256.New()
		cw := &countWriter{w: io.MultiWriter(f, h)}
		if err := write(cw); err != nil {
			return err
		}
		files = append(files, BundleFile{Name: name, Bytes: cw.n, SHA256: hex.EncodeToString(h.Sum(nil))})
		return nil
	}
	inc := b.Incident
	if err := add("transcript.txt", func(w io.Writer) error { return e.writeTranscript(w, b) }); err != nil {
		return fmt.Errorf("write transcript: %w", err)
	}
	if err := add("incident.json", func(w io.Writer) error { return writeJSON(w, inc) }); err != nil {
		return fmt.Errorf("write incident: %w", err)
	}
	meta := BundleMeta{Format: BundleFormat, GeneratedAt: at, Incident: *summary(inc)}
	if b.Case != nil {
		lc := b.Case.Case
		meta.Case = &lc
		if err := add("case.json", func(w io.Writer) error { return writeJSON(w, caseFile(b)) }); err != nil {
			return fmt.Errorf("write case: %w", err)
		}
	}
	meta.Recordings = []BundleRecording{}
	for i, r := range b.Recordings {
		// One recording keeps the plain names; several are numbered in order.
		suffix := ""
		if len(b.Recordings) > 1 {
			suffix = fmt.Sprintf("-%d", i+1)
		}
		br := BundleRecording{RecordingID: r.Ref.Name, Start: r.Ref.Start, End: r.Ref.End, Whole: r.Whole}
		switch {
		case r.Data != nil:
			br.File = "recording-segment" + suffix + ".wav"
			if r.Whole {
				br.File = "recording" + suffix + ".wav"
			}
			if err := add(br.File, func(w io.Writer) error { _, err := io.Copy(w, r.Data); return err }); err != nil {
				return fmt.Errorf("write recording %s: %w", r.Ref.Name, err)
			}
		case r.Missing != "":
			br.File, br.Missing = "recording-missing"+suffix+".txt", r.Missing
			if err := add(br.File, func(w io.Writer) error { _, err := io.WriteString(w, r.Missing+"\n"); return err }); err != nil {
				return fmt.Errorf("write recording note %s: %w", r.Ref.Name, err)
			}
		default:
			continue
		}
		last := files[len(files)-1]
		br.SHA256, br.Bytes = last.SHA256, last.Bytes
		meta.Recordings = append(meta.Recordings, br)
	}
	meta.Files = files
	f, err := zw.CreateHeader(&zip.FileHeader{Name: "metadata.json", Method: zip.Deflate, Modified: at})
	if err != nil {
		return fmt.Errorf("write metadata: %w", err)
	}
	if err := writeJSON(f, meta); err != nil {
		return fmt.Errorf("write metadata: %w", err)
	}
	return zw.Close()
}

func summary(inc *minwon.Incident) *BundleIncident {
	s := &BundleIncident{ID: inc.ID, TenantID: inc.TenantID, ContactID: inc.ContactID, CallerID: inc.CallerID, AgentID: inc.AgentID,
		Channel: inc.Channel, Type: inc.Type, OpenedAt: inc.OpenedAt, Warnings: len(inc.Warnings), Review: inc.Review}
	if inc.Ended != nil {
		s.EndedAt = &inc.Ended.At
	}
	return s
}

// caseFile lays out case.json: one strike per incident of the case, in the
// case's order.
func caseFile(b Bundle) BundleCase {
	rec := b.Case
	lc := rec.Case
	out := BundleCase{ID: lc.ID, TenantID: lc.TenantID, CallerID: lc.CallerID, Type: lc.Type, State: lc.State, OpenedAt: lc.OpenedAt,
		Strikes: []BundleStrike{}, Sanctions: rec.Sanctions}
	if out.Sanctions == nil {
		out.Sanctions = []minwon.Sanction{}
	}
	for _, id := range lc.IncidentIDs {
		st := BundleStrike{IncidentID: id}
		for _, s := range rec.Strikes {
			if s.IncidentID == id {
				at := s.At
				st.ContactID, st.Type, st.At = s.ContactID, s.Type, &at
			}
		}
		if inc := b.CaseIncidents[id]; inc != nil {
			st.Incident = summary(inc)
			if st.ContactID == "" {
				st.ContactID, st.Type = inc.ContactID, inc.Type
			}
		}
		out.Strikes = append(out.Strikes, st)
	}
	return out
}

// writeTranscript writes the conversation as plain text, one line each, with
// the local time and who spoke; the lines the incident holds are marked.
func (e *Engine) writeTranscript(w io.Writer, b Bundle) error {
	flagged := map[string]minwon.IncidentItem{}
	for _, it := range b.Incident.Items {
		if it.MessageID != "" {
			flagged[it.MessageID] = it
		}
	}
	loc := e.cfg.location()
	var sb strings.Builder
	fmt.Fprintf(&sb, "상담 기록 / transcript — incident %s, contact %s\n\n", b.Incident.ID, b.Incident.ContactID)
	for _, m := range b.Transcript {
		if m.From == minwon.FromWhisper {
			continue
		}
		who := speaker(m, b.Names)
		fmt.Fprintf(&sb, "[%s] %s: %s", m.At.In(loc).Format("2006-01-02 15:04:05 MST"), who, oneLine(m.Text))
		if it, ok := flagged[m.ID]; ok {
			fmt.Fprintf(&sb, "  ⟨%s %.2f⟩", it.Type, it.Score)
		}
		sb.WriteByte('\n')
	}
	for _, wn := range b.Incident.Warnings {
		fmt.Fprintf(&sb, "\n[%s] 경고 %d (%s): %s", wn.At.In(loc).Format("2006-01-02 15:04:05 MST"), wn.N, wn.By, oneLine(wn.Script))
	}
	if en := b.Incident.Ended; en != nil {
		fmt.Fprintf(&sb, "\n[%s] 종료 (%s, %s): %s", en.At.In(loc).Format("2006-01-02 15:04:05 MST"), en.By, en.Reason, oneLine(en.Script))
	}
	sb.WriteByte('\n')
	_, err := io.WriteString(w, sb.String())
	return err
}

func speaker(m *minwon.Message, names map[string]string) string {
	switch m.From {
	case minwon.FromCitizen:
		return "민원인"
	case minwon.FromAgent:
		if n := names[m.AuthorID]; n != "" {
			return "상담사 " + n
		}
		return "상담사"
	case minwon.FromBot:
		return "챗봇"
	}
	return "시스템"
}

// oneLine keeps one message on one transcript line, so a message cannot
// forge a line of its own.
func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ⏎ ", "\n", " ⏎ ", "\r", " ⏎ ").Replace(s)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
