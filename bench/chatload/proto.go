package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The coordinator and its citizen workers talk in JSON lines: commands on the
// worker's stdin, reports on its stdout. The coordinator runs the agents, the
// workers the citizens, so no process needs more file descriptors than its
// hard limit allows.

// workerConfig is the first line a worker reads.
type workerConfig struct {
	Worker        int           `json:"worker"`
	URL           string        `json:"url"` // http://host:port
	Entry         string        `json:"entry"`
	First         int           `json:"first"`
	Count         int           `json:"count"`
	RampPerSec    float64       `json:"ramp_per_sec"` // this worker's share
	MaxDialing    int           `json:"max_dialing"`
	Sources       []string      `json:"sources"` // local IPs to dial from; empty: let the kernel choose
	RunID         string        `json:"run_id"`
	DialTimeout   time.Duration `json:"dial_timeout"`
	MaxReconnects int           `json:"max_reconnects"`
	Deadline      time.Time     `json:"deadline"` // the worker exits by then whatever happens
}

// command is every later line a worker reads.
type command struct {
	Cmd string `json:"cmd"` // measure | report | stop
	// measure: citizens send between Start and End, one message every Period
	// (± Jitter of it), each with TextBytes of text.
	Start     time.Time     `json:"start"`
	End       time.Time     `json:"end"`
	Period    time.Duration `json:"period"`
	Jitter    float64       `json:"jitter"`
	TextBytes int           `json:"text_bytes"`
	// report: messages received after Cut are counted as lost.
	Cut time.Time `json:"cut"`
}

// report is every line a worker writes.
type report struct {
	Type      string `json:"type"` // progress | result | error
	Worker    int    `json:"worker"`
	Connected int    `json:"connected"` // citizens with an open connection now
	Answered  int    `json:"answered"`  // citizens whose chat an agent has answered
	Failed    int    `json:"failed"`    // citizens given up on (could not connect, closed for good)
	Counters  counters
	Result    *sideResult `json:"result,omitempty"`
	Message   string      `json:"message,omitempty"`
}

// counters are events worth counting on either side.
type counters struct {
	DialErrors  int64 `json:"dial_errors"`
	Reconnects  int64 `json:"reconnects"`
	Closed      int64 `json:"closed"`       // connections the server closed or that broke
	ErrorFrames int64 `json:"error_frames"` // {type:"error"} frames received
	Refused     int64 `json:"refused"`      // error frames that named one of our client_ids
	WriteErrors int64 `json:"write_errors"`
	HTTPErrors  int64 `json:"http_errors"`
	Dups        int64 `json:"dups"` // a client_id delivered twice to the same side
}

func (c *counters) add(o counters) {
	c.DialErrors += o.DialErrors
	c.Reconnects += o.Reconnects
	c.Closed += o.Closed
	c.ErrorFrames += o.ErrorFrames
	c.Refused += o.Refused
	c.WriteErrors += o.WriteErrors
	c.HTTPErrors += o.HTTPErrors
	c.Dups += o.Dups
}

// sideResult is what one side measured in the measurement phase.
type sideResult struct {
	Sent     int64 `json:"sent"`     // messages this side sent in the window (written to the socket)
	Received int64 `json:"received"` // distinct messages from the other side received by the cut
	Late     int64 `json:"late"`     // received after the cut (counted lost)
	// Latency of messages this side received: total (sender's clock to
	// receipt), before the store (send → the server's Message.At, taken just
	// before Append) and after it (At → receipt: Append, Publish, delivery).
	Total *hist `json:"total"`
	Pre   *hist `json:"pre"`
	Post  *hist `json:"post"`
	// Echo: this side's own messages coming back to it (citizens only: the
	// chat socket echoes the citizen's own message once stored).
	Echo *hist `json:"echo"`
	// Ramp (citizens only): WebSocket dial → welcome frame, and dial → the
	// "agent" frame (queued, offered, accepted by a bench agent).
	Connect *hist `json:"connect"`
	Answer  *hist `json:"answer"`
	// Secs is the total latency of received messages by the second of the
	// measurement in which they were sent, to show when the tail happens.
	Secs map[int]*secStat `json:"secs"`
}

type secStat struct {
	N      int64 `json:"n"`
	Over50 int64 `json:"over50"`
	MaxUS  int64 `json:"max_us"`
}

