package center

import (
	"context"
	"math"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/guard/policy"
)

// CitizenSaid stores one transcript segment of a caller, from the speech
// recognizer, as the citizen's line of the call. It goes through the
// protection engine on the same path as a chat line (sendChecked), as a
// transcript segment: on voice the engine arms the counselor's warning
// and end buttons rather than acting, unless the tenant's policy lets it.
// Without word timings, the recording segment of an incident it raises is
// the stretch before the line arrived.
func (c *Center) CitizenSaid(ctx context.Context, contactID, text string) error {
	return c.citizenSaid(ctx, contactID, text, c.untimedRef(ctx, contactID, c.margins(contactID), 0))
}

// CitizenSaidAt is CitizenSaid with the recognizer's timing: the
// utterance lies from..to in the caller's audio since the counselor
// answered, so an incident it raises points at that stretch of the
// recording.
func (c *Center) CitizenSaidAt(ctx context.Context, contactID, text string, from, to time.Duration) error {
	if from < 0 || to < from {
		return minwon.Errorf(minwon.EINVALID, "the segment runs from %v to %v", from, to)
	}
	return c.citizenSaid(ctx, contactID, text, c.heardRef(ctx, contactID, from, to))
}

func (c *Center) citizenSaid(ctx context.Context, contactID, text string, rec *minwon.RecordingRef) error {
	_, d, err := c.sendChecked(ctx, contactID, minwon.FromCitizen, "", "", text, rec, func(ct *minwon.Contact) error {
		if ct.Channel != minwon.ChannelVoice {
			return minwon.Errorf(minwon.EINVALID, "only calls have transcripts")
		}
		if ct.State != minwon.ContactActive {
			return minwon.Errorf(minwon.ECONFLICT, "the call is not in conversation")
		}
		return nil
	})
	if err != nil {
		return err
	}
	if d != nil && (d.Verdict == policy.Warn || d.Verdict == policy.End) {
		return c.carryOut(ctx, contactID, d)
	}
	return nil
}

// CallAgitation stores a stretch of sustained loudness on a caller's
// channel (call.agitation) and gives it to the protection engine as an
// acoustic event; a score over the tenant's threshold opens or adds to an
// aggressive-caller incident.
func (c *Center) CallAgitation(ctx context.Context, contactID string, a minwon.CallAgitation) error {
	if math.IsNaN(a.Score) || a.Score < 0 || a.Score > 1 {
		return minwon.Errorf(minwon.EINVALID, "agitation score %v is outside 0..1", a.Score)
	}
	if math.IsNaN(a.LevelDB) || math.IsInf(a.LevelDB, 0) || a.LoudMS < 0 || a.WindowMS < a.LoudMS || a.OffsetMS < 0 {
		return minwon.Errorf(minwon.EINVALID, "agitation level or lengths out of range")
	}
	// The detector reports at the end of its window: the loud stretch lies
	// in the window before OffsetMS.
	heard := time.Duration(a.OffsetMS) * time.Millisecond
	rec := c.heardRef(ctx, contactID, max(heard-time.Duration(a.WindowMS)*time.Millisecond, 0), heard)
	c.mu.Lock()
	l := c.contacts[contactID]
	switch {
	case l == nil:
		c.mu.Unlock()
		return minwon.Errorf(minwon.ENOTFOUND, "no such live call")
	case l.Channel != minwon.ChannelVoice:
		c.mu.Unlock()
		return minwon.Errorf(minwon.EINVALID, "only calls have acoustic events")
	case l.State != minwon.ContactActive:
		c.mu.Unlock()
		return minwon.Errorf(minwon.ECONFLICT, "the call is not in conversation")
	}
	ev := minwon.NewEvent(minwon.EventCallAgitation, c.cfg.Now(), a)
	ev.TenantID, ev.ContactID, ev.AgentID, ev.QueueID = l.TenantID, l.ID, l.AgentID, l.QueueID
	evs := []*minwon.Event{ev}
	var d *policy.Decision
	if c.prot != nil {
		e, pc := c.prot.engine(c, l.TenantID), c.prot.contacts[l.ID]
		if e != nil && pc != nil {
			dd, err := e.Check(pc, c.prot.reg, policy.Input{Kind: minwon.ItemAcoustic, Agitation: a.Score, Recording: rec})
			if err != nil {
				c.mu.Unlock()
				return err
			}
			d = &dd
			evs = append(evs, dd.Events...)
		}
	}
	err := c.commit(ctx, evs)
	c.mu.Unlock()
	if err != nil {
		return err
	}
	if d != nil && (d.Verdict == policy.Warn || d.Verdict == policy.End) {
		return c.carryOut(ctx, contactID, d)
	}
	return nil
}
