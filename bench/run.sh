#!/usr/bin/env bash
# minwon's benchmarks; `make bench` runs this and every part appends its
# figures to bench/RESULTS.md:
#   1. the routing engine:  go test ./acd -run '^$' -bench . -benchtime 200000x
#   2. the store, when it has benchmarks: go test ./sqldb -run '^$' -bench .
#   3. the chat load (bench/chatload) on SQLite, then on a throwaway
#      PostgreSQL started here (fsync on) and stopped at the end.
#   4. knowledge-base search over 100,000 generated articles (bench/kbcorpus):
#      go test ./kb -run '^$' -bench Search100k -benchtime 5000x (one goroutine, then
#      GOMAXPROCS of them with a save every 100 searches), then
#      go test ./kb -run '^$' -bench Upsert100k -benchtime 300x
#   5. SIP call setup rate (sip): bin/minwon serve --demo with --sip on a free
#      loopback port; sipp (bench/sipload/setup.xml) calls 120 at each rate of
#      SIP_RATES for SIP_SECONDS, each call INVITE → 200 → ACK, the greeting
#      heard for 1 s, BYE. Reports answered calls/s, failures, INVITE→200 and
#      BYE→200 times, and the highest rate with under 1% failed. Then, for
#      each count of SIP_BRIDGED, that many calls held at once, each through
#      the IVR (the caller presses 1), accepted by its own counselor, bridged
#      to a sipp phone that echoes the audio, and recorded:
#      MINWON_BENCH_CALLS=N go test ./sip -run '^$' -bench BridgedRecordedCalls -benchtime 1x
#      (round-trip RTP loss and jitter, recordings stored and their size).
#
# Sizes and choices, from the environment:
#   CHAT_CITIZENS (20000)  citizen chat sessions held open
#   CHAT_AGENTS   (2000)   counselors answering them
#   CHAT_SECONDS  (60)     length of the measurement
#   CHAT_PERIOD   (15s)    each citizen writes once per period; agents reply to each message
#   CHAT_RAMP     (400)    new citizen connections per second
#   CHAT_STORES   ("sqlite postgres")
#   CHAT_ARGS     ("")     more chatload flags (go run ./bench/chatload -h)
#   KB_QUERIES    (5000)   searches timed by the kb part
#   SIP_RATES     ("100 250 500 750 1000")  call setup rates (calls/s) of the sip part
#   SIP_SECONDS   (10)     seconds of calls at each rate
#   SIP_BRIDGED   ("500 1000")  concurrent bridged, recorded calls of the sip part
#   SIP_HOLD      (10s)    how long those calls are held and measured
#   BENCH_PARTS   ("acd sqldb chat kb sip")
#   BENCH_RECORD  (1)      0: print only, append nothing to bench/RESULTS.md
#   MINWON_BIN    (bin/minwon, built when missing)  the server binary under test
#
# The server holds one file descriptor per socket: where the hard
# RLIMIT_NOFILE (ulimit -Hn) is below CHAT_CITIZENS + CHAT_AGENTS + 200 it
# cannot hold them all; chatload warns and records how many it held.
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
CHAT_CITIZENS=${CHAT_CITIZENS:-20000}
CHAT_AGENTS=${CHAT_AGENTS:-2000}
CHAT_SECONDS=${CHAT_SECONDS:-60}
CHAT_PERIOD=${CHAT_PERIOD:-15s}
CHAT_RAMP=${CHAT_RAMP:-400}
CHAT_STORES=${CHAT_STORES:-sqlite postgres}
CHAT_ARGS=${CHAT_ARGS:-}
KB_QUERIES=${KB_QUERIES:-5000}
SIP_RATES=${SIP_RATES:-100 250 500 750 1000}
SIP_SECONDS=${SIP_SECONDS:-10}
SIP_BRIDGED=${SIP_BRIDGED:-500 1000}
SIP_HOLD=${SIP_HOLD:-10s}
BENCH_PARTS=${BENCH_PARTS:-acd sqldb chat kb sip}
BENCH_RECORD=${BENCH_RECORD:-1}
RESULTS=bench/RESULTS.md

# Sockets: every citizen and agent holds one on each end. The soft limit goes
# to the hard one; raising the hard one needs CAP_SYS_RESOURCE.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

