package http

import (
	"net/http"
	"time"
)

// Call recordings: a contact's list and playback. Who may hear a recording
// is the center's rule (center/recording.go): the supervisors (QA) and
// admins of the tenant, and the counselor who took the call, for their own
// calls only. Every playback request stores recording.played, with the
// range asked for, before the first byte is sent.

func (s *Server) contactRecordings(w http.ResponseWriter, r *http.Request) {
	recs, err := s.center.ContactRecordings(r.Context(), userOf(r).ID, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, recs)
}

// recordingAudio streams the decrypted WAV, with Range, for the <audio>
// player; the file is authenticated whole before anything is sent.
func (s *Server) recordingAudio(w http.ResponseWriter, r *http.Request) {
	rec, err := s.center.PlayRecording(r.Context(), userOf(r).ID, r.PathValue("id"), r.Header.Get("Range"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rd, closeFile, err := s.center.OpenRecording(rec)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer closeFile()
	w.Header().Set("Content-Type", "audio/wav")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("ETag", `"`+rec.SHA256+`"`)
	w.Header().Set("Content-Disposition", `inline; filename="recording-`+rec.ID+`.wav"`)
	http.ServeContent(w, r, "", rec.Ended.Truncate(time.Second), rd)
}
