package center

import (
	"context"
	"slices"
	"time"

	"github.com/minwon/minwon"
)

// queueWithSkill picks the queue of t, else of its parent, whose skills
// include skill: a district's sign-language contacts go to the city's
// sign-language counselors when the district has none of its own.
func (c *Center) queueWithSkill(t *minwon.Tenant, skill string) *minwon.Queue {
	for _, tid := range []string{t.ID, t.ParentID} {
		var best *minwon.Queue
		for _, q := range c.queues {
			if tid != "" && q.TenantID == tid && slices.Contains(q.Skills, skill) && (best == nil || q.ID < best.ID) {
				best = q // the lowest ID, so the choice does not follow map order
			}
		}
		if best != nil {
			return best
		}
	}
	return nil
}

// VideoContact returns a live video contact whose media side may connect
// now: the citizen's, or that of the counselor handling it (userID). Media
// flows only while the contact is active, so a queued citizen sees only
// their own camera.
func (c *Center) VideoContact(contactID, side, userID string) (*minwon.Contact, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	l := c.contacts[contactID]
	if l == nil || l.Channel != minwon.ChannelVideo {
		return nil, minwon.Errorf(minwon.ENOTFOUND, "no such live video contact")
	}
	if side == minwon.VideoAgent && l.AgentID != userID {
		return nil, minwon.Errorf(minwon.EFORBIDDEN, "this video contact is not yours")
	}
	if l.State != minwon.ContactActive {
		return nil, minwon.Errorf(minwon.ECONFLICT, "the video call is not active")
	}
	ct := l.Contact
	return &ct, nil
}

// RecordVideo stores a media leg connecting (up) or stopping as a
// video.connected or video.ended event of the contact, so reports see how
// long the picture actually flowed.
func (c *Center) RecordVideo(ctx context.Context, contactID string, up bool, leg minwon.VideoLeg) error {
	typ := minwon.EventVideoEnded
	if up {
		typ = minwon.EventVideoConnected
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	ct, err := c.contactLocked(ctx, contactID)
	if err != nil {
		return err
	}
	ev := minwon.NewEvent(typ, c.cfg.Now(), leg)
	ev.TenantID, ev.ContactID, ev.AgentID, ev.QueueID = ct.TenantID, ct.ID, ct.AgentID, ct.QueueID
	return c.commit(ctx, []*minwon.Event{ev})
}

// VideoSeconds rounds a connected time for a video.ended event.
func VideoSeconds(d time.Duration) float64 { return float64(d.Milliseconds()) / 1000 }