work=$(mktemp -d /tmp/minwon-bench.XXXXXX)
chmod 755 "$work" # the postgres user reaches its data directory through it
pg_data=""
pg_bin=""
cleanup() {
  if [ -n "$pg_data" ] && [ -f "$pg_data/postmaster.pid" ]; then
    echo "bench: stopping PostgreSQL"
    as_pg "$pg_bin/pg_ctl" -D "$pg_data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

has() { case " $BENCH_PARTS " in *" $1 "*) return 0 ;; esac; return 1; }

machine() {
  printf '`nproc` = %s; %s; memory %s; Linux %s; %s' "$(nproc)" \
    "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')" \
    "$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)" \
    "$(uname -r)" "$($GO env GOVERSION)"
}

# record_gobench TITLE COMMAND OUTPUT_FILE: appends a go test -bench run.
record_gobench() {
  [ "$BENCH_RECORD" = 1 ] || return 0
  {
    printf '\n## %s\n\n' "$1"
    printf -- '- Date: %s (`date -u`)\n' "$(date -u)"
    printf -- '- Machine: %s; load average before the run %s (the machine is shared).\n' "$(machine)" "$4"
    printf -- '- Command: `%s`\n\n' "$2"
    printf '```\n'
    grep -E '^(goos|goarch|pkg|cpu|Benchmark|ok|PASS|FAIL)' "$3" || cat "$3"
    printf '```\n'
  } >>"$RESULTS"
}

MINWON_BIN=${MINWON_BIN:-bin/minwon}
if [ ! -x "$MINWON_BIN" ]; then
  echo "bench: building $MINWON_BIN"
  mkdir -p "$(dirname "$MINWON_BIN")"
  ./scripts/prompts.sh # the SIP channel refuses to start without its voice prompts
  $GO build -ldflags "-X github.com/minwon/minwon.Version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)" -o "$MINWON_BIN" ./cmd/minwon
fi
# A private copy: the binary under test must not change if bin/ is rebuilt meanwhile.
cp "$MINWON_BIN" "$work/minwon"
$GO build -o "$work/chatload" ./bench/chatload

if has acd; then
  cmd="go test ./acd -run '^\$' -bench . -benchtime 200000x"
  echo "bench: $cmd"
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  $GO test ./acd -run '^$' -bench . -benchtime 200000x | tee "$work/acd.txt"
  record_gobench "acd — routing engine, \`make bench\`" "$cmd" "$work/acd.txt" "$load"
fi

