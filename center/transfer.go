package center

import (
	"context"
	"strings"
	"time"

	"github.com/minwon/minwon"
)

// Transfers of a live voice call, step by step. The center keeps the rules
// and the record; the phone channel moves the audio and reports what the
// target's line did:
//
//   - to a queue (blind only): the contact goes back to the ACD on that
//     queue at once, with its memo and transcript; the caller hears hold
//     audio until the next counselor answers.
//   - to a counselor: the target's phone rings while the caller holds. A
//     blind transfer completes when it answers; an attended one when the
//     counselor, having talked to the target, completes it. No answer,
//     refusal or cancel: the call stays the first counselor's, on the
//     first counselor's line — never back in a queue, so a caller is not
//     made to wait twice for one refusal.
//   - to a department's SIP line: the same, and the written hand-off with
//     the summary is created when the transfer starts, so the department
//     has the matter in writing whether or not its phone is picked up. On
//     completion the contact ends as the counselor's (wrap-up follows) and
//     the caller stays bridged to the department through minwon, recorded.

// TransferRequest is a counselor passing on a live call.
type TransferRequest struct {
	Mode         minwon.TransferMode
	ToQueue      string
	ToAgent      string
	ToDepartment string
	Note         string // staff-only line in the transcript for whoever takes it
	Summary      string // a department transfer's hand-off summary
}

// pendingTransfer is a transfer waiting for its target's line.
type pendingTransfer struct {
	minwon.TransferStarted
	answered bool
}

// validSIPURI accepts sip: and sips: URIs without spaces or control
// characters; the phone channel parses them fully when it dials.
func validSIPURI(u string) error {
	if u == "" {
		return nil
	}
	if len(u) > 200 || !(strings.HasPrefix(u, "sip:") || strings.HasPrefix(u, "sips:")) || !strings.Contains(u, "@") && !strings.Contains(u, ".") {
		return minwon.Errorf(minwon.EINVALID, "a SIP destination looks like sip:desk@pbx.example.go.kr:5060")
	}
	for _, r := range u {
		if r <= ' ' || r == 0x7f || r == '<' || r == '>' || r == '"' {
			return minwon.Errorf(minwon.EINVALID, "a SIP destination has no spaces, quotes or angle brackets")
		}
	}
	return nil
}

// StartTransfer begins passing a counselor's live voice call on.
func (c *Center) StartTransfer(ctx context.Context, userID, contactID string, req TransferRequest) (*minwon.TransferStarted, error) {
	if err := minwon.ValidateText(req.Note, 2000); err != nil {
		return nil, err
	}
	if err := minwon.ValidateText(req.Summary, 10000); err != nil {
		return nil, err
	}
	n := 0
	for _, to := range []string{req.ToQueue, req.ToAgent, req.ToDepartment} {
		if to != "" {
			n++
		}
	}
	if n != 1 {
		return nil, minwon.Errorf(minwon.EINVALID, "transfer to exactly one queue, counselor or department")
	}
	switch req.Mode {
	case "":
		req.Mode = minwon.TransferBlind
	case minwon.TransferBlind, minwon.TransferAttended:
	default:
		return nil, minwon.Errorf(minwon.EINVALID, "a transfer is blind or attended")
	}
	if req.ToQueue != "" && req.Mode == minwon.TransferAttended {
		return nil, minwon.Errorf(minwon.EINVALID, "an attended transfer goes to a counselor or a department; nobody answers for a queue")
	}
	if req.ToDepartment != "" && strings.TrimSpace(req.Summary) == "" {
		return nil, minwon.Errorf(minwon.EINVALID, "a transfer to a department needs a summary")
	}
	tr, err := c.startTransfer(ctx, userID, contactID, req)
	if err != nil || strings.TrimSpace(req.Note) == "" {
		return tr, err
	}
	_, err = c.send(ctx, contactID, minwon.FromWhisper, userID, "", "[전환 메모] "+req.Note, func(*minwon.Contact) error { return nil })
	return tr, err
}

