package center

// Evidence on calls: which stretch of the call recording each incident
// item, warning and end is about, and the cut of the recording the
// evidence bundle carries. A segment starts a margin before the moment
// that raised it, so the bundle holds what led up to it, not only its last
// word.

import (
	"context"
	"strings"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/guard/policy"
	"github.com/minwon/minwon/recording"
)

// The margins of a recording segment.
const (
	// A timed transcript segment or an agitation window: a little before
	// and after what the recognizer or the detector placed.
	evidenceLead = 2 * time.Second
	evidenceTail = time.Second
	// A transcript line without word timings arrives once it was said;
	// the utterance lies before it.
	untimedLead = 15 * time.Second
	// A counselor's warning or end: what led to the press, then the
	// announcement the caller heard (the longest prompt takes about 12 s).
	pressLead = 30 * time.Second
	pressTail = 15 * time.Second
)

// callRec is what the center knows of a live call's recording.
type callRec struct {
	id      string
	started time.Time
	looked  bool // the store was asked (or recording.started seen) already
}

// noteRecording remembers the recording of a live call as its
// recording.started is stored. Callers hold c.mu.
func (c *Center) noteRecording(r *minwon.Recording) {
	if l := c.contacts[r.ContactID]; l != nil && r.ContactID != "" {
		l.rec = callRec{id: r.ID, started: r.Started, looked: true}
	}
}

// callRecording returns the recording of a live call: from memory when
// this node stored its recording.started, else from the store once (the
// call may be on another node's phone line, or started before a restart).
func (c *Center) callRecording(ctx context.Context, contactID string) (callRec, bool) {
	c.mu.RLock()
	l := c.contacts[contactID]
	var rc callRec
	voice := l != nil && l.Channel == minwon.ChannelVoice
	if voice {
		rc = l.rec
	}
	c.mu.RUnlock()
	if !voice {
		return callRec{}, false
	}
	if !rc.looked {
		all, err := c.allRecordings(ctx, minwon.EventFilter{ContactID: contactID, Types: []minwon.EventType{minwon.EventRecordingStarted}})
		if err != nil {
			c.log.Warn("incident evidence: no recording reference", "contact", contactID, "err", err)
			return callRec{}, false
		}
		rc = callRec{looked: true}
		for _, r := range sortRecordings(all) {
			rc.id, rc.started = r.ID, r.Started // the latest
		}
		c.mu.Lock()
		if c.contacts[contactID] == l && !l.rec.looked {
			l.rec = rc
		}
		c.mu.Unlock()
	}
	return rc, rc.id != ""
}

// recordingRef returns the segment [from, to) of the call's recording, on
// the center's clock; nil when the call is not recorded.
func (c *Center) recordingRef(ctx context.Context, contactID string, from, to time.Time) *minwon.RecordingRef {
	rc, ok := c.callRecording(ctx, contactID)
	if !ok {
		return nil
	}
	start := max(from.Sub(rc.started), 0).Truncate(time.Millisecond)
	end := max(to.Sub(rc.started).Truncate(time.Millisecond), start)
	return &minwon.RecordingRef{Name: rc.id, Start: start, End: end}
}

// pressRef is the segment of a counselor's warning or end pressed now.
func (c *Center) pressRef(ctx context.Context, contactID string) *minwon.RecordingRef {
	now := c.cfg.Now()
	return c.recordingRef(ctx, contactID, now.Add(-pressLead), now.Add(pressTail))
}

// answeredAt returns when a live call went into conversation, where the
// phone channel's listeners start their clock: the counselor's answer, or
// an outbound call's bridge (call.connected), which the protection
// engine's state of the contact keeps; zero if neither happened.
func (c *Center) answeredAt(contactID string) time.Time {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.prot != nil {
		if pc := c.prot.contacts[contactID]; pc != nil && !pc.AnsweredAt.IsZero() {
			return pc.AnsweredAt
		}
	}
	if l := c.contacts[contactID]; l != nil && l.AnsweredAt != nil {
		return *l.AnsweredAt
	}
	return time.Time{}
}

// heardRef is the segment of something heard between from and to after
// the counselor answered (the recognizer's and the detector's clock), with
// the margins. Offsets that would lie in the future (a transfer answered
// again, a recognizer that lagged) are taken as ending now.
func (c *Center) heardRef(ctx context.Context, contactID string, from, to time.Duration) *minwon.RecordingRef {
	now := c.cfg.Now()
	answered := c.answeredAt(contactID)
	if answered.IsZero() || answered.Add(from).After(now) {
		return c.recordingRef(ctx, contactID, now.Add(-untimedLead-(to-from)), now.Add(evidenceTail))
	}
	end := answered.Add(to)
	if end.After(now) {
		end = now
	}
	return c.recordingRef(ctx, contactID, answered.Add(from-evidenceLead), end.Add(evidenceTail))
}

