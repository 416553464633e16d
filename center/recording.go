package center

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/recording"
)

// RecordingConfig says where call recordings live and how long they stay.
// The files are on disk under Dir (with several nodes, a directory they
// share); what is known of them is in recording.* events.
type RecordingConfig struct {
	Dir  string             // "" turns recording off
	Keys *recording.Keyring // seals new files, opens old ones
	// DefaultDays is the retention of tenants without their own
	// (Tenant.RecordingDays); 0 is DefaultRecordingDays, negative keeps
	// recordings until they are deleted by hand.
	DefaultDays int
	// PurgeAt is the time of day, in the center's Location, at which
	// retention runs; 0 is DefaultPurgeAt, negative never.
	PurgeAt time.Duration
}

// DefaultRecordingDays is the retention of a tenant that sets none. Korean
// law names no single period for complaint-call recordings; 90 days covers
// a complaint's handling and an appeal of it, and tenants set their own.
const DefaultRecordingDays = 90

// DefaultPurgeAt is when retention runs each day: 03:30, before the
// register's forgetting and the morning shift.
const DefaultPurgeAt = 3*time.Hour + 30*time.Minute

// recordingEvents are the event types the recordings read model folds.
var recordingEvents = []minwon.EventType{minwon.EventRecordingStarted, minwon.EventRecordingStored, minwon.EventRecordingPurged}

// RecordingConfig returns the recordings configuration.
func (c *Center) RecordingConfig() RecordingConfig { return c.cfg.Recording }

func (c *Center) purgeTime() time.Duration {
	if c.cfg.Recording.PurgeAt == 0 {
		return DefaultPurgeAt
	}
	return c.cfg.Recording.PurgeAt
}

// runAt returns the latest daily run at time of day at, at or before t.
func (c *Center) runAt(t time.Time, at time.Duration) time.Time {
	run := startOfDay(t, c.cfg.Location).Add(at)
	for run.After(t) {
		run = startOfDay(run.Add(-25*time.Hour), c.cfg.Location).Add(at)
	}
	return run
}

func (c *Center) nextRunAt(t time.Time, at time.Duration) time.Time {
	run := c.runAt(t, at)
	for !run.After(t) {
		run = startOfDay(run.Add(25*time.Hour), c.cfg.Location).Add(at)
	}
	return run
}

// scheduleRecordings sets the next retention run. Callers hold c.mu.
func (c *Center) scheduleRecordings(now time.Time) {
	c.purgeNext = time.Time{}
	if c.cfg.Recording.Dir != "" && c.purgeTime() >= 0 {
		c.purgeNext = c.nextRunAt(now, c.purgeTime())
	}
}

// purgeDue starts the day's retention run once it is due, off the lock: it
// reads the store and deletes files. Called from Tick; callers hold c.mu.
func (c *Center) purgeDue(now time.Time) {
	if c.purgeNext.IsZero() || now.Before(c.purgeNext) || c.purging {
		return
	}
	c.purging = true
	c.purgeNext = c.nextRunAt(now, c.purgeTime())
	c.background.Add(1)
	go func() {
		defer c.background.Done()
		defer func() {
			c.mu.Lock()
			c.purging = false
			c.mu.Unlock()
		}()
		ctx := context.Background()
		if err := c.RecoverRecordings(ctx); err != nil {
			c.log.Error("recover recordings", "err", err)
		}
		if err := c.PurgeRecordings(ctx, now); err != nil {
			c.log.Error("purge recordings", "err", err)
		}
	}()
}

// RecordingStarted stores recording.started: a call's recording runs
// since r.Started. The phone stores it when the notice starts, and again
// with r.ContactID once the call is queued.
func (c *Center) RecordingStarted(ctx context.Context, r *minwon.Recording) error {
	return c.storeRecording(ctx, minwon.EventRecordingStarted, "", r)
}