func (c *Center) startTransfer(ctx context.Context, userID, contactID string, req TransferRequest) (*minwon.TransferStarted, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	l, err := c.ownLive(userID, contactID)
	if err != nil {
		return nil, err
	}
	if l.Channel != minwon.ChannelVoice {
		return nil, minwon.Errorf(minwon.EINVALID, "only calls are transferred this way; a chat moves with /transfer")
	}
	if l.State != minwon.ContactActive {
		return nil, minwon.Errorf(minwon.ECONFLICT, "only a call in progress can be transferred")
	}
	if l.transfer != nil {
		return nil, minwon.Errorf(minwon.ECONFLICT, "a transfer of this call is already under way")
	}
	now := c.cfg.Now()
	tr := minwon.TransferStarted{ID: minwon.NewID(), Mode: req.Mode, FromAgent: userID, ToQueue: req.ToQueue, ToAgent: req.ToAgent, ToDepartment: req.ToDepartment, Note: req.Note}
	var evs []*minwon.Event
	switch {
	case req.ToQueue != "":
		if q := c.queues[req.ToQueue]; q == nil || q.TenantID != l.TenantID && !c.related(q.TenantID, l.TenantID) {
			return nil, minwon.Errorf(minwon.ENOTFOUND, "no such queue")
		}
	case req.ToAgent != "":
		to := c.agents[req.ToAgent]
		if to == nil || req.ToAgent == userID {
			return nil, minwon.Errorf(minwon.ENOTFOUND, "no such counselor")
		}
		if to.state == minwon.AgentOffline {
			return nil, minwon.Errorf(minwon.ECONFLICT, "%s is not logged in", to.user.Name)
		}
		for id := range to.contacts {
			if o := c.contacts[id]; o != nil && o.Channel == minwon.ChannelVoice {
				return nil, minwon.Errorf(minwon.ECONFLICT, "%s is on another call", to.user.Name)
			}
		}
	default:
		d, err := c.department(ctx, l.TenantID, req.ToDepartment)
		if err != nil {
			return nil, err
		}
		if d.SIPURI == "" {
			return nil, minwon.Errorf(minwon.EINVALID, "%s has no phone line for transfers; hand it off in writing instead", d.Name)
		}
		tr.SIPURI = d.SIPURI
		h, hev := c.handoffEvent(&l.Contact, d.ID, req.Summary, req.Note, userID, now)
		tr.HandoffID = h.ID
		evs = append(evs, hev)
	}
	ev := c.contactEvent(minwon.EventTransferStarted, l, now, tr)
	ev.ActorID = userID
	evs = append([]*minwon.Event{ev}, evs...)
	if req.ToQueue != "" {
		// Nobody answers for a queue: the transfer is complete once the
		// contact is back in the ACD.
		moved, err := c.moveLocked(l, userID, req.ToQueue, "", req.Note, now)
		if err != nil {
			return nil, err
		}
		evs = append(evs, moved...)
		evs = append(evs, c.transferStep(minwon.EventTransferCompleted, l, tr.ID, "", userID, now))
		evs = append(evs, c.route(now)...)
	} else {
		l.transfer = &pendingTransfer{TransferStarted: tr}
	}
	if err := c.commit(ctx, evs); err != nil {
		return nil, err
	}
	return &tr, nil
}

// related reports whether two tenants are one center: the same, or parent
// and district, whose counselors are shared.
func (c *Center) related(a, b string) bool {
	ta, tb := c.tenants[a], c.tenants[b]
	return ta != nil && tb != nil && (ta.ParentID == b || tb.ParentID == a || ta.ParentID != "" && ta.ParentID == tb.ParentID)
}

func (c *Center) transferStep(typ minwon.EventType, l *live, id, reason, actor string, now time.Time) *minwon.Event {
	ev := c.contactEvent(typ, l, now, minwon.TransferStep{ID: id, Reason: reason})
	ev.ActorID = actor
	return ev
}

// TransferOf returns the transfer of contactID under way, if any, and
// whether its target has answered.
func (c *Center) TransferOf(contactID string) (minwon.TransferStarted, bool, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	l := c.contacts[contactID]
	if l == nil || l.transfer == nil {
		return minwon.TransferStarted{}, false, false
	}
	return l.transfer.TransferStarted, l.transfer.answered, true
}