if has sqldb; then
  if grep -qs '^func Benchmark' sqldb/*_test.go; then
    cmd="go test ./sqldb -run '^\$' -bench ."
    echo "bench: $cmd"
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    $GO test ./sqldb -run '^$' -bench . | tee "$work/sqldb.txt"
    record_gobench "sqldb — store, \`make bench\`" "$cmd" "$work/sqldb.txt" "$load"
  else
    echo "bench: sqldb has no benchmarks yet; skipped"
  fi
fi

if has kb; then
  cmd="go test ./kb -run '^\$' -bench Search100k -benchtime ${KB_QUERIES}x"
  echo "bench: $cmd"
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  $GO test ./kb -run '^$' -bench Search100k -benchtime "${KB_QUERIES}x" | tee "$work/kb.txt"
  record_gobench "kb — knowledge-base search over 100,000 articles, \`make bench\`" "$cmd" "$work/kb.txt" "$load"
  # Saves into the same size of index; 300 of them include one fold of the
  # delta segment into the main one.
  cmd="go test ./kb -run '^\$' -bench Upsert100k -benchtime 300x"
  echo "bench: $cmd"
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  $GO test ./kb -run '^$' -bench Upsert100k -benchtime 300x | tee "$work/kbup.txt"
  record_gobench "kb — one article saved into 100,000, \`make bench\`" "$cmd" "$work/kbup.txt" "$load"
fi

chatload() {
  local rec=()
  [ "$BENCH_RECORD" = 1 ] && rec=(--record --results "$RESULTS")
  # shellcheck disable=SC2086 # CHAT_ARGS is a list of flags
  "$work/chatload" --spawn "$work/minwon" --citizens "$CHAT_CITIZENS" --agents "$CHAT_AGENTS" \
    --duration "${CHAT_SECONDS}s" --period "$CHAT_PERIOD" --ramp "$CHAT_RAMP" "${rec[@]}" "$@" $CHAT_ARGS
}

# as_pg runs a command as the postgres user when we are root (PostgreSQL
# refuses to run as root), as ourselves otherwise.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# find_pg sets pg_bin to the newest Debian-style PostgreSQL, else the one on PATH
# (as internal/pgtest does).
find_pg() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/postgres" ] && [ -x "$d/pg_ctl" ]; then pg_bin=$d; return 0; fi
  done
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    pg_bin=$(dirname "$(command -v initdb)"); return 0
  fi
  return 1
}

start_pg() {
  local dir="$work/pg" port try
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
  pg_data="$dir/data"
  as_pg "$pg_bin/initdb" -D "$pg_data" -U postgres -A trust -E UTF8 --locale=C --no-instructions >"$dir/initdb.log"
  for try in 1 2 3 4 5; do
    port=$(( 20000 + RANDOM % 20000 ))
    # Durability as in production: fsync and synchronous_commit on.
    if as_pg "$pg_bin/pg_ctl" -D "$pg_data" -l "$dir/postgres.log" -w -t 60 start \
        -o "-p $port -h 127.0.0.1 -k $dir -c fsync=on -c synchronous_commit=on -c full_page_writes=on -c max_connections=200 -c shared_buffers=256MB" >/dev/null; then
      pg_port=$port
      "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -qc 'CREATE DATABASE minwon' postgres
      pg_version=$("$pg_bin/postgres" --version | awk '{print $3}')
      return 0
    fi
  done
  echo "bench: PostgreSQL did not start; see $dir/postgres.log" >&2
  cat "$dir/postgres.log" >&2 || true
  return 1
}

if has chat; then
  for store in $CHAT_STORES; do
    case $store in
    sqlite)
      echo "bench: chatload on SQLite ($CHAT_CITIZENS citizens, $CHAT_AGENTS agents, ${CHAT_SECONDS}s)"
      chatload --label "SQLite" || echo "bench: chatload on SQLite failed" >&2
      ;;
    postgres)
      if ! find_pg; then
        echo "bench: no PostgreSQL server binaries (initdb, postgres); chatload on PostgreSQL skipped (scripts/deps.sh installs them)" >&2
        continue
      fi
      start_pg
      echo "bench: chatload on PostgreSQL $pg_version (127.0.0.1:$pg_port, fsync on)"
      chatload --db "postgres://postgres@127.0.0.1:$pg_port/minwon?sslmode=disable" \
        --store-pid "$(head -1 "$pg_data/postmaster.pid")" \
        --label "PostgreSQL $pg_version" \
        --store-label "PostgreSQL $pg_version on the same machine (throwaway cluster from bench/run.sh: fsync=on, synchronous_commit=on, shared_buffers=256MB)" \
        || echo "bench: chatload on PostgreSQL failed" >&2
      as_pg "$pg_bin/pg_ctl" -D "$pg_data" -m fast -w -t 60 stop >/dev/null || true
      pg_data=""
      ;;
    *) echo "bench: unknown store $store in CHAT_STORES" >&2 ;;
    esac
  done
fi
# sip_cpu PID: the process's user+system CPU time so far, in clock ticks.
sip_cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }

if has sip; then
  if ! command -v sipp >/dev/null; then
    echo "bench: sipp is not installed; the sip part is skipped (scripts/deps.sh installs sip-tester)" >&2
  else
    sipdir="$work/sip"
    mkdir -p "$sipdir/data"
    # The demo center; the calls outnumber the default ceiling of 500.
    "$work/minwon" serve --demo --data "$sipdir/data" --http 127.0.0.1:0 --sip 127.0.0.1:0 \
      --sip-max-calls 20000 >"$sipdir/server.log" 2>&1 &
    sip_pid=$!
    sip_addr=""
    for _ in $(seq 1 300); do
      sip_addr=$(sed -n 's/^ *phone: *sip:NUMBER@\([^ ]*\) .*/\1/p' "$sipdir/server.log")
      [ -n "$sip_addr" ] && break
      kill -0 "$sip_pid" 2>/dev/null || break
      sleep 0.1
    done
    if [ -z "$sip_addr" ]; then
      echo "bench: the server's SIP channel did not start; see its log:" >&2
      tail -20 "$sipdir/server.log" >&2
      kill "$sip_pid" 2>/dev/null || true
    else
      echo "bench: SIP setup rate against $sip_addr (rates $SIP_RATES, ${SIP_SECONDS}s each)"
      cp bench/sipload/setup.xml "$sipdir/"
      tck=$(getconf CLK_TCK)
      rows=""
      best=""
      for rate in $SIP_RATES; do
        d="$sipdir/r$rate"
        mkdir -p "$d"
        cp bench/sipload/setup.xml "$d/"
        port=$(( 30000 + RANDOM % 20000 ))
        load=$(cut -d' ' -f1-3 /proc/loadavg)
        cpu0=$(sip_cpu "$sip_pid"); t0=$(date +%s.%N)
        # -l: concurrent calls allowed to sipp, above rate × (hold + setup).
        (cd "$d" && sipp -sf setup.xml -s 120 -i 127.0.0.1 -p "$port" -mp $((port + 2)) -t u1 \
          -r "$rate" -m $((rate * SIP_SECONDS)) -l $((rate * 4 + 100)) -d 1000 \
          -timeout $((SIP_SECONDS + 60))s -nostdin -max_socket 60000 \
          -trace_stat -stf stat.csv -fd 1 -trace_rtt -rtt_freq 1 -trace_err -error_file err.log \
          "$sip_addr" >out.txt 2>&1) || true
        cpu1=$(sip_cpu "$sip_pid"); t1=$(date +%s.%N)
        last=$(tail -1 "$d/stat.csv" 2>/dev/null || true)
        if [ -z "$last" ]; then
          echo "bench: sipp at $rate calls/s wrote no statistics:" >&2; tail -5 "$d/out.txt" >&2
          continue
        fi
        created=$(echo "$last" | cut -d';' -f13)
        ok=$(echo "$last" | cut -d';' -f16)
        failed=$(echo "$last" | cut -d';' -f18)
        retrans=$(echo "$last" | cut -d';' -f58)
        # Answered calls/s: 200 OKs to INVITE over the span from the first to the
        # last; response times from sipp's per-call dump (ms resolution).
        stats=$(cat "$d"/setup_*_rtt.csv 2>/dev/null | awk -F';' -v sorted="sort -k2,2n > $d/rtd1.sorted" '
          $3 == 1 { n1++; t = $1 + 0; if (n1 == 1 || t < lo) lo = t; if (t > hi) hi = t; s1 += $2; print "1", $2 | sorted }
          $3 == 2 { n2++; s2 += $2 }
          END { close(sorted)
            printf "%d %.3f %.1f %.1f", n1, (hi - lo) / 1000, (n1 ? s1 / n1 : 0), (n2 ? s2 / n2 : 0) }')
        n1=$(echo "$stats" | cut -d' ' -f1); span=$(echo "$stats" | cut -d' ' -f2)
        avg1=$(echo "$stats" | cut -d' ' -f3); avg2=$(echo "$stats" | cut -d' ' -f4)
        pct() { [ -s "$d/rtd1.sorted" ] && awk -v p="$1" '{v[NR] = $2} END { i = int(NR * p / 100); if (i < 1) i = 1; print v[i] }' "$d/rtd1.sorted" || echo "-"; }
        p50=$(pct 50); p99=$(pct 99); pmax=$(pct 100)
        answered=$(awk -v n="$n1" -v s="$span" 'BEGIN { if (s > 0) printf "%.0f", (n - 1) / s; else print "-" }')
        fpct=$(awk -v f="$failed" -v c="$created" 'BEGIN { if (c > 0) printf "%.2f", 100 * f / c; else print "100" }')
        cpu=$(awk -v a="$cpu0" -v b="$cpu1" -v t0="$t0" -v t1="$t1" -v hz="$tck" 'BEGIN { printf "%.0f", 100 * (b - a) / hz / (t1 - t0) }')
        rss=$(awk '/VmHWM/ {printf "%.0f MiB", $2 / 1024}' "/proc/$sip_pid/status")
        echo "bench:   $rate calls/s: $created made, $ok completed, $failed failed ($fpct%), $answered answered/s; INVITE→200 avg $avg1 ms p50 $p50 p99 $p99 max $pmax; BYE→200 avg $avg2 ms; server CPU $cpu%; load $load"
        rows+="| $rate | $created | $ok | $failed ($fpct%) | $retrans | $answered | $avg1 / $p50 / $p99 / $pmax | $avg2 | $cpu% | $rss | $load |"$'\n'
        if awk -v f="$fpct" 'BEGIN { exit !(f < 1) }'; then best=$rate; fi
      done
      kill "$sip_pid" 2>/dev/null || true
      wait "$sip_pid" 2>/dev/null || true
      echo "bench: highest rate with under 1% failed calls: ${best:-none} calls/s"
      if [ "$BENCH_RECORD" = 1 ]; then
        {
          printf '\n## sip — call setup rate through the IVR, `make bench`\n\n'
          printf -- '- Date: %s (`date -u`)\n' "$(date -u)"
          printf -- '- Machine: %s; sipp %s on the same machine (the machine is shared: see the load column).\n' "$(machine)" "$(sipp -v 2>&1 | sed -n 's/.*SIPp \(v[^ ,-]*\).*/\1/p' | head -1)"
          printf -- '- Server: `minwon serve --demo --sip 127.0.0.1:0 --sip-max-calls 20000` (SQLite, recording on; calls to 120 are answered by the IVR and hear the greeting; no counselor is involved).\n'
          printf -- '- Command: `BENCH_PARTS=sip SIP_RATES="%s" SIP_SECONDS=%s ./bench/run.sh`; per rate `sipp -sf bench/sipload/setup.xml -s 120 -t u1 -r RATE -m RATE×%s -d 1000` (INVITE → 200 → ACK, 1 s of greeting, BYE → 200).\n' "$SIP_RATES" "$SIP_SECONDS" "$SIP_SECONDS"
          printf -- '- Answered/s: 200 OKs to INVITE per second between the first and the last. Times in ms (sipp resolution 1 ms): INVITE→200 avg / p50 / p99 / max; BYE→200 avg. Server CPU: its user+system time over the run at that rate (100%% = one core). Peak RSS is the process high-water mark so far.\n\n'
          printf '| Target calls/s | Calls made | Completed | Failed | Retransmissions | Answered/s | INVITE→200 ms | BYE→200 ms | Server CPU | Server peak RSS | Load before |\n'
          printf '|---|---|---|---|---|---|---|---|---|---|---|\n'
          printf '%s' "$rows"
          printf '\nHighest rate with under 1%% failed calls: **%s calls/s**.\n' "${best:-none}"
        } >>"$RESULTS"
      fi
    fi
    for calls in $SIP_BRIDGED; do
      cmd="MINWON_BENCH_CALLS=$calls MINWON_BENCH_HOLD=$SIP_HOLD go test ./sip -run '^\$' -bench BridgedRecordedCalls -benchtime 1x"
      echo "bench: $cmd"
      load=$(cut -d' ' -f1-3 /proc/loadavg)
      MINWON_BENCH_CALLS=$calls MINWON_BENCH_HOLD=$SIP_HOLD $GO test ./sip -run '^$' -bench BridgedRecordedCalls -benchtime 1x 2>&1 \
        | grep -v 'unsupported payload_type' | tee "$work/bridged$calls.txt" || true
      if [ "$BENCH_RECORD" = 1 ]; then
        {
          printf '\n## sip — %s concurrent calls bridged to counselors and recorded, `make bench`\n\n' "$calls"
          printf -- '- Date: %s (`date -u`)\n' "$(date -u)"
          printf -- '- Machine: %s; load average before %s, after %s (the machine is shared; callers, phones and server all run on it).\n' "$(machine)" "$load" "$(cut -d' ' -f1-3 /proc/loadavg)"
          printf -- '- Command: `%s`\n' "$cmd"
          printf -- '- What runs: the SIP server in the test process (SQLite, recording on), sipp as all callers (50 new calls/s, RFC 4733 key 1 in the IVR) and as all counselor phones (-rtp_echo); each caller'"'"'s media is a socket in the test process sending 50 PCMU packets/s and counting the echo that returns through the center, the phone and the center again. loss_%% and jitter are over that round trip during the hold; cpu_%%_in_hold is the test process (server and callers'"'"' media together; 100%% = one core).\n\n'
          printf '```\n'
          grep -E '^(Benchmark|ok|PASS|FAIL|--- FAIL)|calls: |of .* calls were bridged' "$work/bridged$calls.txt" || tail -20 "$work/bridged$calls.txt"
          printf '```\n'
        } >>"$RESULTS"
      fi
    done
  fi
fi
if [ "$BENCH_RECORD" = 1 ]; then echo "bench: done; figures appended to $RESULTS"; else echo "bench: done (BENCH_RECORD=0: nothing recorded)"; fi