// RecordingStored stores recording.stored: the file is sealed, with its
// SHA-256 and size. The event's ID is the recording's, so a recording is
// stored once whichever node tells it.
func (c *Center) RecordingStored(ctx context.Context, r *minwon.Recording) error {
	if r.SHA256 == "" || r.Size <= 0 {
		return minwon.Errorf(minwon.EINVALID, "a stored recording needs its SHA-256 and size")
	}
	return c.storeRecording(ctx, minwon.EventRecordingStored, "recstored-"+r.ID, r)
}

func (c *Center) storeRecording(ctx context.Context, typ minwon.EventType, id string, r *minwon.Recording) error {
	if r.ID == "" || r.TenantID == "" || !validRecordingFile(r.File) {
		return minwon.Errorf(minwon.EINVALID, "a recording needs an id, a tenant and a file inside the recordings directory")
	}
	ev := minwon.NewEvent(typ, c.cfg.Now(), r)
	if id != "" {
		ev.ID = id
	}
	ev.TenantID, ev.ContactID = r.TenantID, r.ContactID
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.commit(ctx, []*minwon.Event{ev}); err != nil {
		return err
	}
	if typ == minwon.EventRecordingStarted {
		c.noteRecording(r)
	}
	return nil
}

// validRecordingFile accepts a clean relative path with no way out.
func validRecordingFile(f string) bool {
	return f != "" && fs.ValidPath(f) && path.Clean(f) == f && !strings.Contains(f, "\\")
}

// foldRecordings builds the recordings read model from their events.
func foldRecordings(evs []*minwon.Event) (map[string]*minwon.Recording, error) {
	out := map[string]*minwon.Recording{}
	for _, ev := range evs {
		switch ev.Type {
		case minwon.EventRecordingStarted, minwon.EventRecordingStored:
			var r minwon.Recording
			if err := ev.Decode(&r); err != nil {
				return nil, fmt.Errorf("decode %s %s: %w", ev.Type, ev.ID, err)
			}
			old := out[r.ID]
			if old != nil && ev.Type == minwon.EventRecordingStarted && old.SHA256 != "" {
				continue // a started event never undoes the summary
			}
			if old != nil && r.ContactID == "" {
				r.ContactID = old.ContactID
			}
			out[r.ID] = &r
		case minwon.EventRecordingPurged:
			var p minwon.RecordingPurged
			if err := ev.Decode(&p); err != nil {
				return nil, fmt.Errorf("decode %s %s: %w", ev.Type, ev.ID, err)
			}
			if r := out[p.RecordingID]; r != nil {
				r.Purged = ev.At
			}
		}
	}
	return out, nil
}

// allRecordings reads every recording the store knows of; retention keeps
// them at most MaxRetentionDays plus holds, so the whole history is read.
func (c *Center) allRecordings(ctx context.Context, f minwon.EventFilter) (map[string]*minwon.Recording, error) {
	if f.Types == nil {
		f.Types = recordingEvents
	}
	evs, err := c.store.Events(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("load recordings: %w", err)
	}
	return foldRecordings(evs)
}

