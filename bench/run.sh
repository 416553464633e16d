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
#   BENCH_PARTS   ("acd sqldb chat kb")
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
BENCH_PARTS=${BENCH_PARTS:-acd sqldb chat kb}
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
if [ "$BENCH_RECORD" = 1 ]; then echo "bench: done; figures appended to $RESULTS"; else echo "bench: done (BENCH_RECORD=0: nothing recorded)"; fi