func (s *sideResult) addSec(sent time.Time, start time.Time, lat time.Duration) {
	k := int(sent.Sub(start) / time.Second)
	st := s.Secs[k]
	if st == nil {
		st = &secStat{}
		s.Secs[k] = st
	}
	st.N++
	if lat > 50*time.Millisecond {
		st.Over50++
	}
	st.MaxUS = max(st.MaxUS, lat.Microseconds())
}

func newSide() *sideResult {
	return &sideResult{Total: newHist(), Pre: newHist(), Post: newHist(), Echo: newHist(), Connect: newHist(), Answer: newHist(), Secs: map[int]*secStat{}}
}

func (s *sideResult) merge(o *sideResult) {
	if o == nil {
		return
	}
	s.Sent += o.Sent
	s.Received += o.Received
	s.Late += o.Late
	s.Total.merge(o.Total)
	s.Pre.merge(o.Pre)
	s.Post.merge(o.Post)
	s.Echo.merge(o.Echo)
	s.Connect.merge(o.Connect)
	s.Answer.merge(o.Answer)
	for k, v := range o.Secs {
		st := s.Secs[k]
		if st == nil {
			st = &secStat{}
			s.Secs[k] = st
		}
		st.N += v.N
		st.Over50 += v.Over50
		st.MaxUS = max(st.MaxUS, v.MaxUS)
	}
}

// Message texts carry the sender's wall-clock send time, so the receiving
// process (another one, on the same machine) can compute the latency:
// "<unix nanoseconds> <filler>".
func stampText(at time.Time, filler string) string {
	return strconv.FormatInt(at.UnixNano(), 10) + " " + filler
}

func parseStamp(text string) (time.Time, bool) {
	head, _, _ := strings.Cut(text, " ")
	n, err := strconv.ParseInt(head, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}, false
	}
	return time.Unix(0, n), true
}

// filler returns about n bytes of a plausible Korean chat line.
func filler(n int, reply bool) string {
	base := "안녕하세요, 집 앞 불법 주정차 신고는 어디로 하나요? "
	if reply {
		base = "네, 확인해 드리겠습니다. 잠시만 기다려 주세요. "
	}
	var b strings.Builder
	for b.Len() < n {
		b.WriteString(base)
	}
	s := b.String()
	// cut on a rune boundary
	for i := min(n, len(s)); i > 0; i-- {
		if i == len(s) || s[i]&0xC0 != 0x80 {
			return strings.TrimSpace(s[:i])
		}
	}
	return "ok"
}

// frame is the subset of server frames either side reads.
type frame struct {
	Type      string          `json:"type"`
	ContactID string          `json:"contact_id"`
	Resume    string          `json:"resume"`
	State     string          `json:"state"`
	Code      string          `json:"code"`
	Message   json.RawMessage `json:"message"` // a Message object, or a text for error frames
	Messages  []wireMessage   `json:"messages"`
	Contact   *wireContact    `json:"contact"`
	ExpiresAt time.Time       `json:"expires_at"`
	ClientID  string          `json:"client_id"`
}

type wireMessage struct {
	ID        string    `json:"id"`
	ContactID string    `json:"contact_id"`
	Seq       int       `json:"seq"`
	From      string    `json:"from"`
	AuthorID  string    `json:"author_id"`
	Text      string    `json:"text"`
	ClientID  string    `json:"client_id"`
	At        time.Time `json:"at"`
}

type wireContact struct {
	ID      string `json:"id"`
	State   string `json:"state"`
	AgentID string `json:"agent_id"`
}

// sourceDialer returns a DialContext that binds to local IP src ("" lets the
// kernel choose). Loopback only: the caller never passes anything else.
func sourceDialer(src string, timeout time.Duration) func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{Timeout: timeout, KeepAlive: -1}
	if src != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(src)}
	}
	return d.DialContext
}

// newTransport is an HTTP transport for one source address.
func newTransport(src string, timeout time.Duration, maxConns int) *http.Transport {
	return &http.Transport{
		DialContext:         sourceDialer(src, timeout),
		MaxIdleConns:        maxConns,
		MaxIdleConnsPerHost: maxConns,
		MaxConnsPerHost:     maxConns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
}
