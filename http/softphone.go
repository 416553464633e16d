package http

import (
	"net/http"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/softphone"
)

// SetSoftphones turns the desk's browser softphone on: desktops register
// over their desk socket and connect calls through the routes below.
func (s *Server) SetSoftphones(h *softphone.Hub) { s.phones = h }

// softphoneSDP is a WebRTC offer or answer with every ICE candidate in it.
type softphoneSDP struct {
	SDP string `json:"sdp"`
}

// softphoneOff answers when this node takes no calls.
func (s *Server) softphoneOff() error {
	return minwon.Errorf(minwon.EUNAVAILABLE, "this server takes no phone calls, so it has no softphone")
}

func (s *Server) softphoneOffer(w http.ResponseWriter, r *http.Request) {
	if s.phones == nil {
		s.fail(w, r, s.softphoneOff())
		return
	}
	var req softphoneSDP
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if req.SDP == "" {
		s.fail(w, r, minwon.Errorf(minwon.EINVALID, "sdp: the WebRTC offer is required"))
		return
	}
	answer, err := s.phones.Answer(r.Context(), userOf(r).ID, r.PathValue("id"), req.SDP)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, softphoneSDP{SDP: answer})
}

func (s *Server) softphoneControl(w http.ResponseWriter, r *http.Request) {
	if s.phones == nil {
		s.fail(w, r, s.softphoneOff())
		return
	}
	var req softphone.Control
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	st, err := s.phones.Control(userOf(r).ID, r.PathValue("id"), req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}
