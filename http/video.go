package http

import (
	"context"
	"net/http"
	"time"

	"github.com/minwon/minwon"
)

// VideoRelay carries sign-language video contacts' media (package video);
// the server only checks who may offer for which contact.
type VideoRelay interface {
	Offer(ctx context.Context, contactID, side, sdp string) (answer string, err error)
}

// SetVideo turns on the video offer endpoints; without it they answer 503.
func (s *Server) SetVideo(v VideoRelay) { s.video = v }

type videoOffer struct {
	// Resume is the citizen page's chat resume token; the counselor's
	// session is enough on the desk's route.
	Resume string `json:"resume,omitempty"`
	SDP    string `json:"sdp"`
}

type videoAnswer struct {
	SDP string `json:"sdp"`
}

// citizenVideo answers the citizen page's offer. The resume token binds it
// to the contact, as on the chat socket.
func (s *Server) citizenVideo(w http.ResponseWriter, r *http.Request) {
	if s.videoOff(w, r) {
		return
	}
	if !s.limits.allow("video-offer:"+clientIP(r), 30, time.Minute) {
		s.fail(w, r, &minwon.Error{Code: "rate_limited", Message: "too many video offers from your address; wait a minute"})
		return
	}
	var req videoOffer
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	ct, err := s.center.Resume(r.Context(), req.Resume)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.answerVideo(w, r, ct.ID, minwon.VideoCitizen, "", req.SDP)
}

// agentVideo answers the desk's offer for a video contact the counselor handles.
func (s *Server) agentVideo(w http.ResponseWriter, r *http.Request) {
	if s.videoOff(w, r) {
		return
	}
	var req videoOffer
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	s.answerVideo(w, r, r.PathValue("id"), minwon.VideoAgent, userOf(r).ID, req.SDP)
}

func (s *Server) answerVideo(w http.ResponseWriter, r *http.Request, contactID, side, userID, sdp string) {
	if _, err := s.center.VideoContact(contactID, side, userID); err != nil {
		s.fail(w, r, err)
		return
	}
	ans, err := s.video.Offer(r.Context(), contactID, side, sdp)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, videoAnswer{SDP: ans})
}

// videoOff answers 503 when the server relays no video.
func (s *Server) videoOff(w http.ResponseWriter, r *http.Request) bool {
	if s.video == nil {
		s.fail(w, r, minwon.Errorf(minwon.EUNAVAILABLE, "video is not enabled on this server"))
	}
	return s.video == nil
}
