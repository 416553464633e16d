package http

import (
	"net/http"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/center"
)

// Dialer places outbound calls: the SIP server, set once at start with
// SetDialer. Without one, calling out answers 503.
type Dialer interface {
	CanDial(userID string) error
	Dial(ct *minwon.Contact, oc minwon.OutboundCall) error
}

// SetDialer connects calling out to the phone channel; call before Serve.
func (s *Server) SetDialer(d Dialer) { s.dialer = d }

type callTransferRequest struct {
	Mode         minwon.TransferMode `json:"mode,omitempty"` // blind (default) or attended
	QueueID      string              `json:"queue_id,omitempty"`
	AgentID      string              `json:"agent_id,omitempty"`
	DepartmentID string              `json:"department_id,omitempty"`
	Note         string              `json:"note,omitempty"`
	Summary      string              `json:"summary,omitempty"` // required for a department
}

// transferView is a call's transfer under way, for the desk's dialog.
type transferView struct {
	Transfer *minwon.TransferStarted `json:"transfer,omitempty"`
	Answered bool                    `json:"answered"`
}

func (s *Server) startCallTransfer(w http.ResponseWriter, r *http.Request) {
	var req callTransferRequest
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	tr, err := s.center.StartTransfer(r.Context(), userOf(r).ID, r.PathValue("id"), center.TransferRequest{
		Mode: req.Mode, ToQueue: req.QueueID, ToAgent: req.AgentID, ToDepartment: req.DepartmentID, Note: req.Note, Summary: req.Summary,
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, transferView{Transfer: tr})
}

func (s *Server) callTransfer(w http.ResponseWriter, r *http.Request) {
	ct, err := s.center.Contact(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if ct.AgentID != userOf(r).ID {
		s.fail(w, r, minwon.Errorf(minwon.EFORBIDDEN, "this conversation is not yours"))
		return
	}
	var v transferView
	if tr, answered, ok := s.center.TransferOf(ct.ID); ok {
		v = transferView{Transfer: &tr, Answered: answered}
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) completeCallTransfer(w http.ResponseWriter, r *http.Request) {
	if err := s.center.CompleteTransfer(r.Context(), userOf(r).ID, r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) cancelCallTransfer(w http.ResponseWriter, r *http.Request) {
	if err := s.center.CancelTransfer(r.Context(), userOf(r).ID, r.PathValue("id"), "", ""); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type callRequest struct {
	Number string `json:"number"` // 010-1234-5678, 02-120-1234, …
}

// callOut places a call to a citizen from the center's number. The checks
// that need no contact (trunk, registered phone, room) come first, so a
// refusal leaves nothing to wrap up.
func (s *Server) callOut(w http.ResponseWriter, r *http.Request) {
	var req callRequest
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	u := userOf(r)
	if _, err := center.CallNumber(req.Number); err != nil {
		s.fail(w, r, err)
		return
	}
	if s.dialer == nil {
		s.fail(w, r, minwon.Errorf(minwon.EUNAVAILABLE, "calling out needs the phone channel (--sip and --sip-trunk)"))
		return
	}
	if err := s.dialer.CanDial(u.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	ct, oc, err := s.center.StartOutbound(r.Context(), u.ID, req.Number)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.dialer.Dial(ct, oc); err != nil {
		if e := s.center.OutboundEnded(r.Context(), ct.ID, "not placed: "+minwon.ErrorMessage(err)); e != nil {
			s.log.Warn("end unplaced outbound call", "contact", ct.ID, "err", e)
		}
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ct)
}

// transferFrame tells the counselor's desk what the target's line did,
// and a target counselor's desk that a call rings for it and when it stops
// ringing: a desk with the softphone on connects it for that call
// (transfer_ring), so the softphone can take transfers as it takes calls.
func (h *deskHub) transferFrame(ev *minwon.Event) {
	var st minwon.TransferStep
	if ev.Type == minwon.EventTransferStarted {
		var tr minwon.TransferStarted
		if ev.Decode(&tr) != nil {
			return
		}
		st.ID = tr.ID
		if tr.ToAgent != "" {
			h.mu.Lock()
			h.targets[tr.ID] = tr.ToAgent
			h.mu.Unlock()
			h.to(map[string]any{"type": "transfer_ring", "contact_id": ev.ContactID, "ringing": true}, tr.ToAgent)
		}
	} else if ev.Decode(&st) != nil {
		return
	}
	h.to(map[string]any{"type": "transfer", "contact_id": ev.ContactID, "step": ev.Type, "reason": st.Reason}, ev.AgentID)
	if ev.Type != minwon.EventTransferCompleted && ev.Type != minwon.EventTransferCancelled {
		return
	}
	h.mu.Lock()
	target, ok := h.targets[st.ID]
	delete(h.targets, st.ID)
	h.mu.Unlock()
	// Completed, the call is the target's and its softphone stays up.
	if ok && ev.Type == minwon.EventTransferCancelled {
		h.to(map[string]any{"type": "transfer_ring", "contact_id": ev.ContactID, "ringing": false}, target)
	}
}