// pending returns the live contact and its transfer id; id "" takes any.
// Callers hold c.mu.
func (c *Center) pending(contactID, id string) (*live, error) {
	l := c.contacts[contactID]
	if l == nil {
		return nil, minwon.Errorf(minwon.ENOTFOUND, "no such live call")
	}
	if l.transfer == nil || id != "" && l.transfer.ID != id {
		return nil, minwon.Errorf(minwon.ECONFLICT, "no transfer of this call is under way")
	}
	return l, nil
}

// TransferAnswered is the phone channel reporting that the target's line
// picked up. A blind transfer completes here; an attended one waits for
// the counselor.
func (c *Center) TransferAnswered(ctx context.Context, contactID, id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	l, err := c.pending(contactID, id)
	if err != nil {
		return err
	}
	if l.transfer.answered {
		return nil
	}
	now := c.cfg.Now()
	l.transfer.answered = true
	evs := []*minwon.Event{c.transferStep(minwon.EventTransferAnswered, l, id, "", "", now)}
	if l.transfer.Mode == minwon.TransferBlind {
		more, err := c.completeLocked(l, "", now)
		if err != nil {
			return err
		}
		evs = append(evs, more...)
	}
	return c.commit(ctx, evs)
}

// CompleteTransfer is the counselor, having talked to the target, leaving
// the caller with it.
func (c *Center) CompleteTransfer(ctx context.Context, userID, contactID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.ownLive(userID, contactID); err != nil {
		return err
	}
	l, err := c.pending(contactID, "")
	if err != nil {
		return err
	}
	if !l.transfer.answered {
		return minwon.Errorf(minwon.ECONFLICT, "the target has not answered yet; wait, or cancel")
	}
	evs, err := c.completeLocked(l, userID, c.cfg.Now())
	if err != nil {
		return err
	}
	return c.commit(ctx, evs)
}

// completeLocked makes the caller the target's. Callers hold c.mu.
func (c *Center) completeLocked(l *live, actor string, now time.Time) ([]*minwon.Event, error) {
	tr := l.transfer.TransferStarted
	var evs []*minwon.Event
	if tr.ToAgent != "" {
		moved, err := c.moveLocked(l, tr.FromAgent, "", tr.ToAgent, tr.Note, now)
		if err != nil {
			return nil, err
		}
		evs = append(evs, moved...)
	}
	l.transfer = nil
	evs = append(evs, c.transferStep(minwon.EventTransferCompleted, l, tr.ID, "", actor, now))
	if tr.ToDepartment != "" {
		// The call goes on with the department; the counselor's part of the
		// contact is over and wrap-up follows.
		l.State, l.EndedAt = minwon.ContactWrapUp, &now
		evs = append(evs, c.endCoaching(l, now, "contact_ended")...)
		evs = append(evs, c.endConference(l, now, "contact_ended")...)
		evs = append(evs, c.contactEvent(minwon.EventContactEnded, l, now, minwon.ContactEnded{By: minwon.FromAgent, Reason: "transferred to department"}))
	}
	return append(evs, c.route(now)...), nil
}

// CancelTransfer returns the caller to the counselor: the counselor
// changed their mind (userID set), or the target's line did not answer
// (userID "", id the transfer the phone channel dialled for).
func (c *Center) CancelTransfer(ctx context.Context, userID, contactID, id, reason string) error {
	if err := minwon.ValidateText(reason, 200); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if userID != "" {
		if _, err := c.ownLive(userID, contactID); err != nil {
			return err
		}
		if reason == "" {
			reason = "cancelled by the counselor"
		}
	}
	l, err := c.pending(contactID, id)
	if err != nil {
		return err
	}
	evs := c.dropTransfer(l, reason, c.cfg.Now())
	evs[0].ActorID = userID
	return c.commit(ctx, evs)
}

// dropTransfer cancels the transfer under way, if any. Callers hold c.mu.
func (c *Center) dropTransfer(l *live, reason string, now time.Time) []*minwon.Event {
	if l.transfer == nil {
		return nil
	}
	id := l.transfer.ID
	l.transfer = nil
	return []*minwon.Event{c.transferStep(minwon.EventTransferCancelled, l, id, reason, "", now)}
}
