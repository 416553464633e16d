package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

func (r *runResult) lost(sent int64, s *sideResult) int64 { return max(0, sent-s.Received) }

func (r *runResult) target() (string, bool) {
	p99 := max(r.c2a.Total.quantile(0.99), r.a2c.Total.quantile(0.99))
	complete := r.answered == r.o.citizens && r.heldAfter == r.o.citizens
	full := r.o.citizens >= 20000 && r.o.agents >= 2000
	ok := p99 < 50*time.Millisecond && complete && full && r.c2a.Total.N > 0 && r.a2c.Total.N > 0
	what := fmt.Sprintf("p99 %s ms (worse direction)", ms(p99))
	if !complete {
		what += fmt.Sprintf(", sessions held %d of %d", r.heldAfter, r.o.citizens)
	}
	if !full {
		what += fmt.Sprintf(", at %d + %d, below the target size", r.o.citizens, r.o.agents)
	}
	return what, ok
}

func (r *runResult) totalErrors() counters {
	var c counters
	c.add(r.citCtr)
	c.add(r.agCtr)
	return c
}

func (r *runResult) summary() string {
	var b strings.Builder
	o := r.o
	d := o.duration.Seconds()
	c2aSent, a2cSent := r.a2c.Sent, r.c2a.Sent // citizens report what they sent in a2c's side record
	// Note: the citizens' sideResult holds their Sent (citizen → agent) and
	// what they received (agent → citizen); the agents' the other way round.
	fmt.Fprintf(&b, "\nchatload: %d citizens, %d agents, %s\n", o.citizens, o.agents, r.store)
	fmt.Fprintf(&b, "  setup %s, agents online %s, ramp %s (%d worker processes, sources %v)\n",
		r.setupTook.Round(time.Millisecond), r.agentsTook.Round(time.Millisecond), r.rampTook.Round(time.Millisecond), r.workers, r.sources)
	fmt.Fprintf(&b, "  sessions held: %d at the start of the measurement, %d at its end; answered %d; failed %d\n",
		r.heldBefore, r.heldAfter, r.answered, r.failed)
	fmt.Fprintf(&b, "  offers %d, accepted %d, accept errors %d, offers withdrawn %d\n", r.offers, r.accepted, r.acceptFail, r.withd)
	fmt.Fprintf(&b, "  measurement %s: citizens sent %d (%.0f/s), agents received %d, late %d, lost %d\n",
		o.duration, c2aSent, float64(c2aSent)/d, r.c2a.Received, r.c2a.Late, r.lost(c2aSent, r.c2a))
	fmt.Fprintf(&b, "                   agents sent %d (%.0f/s), citizens received %d, late %d, lost %d\n",
		a2cSent, float64(a2cSent)/d, r.a2c.Received, r.a2c.Late, r.lost(a2cSent, r.a2c))
	fmt.Fprintf(&b, "  messages stored and delivered: %.0f/s\n", float64(r.c2a.Received+r.a2c.Received)/d)
	fmt.Fprintf(&b, "  citizen → agent  %s\n", r.c2a.Total.summary())
	fmt.Fprintf(&b, "     before store  %s\n", r.c2a.Pre.summary())
	fmt.Fprintf(&b, "     after store   %s\n", r.c2a.Post.summary())
	fmt.Fprintf(&b, "  agent → citizen  %s\n", r.a2c.Total.summary())
	fmt.Fprintf(&b, "     before store  %s\n", r.a2c.Pre.summary())
	fmt.Fprintf(&b, "     after store   %s\n", r.a2c.Post.summary())
	fmt.Fprintf(&b, "  citizen echo     %s\n", r.a2c.Echo.summary())
	fmt.Fprintf(&b, "  ramp: connect    %s\n", r.a2c.Connect.summary())
	fmt.Fprintf(&b, "        answered   %s\n", r.a2c.Answer.summary())
	fmt.Fprintf(&b, "        offer delay %s\n", r.offerDelay.summary())
	fmt.Fprintf(&b, "        accept RTT  %s\n", r.acceptRTT.summary())
	fmt.Fprintf(&b, "  10 ms sleep overshoot in the generator (CPU contention probe): %s\n", r.probe.summary())
	tl, slow := r.timeline()
	fmt.Fprintf(&b, "  worst latency per second of the measurement (ms): %s\n  seconds with any message over 50 ms: %d of %d\n", tl, slow, int(o.duration/time.Second))
	e := r.totalErrors()
	fmt.Fprintf(&b, "  errors: dial %d, reconnects %d, closed %d, error frames %d (refused messages %d), write %d, http %d, duplicates %d\n",
		e.DialErrors, e.Reconnects, e.Closed, e.ErrorFrames, e.Refused, e.WriteErrors, e.HTTPErrors, e.Dups)
	if r.cpuServer >= 0 {
		fmt.Fprintf(&b, "  CPU during the measurement: server %.2f cores, generator %.2f cores, everything else %.2f cores (machine busy %.2f of %d); load average at the end %s\n",
			r.cpuServer, r.cpuGen, max(0, r.cpuMachine-r.cpuServer-r.cpuGen), r.cpuMachine, numCPU(), r.loadDuring)
	}
	if st := storeSummary(r.metricsBefore, r.metricsAfter); st != "" {
		fmt.Fprintf(&b, "  store writer: %s\n", st)
	}
	if m := r.metricsAfter; len(m) > 0 {
		fmt.Fprintf(&b, "  server after: RSS %.0f MiB, goroutines %.0f, open fds %.0f, GC cycles %.0f\n",
			m["process_resident_memory_bytes"]/(1<<20), m["go_goroutines"], m["process_open_fds"], m["go_gc_duration_seconds_count"])
	}
	if m := r.metricsAfter; len(m) > 0 {
		fmt.Fprintf(&b, "  server events: created %.0f, offered %.0f, offer lapsed %.0f, answered %.0f, position %.0f, message %.0f\n",
			m[`minwon_events_total{type="contact.created"}`], m[`minwon_events_total{type="contact.offered"}`], m[`minwon_events_total{type="contact.offer_lapsed"}`],
			m[`minwon_events_total{type="contact.answered"}`], m[`minwon_events_total{type="contact.position"}`], m[`minwon_events_total{type="message.sent"}`])
	}
	for _, l := range r.serverLog {
		fmt.Fprintf(&b, "  server log: %s\n", l)
	}
	what, ok := r.target()
	verdict := "MISSED"
	if ok {
		verdict = "met"
	}
	fmt.Fprintf(&b, "  target p99 < 50 ms with every session held: %s (%s)\n", verdict, what)
	for _, n := range r.notes {
		fmt.Fprintf(&b, "  note: %s\n", n)
	}
	return b.String()
}