func sortRecordings(m map[string]*minwon.Recording) []*minwon.Recording {
	out := make([]*minwon.Recording, 0, len(m))
	for _, r := range m {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *minwon.Recording) int {
		if c := a.Started.Compare(b.Started); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// mayHear reports whether u may list and play the recordings of ct:
// supervisors (the center's QA) and admins of its tenant, and the
// counselor who handled the contact, for their own calls only.
func mayHear(u *minwon.User, ct *minwon.Contact) error {
	if u == nil || ct == nil || u.TenantID != ct.TenantID {
		return minwon.Errorf(minwon.ENOTFOUND, "contact not found")
	}
	if u.HasRole(minwon.RoleSupervisor) || (u.HasRole(minwon.RoleCounselor) && ct.AgentID == u.ID) {
		return nil
	}
	return minwon.Errorf(minwon.EFORBIDDEN, "only a supervisor or the counselor who took the call may hear its recording")
}

func (c *Center) user(id string) *minwon.User {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.users[id]
}

// ContactRecordings lists a contact's recordings, oldest first, to the
// counselor who took it and the supervisors of its tenant.
func (c *Center) ContactRecordings(ctx context.Context, userID, contactID string) ([]*minwon.Recording, error) {
	ct, err := c.Contact(ctx, contactID)
	if err != nil {
		return nil, err
	}
	if err := mayHear(c.user(userID), ct); err != nil {
		return nil, err
	}
	m, err := c.allRecordings(ctx, minwon.EventFilter{ContactID: contactID})
	if err != nil {
		return nil, err
	}
	return sortRecordings(m), nil
}

// idTime returns when a minwon.NewID was made.
func idTime(id string) (time.Time, bool) {
	if len(id) != 26 {
		return time.Time{}, false
	}
	b, err := hex.DecodeString(id)
	if err != nil {
		return time.Time{}, false
	}
	var ms int64
	for _, x := range b[:6] {
		ms = ms<<8 | int64(x)
	}
	return time.UnixMilli(ms), true
}

// recording finds one recording by ID. The ID was made when the recording
// started, so only the events of the hours after are read: a recording
// is stored when its call ends, at most 12 hours later. (A purged one is
// found too; its file is gone, so it does not play.)
func (c *Center) recording(ctx context.Context, id string) (*minwon.Recording, error) {
	at, ok := idTime(id)
	if !ok {
		return nil, minwon.Errorf(minwon.ENOTFOUND, "recording not found")
	}
	m, err := c.allRecordings(ctx, minwon.EventFilter{From: at.Add(-time.Hour), To: at.Add(14 * time.Hour),
		Types: []minwon.EventType{minwon.EventRecordingStarted, minwon.EventRecordingStored}})
	if err != nil {
		return nil, err
	}
	r := m[id]
	if r == nil {
		return nil, minwon.Errorf(minwon.ENOTFOUND, "recording not found")
	}
	return r, nil
}

// PlayRecording authorises userID to hear the recording and stores the
// audit event recording.played, with the byte range asked for, before the
// caller sends anything. A recording not stored yet (the call goes on) or
// purged is not found.
func (c *Center) PlayRecording(ctx context.Context, userID, id, byteRange string) (*minwon.Recording, error) {
	if len(byteRange) > 200 {
		return nil, minwon.Errorf(minwon.EINVALID, "range header too long")
	}
	u := c.user(userID)
	if u == nil {
		return nil, minwon.Errorf(minwon.EUNAUTHORIZED, "unknown user")
	}
	r, err := c.recording(ctx, id)
	if err != nil {
		return nil, err
	}
	if r.TenantID != u.TenantID {
		return nil, minwon.Errorf(minwon.ENOTFOUND, "recording not found")
	}
	if r.ContactID == "" {
		// A call that never reached the queue: only supervisors hear it.
		if !u.HasRole(minwon.RoleSupervisor) {
			return nil, minwon.Errorf(minwon.EFORBIDDEN, "only a supervisor may hear this recording")
		}
	} else {
		ct, err := c.Contact(ctx, r.ContactID)
		if err != nil {
			return nil, err
		}
		if err := mayHear(u, ct); err != nil {
			return nil, err
		}
	}
	if !r.Stored() {
		return nil, minwon.Errorf(minwon.ENOTFOUND, "recording not available")
	}
	ev := minwon.NewEvent(minwon.EventRecordingPlayed, c.cfg.Now(), minwon.RecordingPlayed{RecordingID: r.ID, Range: byteRange})
	ev.TenantID, ev.ContactID, ev.ActorID = r.TenantID, r.ContactID, u.ID
	c.mu.Lock()
	err = c.commit(ctx, []*minwon.Event{ev})
	c.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return r, nil
}

// OpenRecording opens a stored recording's sealed file for playback: the
// Reader decrypts and authenticates as it is read, so a damaged file fails
// instead of playing noise.
func (c *Center) OpenRecording(r *minwon.Recording) (*recording.Reader, func() error, error) {
	rc := c.cfg.Recording
	if rc.Dir == "" || rc.Keys == nil {
		return nil, nil, minwon.Errorf(minwon.EUNAVAILABLE, "recording is off on this node")
	}
	root, err := os.OpenRoot(rc.Dir)
	if err != nil {
		return nil, nil, fmt.Errorf("open recordings directory: %w", err)
	}
	defer root.Close()
	f, err := root.Open(r.File)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, minwon.Errorf(minwon.ENOTFOUND, "recording file is missing")
	} else if err != nil {
		return nil, nil, fmt.Errorf("open recording: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("open recording: %w", err)
	}
	// Every chunk is authenticated before the first byte goes out (AES-GCM
	// runs at memory speed; an hour of audio is 58 MB), so a damaged file
	// is an error, never half a recording.
	sum, err := recording.Verify(f, st.Size(), rc.Keys)
	if err == nil {
		var rd *recording.Reader
		if rd, err = recording.NewReader(f, st.Size(), rc.Keys); err == nil && (sum.SHA256 != r.SHA256 || sum.Size != r.Size) {
			err = recording.ErrTampered
		}
		if err == nil {
			return rd, f.Close, nil
		}
	}
	f.Close()
	switch {
	case errors.Is(err, recording.ErrTampered):
		c.log.Error("recording failed its integrity check", "recording", r.ID, "file", r.File, "err", err)
		return nil, nil, minwon.Errorf(minwon.EINTERNAL, "recording %s is damaged or was tampered with; it is not played", r.ID)
	case errors.Is(err, recording.ErrUnknownKey):
		return nil, nil, minwon.Errorf(minwon.EUNAVAILABLE, "recording %s is sealed with key %q, which this node does not hold", r.ID, r.KeyID)
	}
	return nil, nil, fmt.Errorf("open recording %s: %w", r.ID, err)
}

// holds returns the open incidents and legal cases on each contact: their
// recordings are under legal hold. Callers hold c.mu (read).
func (c *Center) holds() map[string][]string {
	out := map[string][]string{}
	if c.prot == nil {
		return out
	}
	for tenant := range c.tenants {
		for _, inc := range c.prot.incidents.List(tenant) {
			if inc.Status() == minwon.StatusOpen {
				out[inc.ContactID] = append(out[inc.ContactID], "incident:"+inc.ID)
			}
			if lc := c.prot.reg.CaseOf(inc.ID); lc != nil && lc.State != minwon.CaseClosed {
				out[inc.ContactID] = append(out[inc.ContactID], "case:"+lc.ID)
			}
		}
	}
	return out
}

// retention is the policy of every tenant now.
func (c *Center) retention() recording.Policy {
	def := c.cfg.Recording.DefaultDays
	switch {
	case def == 0:
		def = DefaultRecordingDays
	case def < 0:
		def = 0
	}
	p := recording.Policy{DefaultDays: def, Days: map[string]int{}}
	for id, t := range c.tenants {
		if t.RecordingDays > 0 {
			p.Days[id] = t.RecordingDays
		}
	}
	return p
}

// PurgeRecordings deletes the recordings whose tenant's retention period
// has passed at now and that no open incident or case holds, and stores a
// recording.purged event for each (its ID is the recording's, so nodes
// running it together store one). It stops if the store fails, so no file
// goes unaccounted for.
func (c *Center) PurgeRecordings(ctx context.Context, now time.Time) error {
	rc := c.cfg.Recording
	if rc.Dir == "" {
		return nil
	}
	all, err := c.allRecordings(ctx, minwon.EventFilter{})
	if err != nil {
		return err
	}
	c.mu.RLock()
	holds := c.holds()
	pol := c.retention()
	c.mu.RUnlock()
	var stored []recording.Stored
	byID := map[string]*minwon.Recording{}
	for _, r := range all {
		if !r.Stored() {
			continue
		}
		byID[r.ID] = r
		var h []string
		if r.ContactID != "" {
			h = holds[r.ContactID]
		}
		stored = append(stored, recording.Stored{ID: r.ID, Tenant: r.TenantID, Ended: r.Ended, Path: r.File, Holds: h})
	}
	plan := recording.Plan(now, stored, pol)
	if len(plan) == 0 {
		return nil
	}
	root, err := os.OpenRoot(rc.Dir)
	if err != nil {
		return fmt.Errorf("open recordings directory: %w", err)
	}
	defer root.Close()
	n := 0
	err = recording.Purge(root, plan, func(e recording.Expired) error {
		r := byID[e.ID]
		ev := minwon.NewEvent(minwon.EventRecordingPurged, c.cfg.Now(), minwon.RecordingPurged{RecordingID: e.ID, File: e.Path, Due: e.Due})
		ev.ID = "recpurged-" + e.ID
		ev.TenantID, ev.ContactID = r.TenantID, r.ContactID
		c.mu.Lock()
		err := c.commit(ctx, []*minwon.Event{ev})
		c.mu.Unlock()
		if minwon.ErrorCode(err) == minwon.ECONFLICT {
			return nil // another node purged it too
		}
		if err == nil {
			n++
		}
		return err
	})
	c.log.Info("recordings purged", "count", n, "due", len(plan))
	return err
}

// recoverQuiet is how long a file must have gone unwritten before it is
// taken for the leftover of a crash: a live recording seals about one
// chunk a second.
const recoverQuiet = 2 * time.Minute

// recoverWithin is how far back recovery looks for unsealed recordings.
const recoverWithin = 14 * 24 * time.Hour

// RecoverRecordings seals again the recordings a crash left open: files
// started but never stored, untouched for a while (a live call on another
// node writes its file every second). Each gets recording.stored with
// Recovered set. Run at start and before each day's purge.
func (c *Center) RecoverRecordings(ctx context.Context) error {
	rc := c.cfg.Recording
	if rc.Dir == "" || rc.Keys == nil {
		return nil
	}
	// A crash leaves its file behind at most a few days before the next
	// start or daily run looks; two weeks spare reading the whole history.
	all, err := c.allRecordings(ctx, minwon.EventFilter{From: c.cfg.Now().Add(-recoverWithin),
		Types: []minwon.EventType{minwon.EventRecordingStarted, minwon.EventRecordingStored}})
	if err != nil {
		return err
	}
	root, err := os.OpenRoot(rc.Dir)
	if err != nil {
		return fmt.Errorf("open recordings directory: %w", err)
	}
	defer root.Close()
	var errs []error
	for _, r := range sortRecordings(all) {
		if r.SHA256 != "" || !r.Purged.IsZero() {
			continue
		}
		if err := c.recoverOne(ctx, root, r); err != nil {
			errs = append(errs, fmt.Errorf("recover recording %s: %w", r.ID, err))
		}
	}
	return errors.Join(errs...)
}

func (c *Center) recoverOne(ctx context.Context, root *os.Root, r *minwon.Recording) error {
	f, err := root.OpenFile(r.File, os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // nothing was written before the crash
	} else if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if c.cfg.Now().Sub(st.ModTime()) < recoverQuiet {
		return nil // still being written, or just cut: the next run takes it
	}
	sum, err := recording.Recover(f, st.Size(), c.cfg.Recording.Keys)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	r.SHA256, r.Size, r.DurationMS, r.KeyID = sum.SHA256, sum.Size, sum.Duration.Milliseconds(), sum.KeyID
	r.Ended, r.Recovered = st.ModTime().UTC(), true
	err = c.RecordingStored(ctx, r)
	if minwon.ErrorCode(err) == minwon.ECONFLICT {
		return nil
	}
	if err == nil {
		c.log.Warn("recording recovered after a crash", "recording", r.ID, "contact", r.ContactID, "duration", sum.Duration)
	}
	return err
}