// incidentSegment is the span of one recording that an incident's
// references cover, from the first start to the last end. An incident
// pointing into several recordings (rare: a call recorded again after a
// failure) gets the recording of its first reference.
func incidentSegment(inc *minwon.Incident) (minwon.RecordingRef, bool) {
	var refs []*minwon.RecordingRef
	for _, it := range inc.Items {
		refs = append(refs, it.Recording)
	}
	for _, w := range inc.Warnings {
		refs = append(refs, w.Recording)
	}
	if inc.Ended != nil {
		refs = append(refs, inc.Ended.Recording)
	}
	var seg minwon.RecordingRef
	for _, r := range refs {
		switch {
		case r == nil || (seg.Name != "" && r.Name != seg.Name):
		case seg.Name == "":
			seg = *r
		default:
			seg.Start, seg.End = min(seg.Start, r.Start), max(seg.End, r.End)
		}
	}
	return seg, seg.Name != ""
}

// bundleRecording puts the call's recording in an incident's evidence
// bundle, decrypted: the segment the incident's references cover, cut from
// the stereo recording with both channels; for an incident without
// references (raised before they were kept, or in a chat that was
// recorded), the contact's last stored recording whole, whose SHA-256 in
// the metadata matches recording.stored. A recording retention purged, or
// whose file is gone, is named in the bundle instead, and the export goes
// on. Without a recording it does nothing.
func (c *Center) bundleRecording(ctx context.Context, inc *minwon.Incident, b *policy.Bundle) (func() error, error) {
	none := func() error { return nil }
	if inc.ContactID == "" {
		return none, nil
	}
	all, err := c.allRecordings(ctx, minwon.EventFilter{ContactID: inc.ContactID})
	if err != nil {
		return nil, err
	}
	seg, isSeg := incidentSegment(inc)
	var pick *minwon.Recording
	if isSeg {
		if pick = all[strings.TrimSuffix(seg.Name, ".wav")]; pick == nil {
			b.Recording = &policy.Recording{Ref: seg, Missing: "녹음 " + seg.Name + "의 기록이 없습니다. / No record of recording " + seg.Name + " is kept."}
			return none, nil
		}
	} else {
		for _, r := range sortRecordings(all) {
			if r.Stored() || !r.Purged.IsZero() {
				pick = r
			}
		}
		if pick == nil {
			return none, nil
		}
		seg = minwon.RecordingRef{Name: pick.ID, End: time.Duration(pick.DurationMS) * time.Millisecond}
	}
	if !pick.Purged.IsZero() {
		when := pick.Purged.In(c.cfg.Location).Format("2006-01-02 15:04 MST")
		b.Recording = &policy.Recording{Ref: seg, Missing: "녹음 " + pick.ID + "은(는) 보존 기간이 지나 " + when + "에 삭제되었습니다. / Recording " +
			pick.ID + " was deleted by retention on " + when + "."}
		return none, nil
	}
	if !pick.Stored() {
		b.Recording = &policy.Recording{Ref: seg, Missing: "녹음 " + pick.ID + "은(는) 아직 저장되지 않았습니다(통화 중이거나 복구 대기). / Recording " +
			pick.ID + " is not stored yet (the call goes on, or it awaits recovery)."}
		return none, nil
	}
	if c.cfg.Recording.Dir == "" || c.cfg.Recording.Keys == nil {
		return none, nil
	}
	rd, closeFile, err := c.OpenRecording(pick)
	if minwon.ErrorCode(err) == minwon.ENOTFOUND {
		b.Recording = &policy.Recording{Ref: seg, Missing: "녹음 " + pick.ID + "의 파일이 없습니다. / The file of recording " + pick.ID + " is missing."}
		return none, nil
	} else if err != nil {
		return nil, err
	}
	if !isSeg {
		b.Recording = &policy.Recording{Ref: seg, Data: rd, Whole: true}
		return closeFile, nil
	}
	data, start, end, err := recording.Segment(rd, seg.Start, seg.End)
	if err != nil {
		closeFile()
		return nil, err
	}
	seg.Start, seg.End = start, end
	b.Recording = &policy.Recording{Ref: seg, Data: data}
	return closeFile, nil
}