func row(name string, h *hist) string {
	if h.N == 0 {
		return fmt.Sprintf("| %s | 0 | – | – | – | – | – | – |", name)
	}
	return fmt.Sprintf("| %s | %d | %s | %s | %s | %s | %s | %s |", name, h.N, ms(h.quantile(0.5)), ms(h.quantile(0.9)),
		ms(h.quantile(0.99)), ms(h.quantile(0.999)), ms(time.Duration(h.Max)*time.Microsecond), ms(h.mean()))
}

func (r *runResult) markdown() string {
	var b strings.Builder
	o := r.o
	d := o.duration.Seconds()
	label := o.label
	if label == "" {
		label = "SQLite"
		if o.db != "" {
			label = "PostgreSQL"
		}
	}
	c2aSent, a2cSent := r.a2c.Sent, r.c2a.Sent
	fmt.Fprintf(&b, "\n## chat load — %s, %d citizens + %d agents\n\n", label, o.citizens, o.agents)
	fmt.Fprintf(&b, "- Date: %s (`date -u`)\n", r.date)
	fmt.Fprintf(&b, "- Machine: %s; load average before the run %s. The server, the store and the load generator "+
		"(coordinator with the agents + %d citizen worker processes) share these CPUs — the expected set-up, "+
		"so every figure includes the generator's own CPU use.\n", r.machine, r.loadBefore, r.workers)
	fmt.Fprintf(&b, "- Store: %s\n", r.store)
	if r.version != "" {
		fmt.Fprintf(&b, "- Server: `minwon version` %s\n", r.version)
	}
	fmt.Fprintf(&b, "- Command: `%s`\n", r.command)
	fmt.Fprintf(&b, "- Set-up: %d agents (capacity chat = %d) created in %s and logged in with their desks open in %s; "+
		"%d citizen WebSockets ramped at %.0f/s in %s from %d loopback source address(es).\n",
		o.agents, min(50, (o.citizens+o.agents-1)/o.agents+1), r.setupTook.Round(time.Second), r.agentsTook.Round(time.Second),
		o.citizens, o.rampPerSec, r.rampTook.Round(time.Second), max(1, len(r.sources)))
	fmt.Fprintf(&b, "- Load: for %s every answered citizen sends one message every %s (±%.0f %%, %d bytes of Korean text); "+
		"its counselor replies to each at once over the desk socket. Latency is from the sender's clock to the moment the other side "+
		"reads the `message` frame (pushed after the message is stored); *before store* is send → `Message.at` "+
		"(stamped by the server just before Append), *after store* is `at` → receipt.\n",
		o.duration, o.period, o.jitter*100, o.textBytes)
	fmt.Fprintf(&b, "- Sessions held: %d at the start of the measurement, %d at its end (target %d); answered %d; failed %d. "+
		"Offers %d, accepted %d, accept errors %d, withdrawn %d.\n",
		r.heldBefore, r.heldAfter, o.citizens, r.answered, r.failed, r.offers, r.accepted, r.acceptFail, r.withd)
	fmt.Fprintf(&b, "- Messages: citizens sent %d (%.0f/s), agents received %d, lost %d; agents sent %d (%.0f/s), citizens received %d, lost %d "+
		"(lost = not delivered within the %s grace). Stored and delivered: %.0f messages/s.\n\n",
		c2aSent, float64(c2aSent)/d, r.c2a.Received, r.lost(c2aSent, r.c2a), a2cSent, float64(a2cSent)/d, r.a2c.Received, r.lost(a2cSent, r.a2c),
		o.grace, float64(r.c2a.Received+r.a2c.Received)/d)
	fmt.Fprintf(&b, "| latency (ms) | n | p50 | p90 | p99 | p99.9 | max | mean |\n|---|---|---|---|---|---|---|---|\n")
	fmt.Fprintln(&b, row("citizen → agent", r.c2a.Total))
	fmt.Fprintln(&b, row("  before store", r.c2a.Pre))
	fmt.Fprintln(&b, row("  after store", r.c2a.Post))
	fmt.Fprintln(&b, row("agent → citizen", r.a2c.Total))
	fmt.Fprintln(&b, row("  before store", r.a2c.Pre))
	fmt.Fprintln(&b, row("  after store", r.a2c.Post))
	fmt.Fprintln(&b, row("citizen's own echo", r.a2c.Echo))
	fmt.Fprintln(&b, row("ramp: dial → welcome", r.a2c.Connect))
	fmt.Fprintln(&b, row("ramp: dial → answered", r.a2c.Answer))
	fmt.Fprintln(&b, row("ramp: offer event → offer frame at the desk", r.offerDelay))
	fmt.Fprintln(&b, row("ramp: POST accept round trip", r.acceptRTT))
	fmt.Fprintln(&b, row("10 ms sleep overshoot (generator)", r.probe))
	tl, slow := r.timeline()
	fmt.Fprintf(&b, "\n- Worst latency of the messages sent in each second of the measurement, both directions (ms): %s. "+
		"Seconds with any message over 50 ms: %d of %d.\n", tl, slow, int(o.duration/time.Second))
	e := r.totalErrors()
	fmt.Fprintf(&b, "- Errors: dial %d, reconnects %d, connections closed %d, error frames %d (messages refused %d), write errors %d, HTTP errors %d, duplicates %d.\n",
		e.DialErrors, e.Reconnects, e.Closed, e.ErrorFrames, e.Refused, e.WriteErrors, e.HTTPErrors, e.Dups)
	if r.cpuServer >= 0 {
		fmt.Fprintf(&b, "- CPU during the measurement: server%s %.2f cores, generator %.2f cores, other processes on the machine %.2f cores "+
			"(machine busy %.2f of %d); load average %s before the run, %s at the end of the measurement.\n",
			storeCPU(o), r.cpuServer, r.cpuGen, max(0, r.cpuMachine-r.cpuServer-r.cpuGen), r.cpuMachine, numCPU(), r.loadBefore, r.loadDuring)
	}
	if st := storeSummary(r.metricsBefore, r.metricsAfter); st != "" {
		fmt.Fprintf(&b, "- Store writer during the measurement (from its metrics; bucket bounds, so upper estimates): %s.\n", st)
	}
	if m := r.metricsAfter; len(m) > 0 {
		fmt.Fprintf(&b, "- Server at the end: RSS %.0f MiB, %.0f goroutines, %.0f open file descriptors.\n",
			m["process_resident_memory_bytes"]/(1<<20), m["go_goroutines"], m["process_open_fds"])
	}
	if m := r.metricsAfter; len(m) > 0 {
		var ev []string
		for _, t := range []string{"contact.created", "contact.offered", "contact.offer_lapsed", "contact.answered", "contact.position", "message.sent", "agent.state"} {
			ev = append(ev, fmt.Sprintf("%s %.0f", t, m[`minwon_events_total{type="`+t+`"}`]))
		}
		fmt.Fprintf(&b, "- Server events on the bus over the whole run: %s.\n", strings.Join(ev, ", "))
	}
	if len(r.serverLog) > 0 {
		fmt.Fprintf(&b, "- Server log warnings and errors:\n")
		for _, l := range r.serverLog {
			fmt.Fprintf(&b, "  - %s\n", l)
		}
	} else if r.o.spawn != "" {
		fmt.Fprintf(&b, "- Server log: no warnings or errors.\n")
	}
	what, ok := r.target()
	verdict := "**missed**"
	if ok {
		verdict = "met"
	}
	fmt.Fprintf(&b, "- Target (%d citizens + %d agents held, p99 < 50 ms): %s — %s.\n", 20000, 2000, verdict, what)
	for _, n := range r.notes {
		fmt.Fprintf(&b, "- Note: %s\n", n)
	}
	if o.note != "" {
		fmt.Fprintf(&b, "- %s\n", o.note)
	}
	return b.String()
}

func appendRecord(path, text string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func numCPU() int { return runtime.NumCPU() }

func storeCPU(o *options) string {
	if o.storePID > 0 {
		return " (with PostgreSQL's processes)"
	}
	return ""
}

// timeline renders, per second of the measurement, the worst latency of the
// messages sent in it (both directions), in ms.
func (r *runResult) timeline() (line string, slowSecs int) {
	secs := int(r.o.duration / time.Second)
	var parts []string
	for k := 0; k < secs; k++ {
		var mx int64
		var over int64
		for _, s := range []*sideResult{r.c2a, r.a2c} {
			if st := s.Secs[k]; st != nil {
				mx = max(mx, st.MaxUS)
				over += st.Over50
			}
		}
		if over > 0 {
			slowSecs++
		}
		parts = append(parts, fmt.Sprintf("%d", (mx+500)/1000))
	}
	return strings.Join(parts, " "), slowSecs
}
