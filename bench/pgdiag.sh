#!/bin/bash
# One diagnostic chat-load run on PostgreSQL: the server's GC trace, and
# PostgreSQL's checkpoints, autovacuum and WAL statistics sampled every
# second, kept for lining latency spikes up with what caused them
# (bench/RESULTS.md, sessions 6 and 7). Needs root (the cluster runs as
# postgres) and PostgreSQL 15's server binaries (scripts/deps.sh).
#
#   BIN=bin/minwon CIT=17500 AG=2000 SECS=60 bench/pgdiag.sh
#
# Environment: BIN the server binary (default bin/minwon), CIT and AG the
# citizens and agents, SECS the measurement, DIAG_DIR where everything is
# kept (default /tmp/minwon-pgdiag: chatload.txt, data/server.log,
# postgres.log, pgstat.txt, start.txt), EXTRA_ENV more chatload flags
# (e.g. "--server-env GOGC=400"), GENENV a prefix for the generator (e.g.
# "env GODEBUG=gctrace=1"), PGNICE the cluster's nice value (default 0).
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -n "$(ulimit -Hn)"
D=${DIAG_DIR:-/tmp/minwon-pgdiag}
rm -rf "$D"; mkdir -p "$D"; chmod 755 "$D"
PGB=/usr/lib/postgresql/15/bin
chown postgres: "$D"
runuser -u postgres -- $PGB/initdb -D "$D/pg" -U postgres -A trust -E UTF8 --locale=C --no-instructions >/dev/null
PORT=${PGPORT:-55432}
nice -n "${PGNICE:-0}" runuser -u postgres -- $PGB/pg_ctl -D "$D/pg" -l "$D/postgres.log" -w -t 60 start \
  -o "-p $PORT -h 127.0.0.1 -k $D -c fsync=on -c synchronous_commit=on -c full_page_writes=on -c max_connections=200 -c shared_buffers=256MB -c log_checkpoints=on -c log_autovacuum_min_duration=0 -c log_line_prefix='%m [%p] '" >/dev/null
trap 'runuser -u postgres -- $PGB/pg_ctl -D "$D/pg" -m fast -w -t 60 stop >/dev/null 2>&1 || true' EXIT
psql -h 127.0.0.1 -p "$PORT" -U postgres -qc 'CREATE DATABASE minwon' postgres
go build -o "$D/chatload" ./bench/chatload
cp "${BIN:-bin/minwon}" "$D/minwon"; mkdir -p "$D/data"
( while sleep 1; do
    printf '%s ' "$(date +%s.%N)"
    psql -h 127.0.0.1 -p "$PORT" -U postgres -Atc "select wal_records, wal_bytes, wal_write, wal_sync, (select checkpoints_timed+checkpoints_req from pg_stat_bgwriter), (select buffers_backend from pg_stat_bgwriter), (select count(*) from pg_stat_activity where wait_event is not null and state='active'), (select string_agg(wait_event_type||':'||wait_event, ',') from pg_stat_activity where state='active' and wait_event is not null) from pg_stat_wal" minwon 2>/dev/null || echo
  done ) > "$D/pgstat.txt" &
SAMP=$!
date +%s.%N > "$D/start.txt"
# shellcheck disable=SC2086 # EXTRA_ENV and GENENV are lists of words
${GENENV:-} nice -n -15 "$D/chatload" --spawn "$D/minwon" --citizens "${CIT:-17500}" --agents "${AG:-2000}" --duration "${SECS:-60}s" --period 15s --ramp 400 \
  --db "postgres://postgres@127.0.0.1:$PORT/minwon?sslmode=disable" --data "$D/data" --keep \
  --server-env GODEBUG=gctrace=1 ${EXTRA_ENV:-} --server-env MINWON_PPROF_ADDR=127.0.0.1:6060 --store-pid "$(head -1 "$D/pg/postmaster.pid")" > "$D/chatload.txt" 2>&1 || true
kill $SAMP || true
grep -E "citizen → agent|agent → citizen|worst latency|CPU during|store writer|server after|target" "$D/chatload.txt" || true
