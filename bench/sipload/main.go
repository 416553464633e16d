// Command sipload is the media side of the SIP load benchmark
// (BenchmarkBridgedRecordedCalls in package sip): the RTP of N callers and
// of the N counselor phones they are bridged to. sipp does the signalling
// of both (the callers' SDP and the phones' answers carry the ports this
// process writes to the -inf files); the media is here, in a process of
// its own, so the server's loss is not mixed up with a load generator
// falling behind inside the server's process.
//
//	sipload -calls 1000 -callers callers.csv -phones phones.csv
//
// Every packet's payload carries its stream, its sequence number and its
// send time, so loss, one-way delay and jitter (RFC 3550's estimator on the
// transit time) are measured where the packets arrive, per direction, and
// counted against what was really sent: a generator that falls behind
// sends less, it does not lose. Callers press 1 (RFC 4733) a second after
// the IVR starts speaking and again every second until the counselor's
// audio arrives.
//
// It is driven by lines on stdin: "bridged" answers "bridged K" (callers
// that hear their counselor), "window" starts the measured window,
// "stop" ends it and, after a second for packets in flight, writes the
// report as one JSON line and exits.
package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const (
	ptime       = 20 * time.Millisecond
	perSecond   = int(time.Second / ptime)
	samples     = 160 // 20 ms of 8 kHz G.711
	slots       = 10  // each sender's streams are spread over the 20 ms in this many slots
	magic       = "MWrt"
	headerBytes = 12
	// payload: magic, stream (4), sequence (4), send time in ns (8), window flag (1)
	stampBytes = 4 + 4 + 4 + 8 + 1
)

// Directions of the media, and the two halves of the streams slice.
const (
	fromCitizen = iota
	fromCounselor
)

var dirNames = [2]string{"citizen → counselor", "counselor → citizen"}

// phase of the run: 0 before the window, 1 in it, 2 after.
var phase atomic.Int32

type stream struct {
	id   uint32
	dir  int
	conn *net.UDPConn
	// rtcp holds the port after conn's, where the center sends its RTCP
	// reports as RFC 3550 has it; nobody reads it. Left free, that port
	// went to another stream's RTP socket, which then took the reports of
	// a call not its own.
	rtcp *net.UDPConn
	to   atomic.Pointer[netip.AddrPort] // learnt from the first packet in (symmetric RTP)
	// heard is set once the other side's generated audio arrives: the call
	// is bridged.
	heard atomic.Bool

	// the sender's goroutine only
	seq              uint16
	ts, pseq, keyTS  uint32
	started, nextKey time.Time
	key              int // telephone-event packets of the key press still to send
	sent             int64
	pkt              [headerBytes + samples]byte

	// the receiver of this stream's packets (at whichever socket they arrive)
	mu          sync.Mutex
	got         int64
	transit     int64 // ns, of the last packet counted
	jitter      float64
	haveTransit bool
}

var streams []*stream

func main() {
	calls := flag.Int("calls", 100, "callers, and as many counselor phones")
	ip := flag.String("ip", "127.0.0.1", "address to listen on for RTP")
	callers := flag.String("callers", "callers.csv", "sipp -inf file written for the callers: one RTP port a line")
	phones := flag.String("phones", "phones.csv", "sipp -inf file written for the phones: one RTP port a line")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("sipload: ")

	addr, err := netip.ParseAddr(*ip)
	if err != nil {
		log.Fatal(err)
	}
	streams = make([]*stream, 2**calls)
	var inf [2]strings.Builder
	for i := range streams {
		conn, rtcp, err := listenPair(addr)
		if err != nil {
			log.Fatalf("RTP socket %d of %d: %v (raise ulimit -n?)", i+1, len(streams), err)
		}
		conn.SetReadBuffer(256 << 10)
		s := &stream{id: uint32(i), dir: i / *calls, conn: conn, rtcp: rtcp}
		for j := headerBytes + stampBytes; j < len(s.pkt); j++ {
			s.pkt[j] = 0xff // G.711 µ-law silence after the stamp
		}
		streams[i] = s
		if s.id%uint32(*calls) == 0 {
			inf[s.dir].WriteString("SEQUENTIAL\n")
		}
		fmt.Fprintf(&inf[s.dir], "%d\n", conn.LocalAddr().(*net.UDPAddr).Port)
	}
	for i, name := range []string{*callers, *phones} {
		if err := os.WriteFile(name, []byte(inf[i].String()), 0o600); err != nil {
			log.Fatal(err)
		}
	}
	var delays [2]delayHist
	for _, s := range streams {
		go s.receive(&delays)
	}
	// One sender per core, each with its share of the streams.
	var late atomic.Int64
	n := runtime.GOMAXPROCS(0)
	for g := range n {
		var mine []*stream
		for i := g; i < len(streams); i += n {
			mine = append(mine, streams[i])
		}
		go send(mine, &late)
	}
	fmt.Println("ready")

	var windowStart time.Time
	var ru0 syscall.Rusage
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		switch in.Text() {
		case "bridged":
			k := 0
			for _, s := range streams[:*calls] {
				if s.heard.Load() {
					k++
				}
			}
			fmt.Println("bridged", k)
		case "window":
			for _, s := range streams {
				s.mu.Lock()
				s.got, s.jitter, s.haveTransit = 0, 0, false
				s.mu.Unlock()
			}
			syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
			windowStart = time.Now()
			late.Store(0)
			phase.Store(1)
			fmt.Println("ok")
		case "stop":
			phase.Store(2)
			window := time.Since(windowStart)
			var ru1 syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
			time.Sleep(time.Second) // packets still in flight
			r := report(*calls, window, &delays)
			r.CPUPercent = (tv(ru1.Utime) + tv(ru1.Stime) - tv(ru0.Utime) - tv(ru0.Stime)) / window.Seconds() * 100
			r.LateTicks = late.Load()
			json.NewEncoder(os.Stdout).Encode(r)
			return
		}
	}
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }

// send paces its streams: each sends one packet every 20 ms, the streams
// spread over the 20 ms so the packets do not leave in one burst.
func send(mine []*stream, late *atomic.Int64) {
	start := time.Now()
	next := start
	for k := 0; ; k++ {
		if d := time.Until(next); d > 0 {
			time.Sleep(d)
		} else if d < -ptime {
			// Behind by more than a packet: carry on from now rather than
			// send a burst to catch up. What was not sent is not counted.
			late.Add(1)
			next = time.Now()
		}
		next = next.Add(ptime / slots)
		now := time.Now()
		w := phase.Load()
		if w == 2 {
			return
		}
		for i := k % slots; i < len(mine); i += slots {
			mine[i].tick(now, w == 1)
		}
	}
}

// tick sends the stream's next packet, if it has somewhere to send it.
func (s *stream) tick(now time.Time, window bool) {
	to := s.to.Load()
	if to == nil {
		return
	}
	s.ts += samples
	var p []byte
	if s.dir == fromCitizen && !s.heard.Load() {
		if s.started.IsZero() {
			s.started = now
			s.nextKey = now.Add(time.Second) // the greeting, then the menu
		}
		if s.key == 0 && now.After(s.nextKey) {
			s.key, s.keyTS = 6, s.ts
			s.nextKey = now.Add(time.Second)
		}
	}
	if s.key > 0 {
		// RFC 4733: three updates of event 1, then three end packets.
		i := 6 - s.key
		dur := uint16(samples * (i + 1))
		vol := byte(10)
		if i >= 3 {
			vol |= 0x80
			dur = samples * 4
		}
		p = s.header(101, i == 0, s.keyTS, 4)
		copy(p[headerBytes:], []byte{1, vol, byte(dur >> 8), byte(dur)})
		s.key--
	} else {
		p = s.header(0, false, s.ts, samples)
		b := p[headerBytes:]
		copy(b, magic)
		binary.BigEndian.PutUint32(b[4:], s.id)
		binary.BigEndian.PutUint32(b[8:], s.pseq)
		binary.BigEndian.PutUint64(b[12:], uint64(now.UnixNano()))
		b[20] = 0
		if window {
			b[20] = 1
			s.sent++
		}
		s.pseq++
	}
	s.conn.WriteToUDPAddrPort(p, *to)
}

func (s *stream) header(pt byte, marker bool, ts uint32, payload int) []byte {
	p := s.pkt[:headerBytes+payload]
	p[0], p[1] = 0x80, pt
	if marker {
		p[1] |= 0x80
	}
	s.seq++
	binary.BigEndian.PutUint16(p[2:], s.seq)
	binary.BigEndian.PutUint32(p[4:], ts)
	binary.BigEndian.PutUint32(p[8:], 0x6d770000|s.id)
	return p
}

// receive reads the socket's packets: it learns where to send from the
// first, and counts those of the other side's streams.
func (s *stream) receive(delays *[2]delayHist) {
	buf := make([]byte, 1500)
	for {
		n, from, err := s.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		if n < headerBytes || buf[0]>>6 != 2 || isRTCP(buf[1]) {
			continue
		}
		if s.to.Load() == nil {
			s.to.Store(&from)
		}
		b := buf[headerBytes:n]
		if len(b) < stampBytes || string(b[:4]) != magic {
			continue // a prompt, or anything else of the center's
		}
		id := binary.BigEndian.Uint32(b[4:])
		if int(id) >= len(streams) || streams[id].dir == s.dir {
			continue
		}
		s.heard.Store(true)
		if b[20] != 1 {
			continue
		}
		now := time.Now().UnixNano()
		transit := now - int64(binary.BigEndian.Uint64(b[12:]))
		src := streams[id]
		delays[src.dir].add(transit)
		src.mu.Lock()
		src.got++
		if src.haveTransit {
			d := math.Abs(float64(transit-src.transit)) / 1e6
			src.jitter += (d - src.jitter) / 16
		}
		src.transit, src.haveTransit = transit, true
		src.mu.Unlock()
	}
}

