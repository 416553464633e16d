package center

// Evidence on calls: which stretch of the call recording each incident
// item, warning and end is about, and the cut of the recording the
// evidence bundle carries. A segment starts a margin before the moment
// that raised it, so the bundle holds what led up to it, not only its last
// word; the margins are the tenant's policy's (policy.EvidenceRule).

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/guard/policy"
	"github.com/minwon/minwon/recording"
)

// callRec is what the center knows of a live call's recordings. A call
// can have several: the recording restarts after a transfer or a
// reconnect, and an outbound callback records anew.
type callRec struct {
	recs   []recStart // oldest first
	looked bool       // the store was read for the recordings before this node's
}

// recStart is one recording of a call and when it started.
type recStart struct {
	id      string
	started time.Time
}

// add keeps r among the call's recordings, once, oldest first: the phone
// stores a recording's recording.started twice.
func (rc *callRec) add(id string, started time.Time) {
	for i, x := range rc.recs {
		if x.id == id {
			rc.recs[i].started = started
			rc.sort()
			return
		}
	}
	rc.recs = append(rc.recs, recStart{id: id, started: started})
	rc.sort()
}

func (rc *callRec) sort() {
	slices.SortFunc(rc.recs, func(a, b recStart) int {
		if c := a.started.Compare(b.started); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
}

// at returns the recording that was running at t: the last to start at or
// before it, or the first when t lies before them all (the margin before a
// call's first words).
func (rc callRec) at(t time.Time) (recStart, bool) {
	if len(rc.recs) == 0 {
		return recStart{}, false
	}
	pick := rc.recs[0]
	for _, r := range rc.recs[1:] {
		if r.started.After(t) {
			break
		}
		pick = r
	}
	return pick, true
}

// noteRecording remembers a recording of a live call as its
// recording.started is stored. Callers hold c.mu.
func (c *Center) noteRecording(r *minwon.Recording) {
	if l := c.contacts[r.ContactID]; l != nil && r.ContactID != "" {
		l.rec.add(r.ID, r.Started)
	}
}

// callRecordings returns the recordings of a live call: those this node
// stored the recording.started of, and once per call those in the store
// (the call may be on another node's phone line, or have been recorded
// before a restart, and an item can point back into an earlier recording).
func (c *Center) callRecordings(ctx context.Context, contactID string) (callRec, bool) {
	c.mu.RLock()
	l := c.contacts[contactID]
	var rc callRec
	voice := l != nil && l.Channel == minwon.ChannelVoice
	if voice {
		rc = callRec{recs: slices.Clone(l.rec.recs), looked: l.rec.looked}
	}
	c.mu.RUnlock()
	if !voice {
		return callRec{}, false
	}
	if !rc.looked {
		all, err := c.allRecordings(ctx, minwon.EventFilter{ContactID: contactID, Types: []minwon.EventType{minwon.EventRecordingStarted}})
		if err != nil {
			c.log.Warn("incident evidence: no recording reference", "contact", contactID, "err", err)
			return rc, len(rc.recs) > 0
		}
		c.mu.Lock()
		if c.contacts[contactID] == l {
			// Merged with what was noted meanwhile, so neither is lost.
			for _, r := range all {
				l.rec.add(r.ID, r.Started)
			}
			l.rec.looked = true
			rc = callRec{recs: slices.Clone(l.rec.recs), looked: true}
		} else {
			for _, r := range all {
				rc.add(r.ID, r.Started)
			}
		}
		c.mu.Unlock()
	}
	return rc, len(rc.recs) > 0
}

// recordingRef returns the segment [from, to) of the call's recording that
// was running at the moment at, on the center's clock; nil when the call
// is not recorded. The margins may reach outside that recording; they are
// cut at its start (and its file's end cuts them at the end).
func (c *Center) recordingRef(ctx context.Context, contactID string, at, from, to time.Time) *minwon.RecordingRef {
	rc, ok := c.callRecordings(ctx, contactID)
	if !ok {
		return nil
	}
	r, _ := rc.at(at)
	start := max(from.Sub(r.started), 0).Truncate(time.Millisecond)
	end := max(to.Sub(r.started).Truncate(time.Millisecond), start)
	return &minwon.RecordingRef{Name: r.id, Start: start, End: end}
}

// margins returns the segment margins of the policy of a live call's
// tenant: its engine's, else (not built yet, which only the write lock may
// do) the policy as stored.
func (c *Center) margins(contactID string) policy.EvidenceRule {
	c.mu.RLock()
	defer c.mu.RUnlock()
	l := c.contacts[contactID]
	if l == nil {
		return policy.DefaultEvidence()
	}
	if c.prot != nil {
		if e := c.prot.engines[l.TenantID]; e != nil {
			return e.Config().Evidence
		}
	}
	return c.policyConfig(l.TenantID).Evidence
}

// pressRef is the segment of a counselor's warning or end pressed now.
func (c *Center) pressRef(ctx context.Context, contactID string) *minwon.RecordingRef {
	now, m := c.cfg.Now(), c.margins(contactID)
	return c.recordingRef(ctx, contactID, now, now.Add(-m.PressLead), now.Add(m.PressTail))
}

// untimedRef is the segment of something long that arrived now without
// timings: it was said before.
func (c *Center) untimedRef(ctx context.Context, contactID string, m policy.EvidenceRule, long time.Duration) *minwon.RecordingRef {
	now := c.cfg.Now()
	return c.recordingRef(ctx, contactID, now, now.Add(-m.UntimedLead-long), now.Add(m.Tail))
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
	now, m := c.cfg.Now(), c.margins(contactID)
	answered := c.answeredAt(contactID)
	if answered.IsZero() || answered.Add(from).After(now) {
		return c.untimedRef(ctx, contactID, m, to-from)
	}
	end := answered.Add(to)
	if end.After(now) {
		end = now
	}
	return c.recordingRef(ctx, contactID, answered.Add(from), answered.Add(from-m.Lead), end.Add(m.Tail))
}

// incidentSegments are the spans of the recordings that an incident's
// references cover, one per recording, each from the first start to the
// last end of the references into it: an incident on a call recorded
// again after a transfer or a reconnect points into several.
func incidentSegments(inc *minwon.Incident) []minwon.RecordingRef {
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
	var segs []minwon.RecordingRef
	at := map[string]int{}
	for _, r := range refs {
		if r == nil || r.Name == "" {
			continue
		}
		i, ok := at[r.Name]
		if !ok {
			at[r.Name] = len(segs)
			segs = append(segs, *r)
			continue
		}
		segs[i].Start, segs[i].End = min(segs[i].Start, r.Start), max(segs[i].End, r.End)
	}
	return segs
}

// bundleRecordings puts the call's recordings in an incident's evidence
// bundle, decrypted: for each recording the incident's references point
// into, oldest first, the segment they cover, cut from the stereo
// recording with both channels; for an incident without references
// (raised before they were kept, or in a chat that was recorded), the
// contact's last stored recording whole, whose SHA-256 in the metadata
// matches recording.stored. A recording retention purged, or whose file is
// gone, is named in the bundle instead, and the export goes on. The
// returned func closes the files the bundle reads from.
func (c *Center) bundleRecordings(ctx context.Context, inc *minwon.Incident, b *policy.Bundle) (func() error, error) {
	var closers []func() error
	closeAll := func() error {
		var errs []error
		for _, f := range closers {
			errs = append(errs, f())
		}
		return errors.Join(errs...)
	}
	if inc.ContactID == "" {
		return closeAll, nil
	}
	all, err := c.allRecordings(ctx, minwon.EventFilter{ContactID: inc.ContactID})
	if err != nil {
		return nil, err
	}
	segs, whole := incidentSegments(inc), false
	if len(segs) == 0 {
		var pick *minwon.Recording
		for _, r := range sortRecordings(all) {
			if r.Stored() || !r.Purged.IsZero() {
				pick = r
			}
		}
		if pick == nil {
			return closeAll, nil
		}
		segs, whole = []minwon.RecordingRef{{Name: pick.ID, End: time.Duration(pick.DurationMS) * time.Millisecond}}, true
	}
	// Oldest first; a recording with no record left goes last.
	started := func(s minwon.RecordingRef) (time.Time, bool) {
		if r := all[strings.TrimSuffix(s.Name, ".wav")]; r != nil {
			return r.Started, true
		}
		return time.Time{}, false
	}
	slices.SortStableFunc(segs, func(a, b minwon.RecordingRef) int {
		ta, oka := started(a)
		tb, okb := started(b)
		if oka != okb {
			if oka {
				return -1
			}
			return 1
		}
		return ta.Compare(tb)
	})
	for _, seg := range segs {
		r, closeFile, err := c.bundleSegment(all[strings.TrimSuffix(seg.Name, ".wav")], seg, whole)
		if err != nil {
			closeAll()
			return nil, err
		}
		if closeFile != nil {
			closers = append(closers, closeFile)
		}
		if r != nil {
			b.Recordings = append(b.Recordings, r)
		}
	}
	return closeAll, nil
}

// bundleSegment reads seg of the recording pick for the bundle, or says
// why it cannot; nil without recordings configured on this node.
func (c *Center) bundleSegment(pick *minwon.Recording, seg minwon.RecordingRef, whole bool) (*policy.Recording, func() error, error) {
	if pick == nil {
		return &policy.Recording{Ref: seg, Missing: "녹음 " + seg.Name + "의 기록이 없습니다. / No record of recording " + seg.Name + " is kept."}, nil, nil
	}
	if !pick.Purged.IsZero() {
		when := pick.Purged.In(c.cfg.Location).Format("2006-01-02 15:04 MST")
		return &policy.Recording{Ref: seg, Missing: "녹음 " + pick.ID + "은(는) 보존 기간이 지나 " + when + "에 삭제되었습니다. / Recording " +
			pick.ID + " was deleted by retention on " + when + "."}, nil, nil
	}
	if !pick.Stored() {
		return &policy.Recording{Ref: seg, Missing: "녹음 " + pick.ID + "은(는) 아직 저장되지 않았습니다(통화 중이거나 복구 대기). / Recording " +
			pick.ID + " is not stored yet (the call goes on, or it awaits recovery)."}, nil, nil
	}
	if c.cfg.Recording.Dir == "" || c.cfg.Recording.Keys == nil {
		return nil, nil, nil
	}
	rd, closeFile, err := c.OpenRecording(pick)
	if minwon.ErrorCode(err) == minwon.ENOTFOUND {
		return &policy.Recording{Ref: seg, Missing: "녹음 " + pick.ID + "의 파일이 없습니다. / The file of recording " + pick.ID + " is missing."}, nil, nil
	} else if err != nil {
		return nil, nil, err
	}
	if whole {
		return &policy.Recording{Ref: seg, Data: rd, Whole: true}, closeFile, nil
	}
	data, start, end, err := recording.Segment(rd, seg.Start, seg.End)
	if err != nil {
		closeFile()
		return nil, nil, err
	}
	seg.Start, seg.End = start, end
	return &policy.Recording{Ref: seg, Data: data}, closeFile, nil
}
