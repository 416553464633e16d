package minwon

// Sign-language video contacts (package video relays their media). A video
// contact is a chat contact on ChannelVideo: it is queued, offered,
// answered and ended as a chat is, and its text lines travel the chat's
// path. These events record the media legs alongside.
const (
	EventVideoConnected EventType = "video.connected" // VideoLeg; one side's media is flowing
	EventVideoEnded     EventType = "video.ended"     // VideoLeg with Seconds and Reason; one side's media stopped
)

// Sides of a video contact's media.
const (
	VideoCitizen = "citizen"
	VideoAgent   = "agent"
)

// VideoLeg is one side's media connection of a video contact.
type VideoLeg struct {
	Side    string  `json:"side"`              // VideoCitizen or VideoAgent
	Seconds float64 `json:"seconds,omitempty"` // how long it was connected, on video.ended
	Reason  string  `json:"reason,omitempty"`  // "ended", "failed", "replaced", "timeout", "transferred"
}