// listenPair binds an RTP socket on an even port of addr and its RTCP
// socket on the next one, as a phone does.
func listenPair(addr netip.Addr) (rtp, rtcp *net.UDPConn, err error) {
	for range 100 {
		rtp, err = net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(addr, 0)))
		if err != nil {
			return nil, nil, err
		}
		port := rtp.LocalAddr().(*net.UDPAddr).Port
		if port%2 == 0 && port < 65535 {
			rtcp, err = net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(addr, uint16(port+1))))
			if err == nil {
				rtcp.SetReadBuffer(4 << 10)
				return rtp, rtcp, nil
			}
		}
		rtp.Close()
	}
	return nil, nil, fmt.Errorf("no free pair of UDP ports on %s", addr)
}

// isRTCP tells an RTCP packet from RTP by its second byte (RFC 5761 §4):
// RTCP's packet types 192–223 are no RTP payload type, marker bit or not.
// A stream must never learn where to send from one: diago sends its
// reports to the port after the peer's RTP, which may be another stream's.
func isRTCP(b byte) bool { return b >= 192 && b <= 223 }

// delayHist counts one-way delays in 0.1 ms buckets up to 2 s.
type delayHist struct {
	mu     sync.Mutex
	counts [20001]int64
}

const delayBucket = 100 * time.Microsecond

func (h *delayHist) add(ns int64) {
	i := min(max(ns/int64(delayBucket), 0), int64(len(h.counts)-1))
	h.mu.Lock()
	h.counts[i]++
	h.mu.Unlock()
}

func (h *delayHist) quantile(q float64) float64 {
	var n int64
	for _, c := range h.counts {
		n += c
	}
	if n == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(n)))
	var run int64
	for i, c := range h.counts {
		if run += c; run >= max(rank, 1) {
			return float64(i) * delayBucket.Seconds() * 1000
		}
	}
	return float64(len(h.counts)-1) * delayBucket.Seconds() * 1000
}

// Report is what sipload writes at the end.
type Report struct {
	Calls      int         `json:"calls"`
	Seconds    float64     `json:"seconds"`
	Bridged    int         `json:"bridged"`
	Directions []Direction `json:"directions"`
	CPUPercent float64     `json:"cpu_pct"`    // this process over the window; 100 = one core
	LateTicks  int64       `json:"late_ticks"` // times a sender fell a packet behind
}

// Direction is one direction's figures over the window.
type Direction struct {
	Name string `json:"name"`
	// Sent is what left the generator in the window; Expected is 50 a
	// second for every stream that was sending.
	Sent        int64   `json:"sent"`
	Expected    int64   `json:"expected"`
	Received    int64   `json:"received"`
	LossPct     float64 `json:"loss_pct"`
	Silent      int     `json:"silent"` // streams that sent and of which nothing arrived
	JitterAvgMS float64 `json:"jitter_avg_ms"`
	JitterMaxMS float64 `json:"jitter_max_ms"`
	DelayP50MS  float64 `json:"delay_p50_ms"`
	DelayP99MS  float64 `json:"delay_p99_ms"`
	DelayMaxMS  float64 `json:"delay_max_ms"`
}

func report(calls int, window time.Duration, delays *[2]delayHist) Report {
	r := Report{Calls: calls, Seconds: window.Seconds()}
	for _, s := range streams[:calls] {
		if s.heard.Load() {
			r.Bridged++
		}
	}
	for dir := range 2 {
		d := Direction{Name: dirNames[dir]}
		var jit float64
		k := 0
		for _, s := range streams[dir*calls : (dir+1)*calls] {
			s.mu.Lock()
			if s.sent > 0 {
				d.Sent += s.sent
				d.Expected += int64(window.Seconds() * float64(perSecond))
				d.Received += s.got
				if s.got == 0 {
					d.Silent++
				} else {
					jit += s.jitter
					d.JitterMaxMS = max(d.JitterMaxMS, s.jitter)
					k++
				}
			}
			s.mu.Unlock()
		}
		if d.Sent > 0 {
			d.LossPct = 100 * float64(d.Sent-d.Received) / float64(d.Sent)
		}
		if k > 0 {
			d.JitterAvgMS = jit / float64(k)
		}
		h := &delays[dir]
		d.DelayP50MS, d.DelayP99MS, d.DelayMaxMS = h.quantile(0.5), h.quantile(0.99), h.quantile(1)
		r.Directions = append(r.Directions, d)
	}
	return r
}
