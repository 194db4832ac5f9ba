#!/usr/bin/env bash
# bench/run.sh: session-runtime against the hand-written floors, tower-sessions and bare axum,
# under the same wrk load, one server loaded at a time; then the criterion micro-benchmarks and
# the filesystem pruning measurement. Prints one table; every ratio in it comes from this run.
#
#   usage: bench/run.sh [counts] [load] [instr] [memory] [scale] [micro] [prune]
#          (default: counts load instr micro prune)
#   env:   DURATION=10 WARMUP=3 CONNS="32 256" THREADS=2 SESSIONS=256 ROUNDS=1
#          ROUTES="incr read none" ONLY="server names" (load: a subset, e.g. ONLY="floor_redis_ro floor_fs floor_pg server_throttled")
#          STORES="redis filesystem postgres" (also: memcached mongodb sqlite mysql)
#          MEMORY_STORES="redis" MEMORY_SESSIONS=1000000 SCALE="1000 1000000" FS_SCALE="100 100000"
#          OUT=bench/results (raw wrk output, the TSV and the rendered table go there)
#
# Needs root the first time (apt for wrk; scripts/services.sh for Redis and PostgreSQL).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
CONNS=${CONNS:-"32 256"}
THREADS=${THREADS:-2}
SESSIONS=${SESSIONS:-256}
ROUNDS=${ROUNDS:-1}
ROUTES=${ROUTES:-"incr read none"}
STORES=${STORES:-"redis filesystem postgres"}
MEMORY_STORES=${MEMORY_STORES:-redis}
MEMORY_SESSIONS=${MEMORY_SESSIONS:-1000000}
SCALE=${SCALE:-"1000 1000000"}
FS_SCALE=${FS_SCALE:-"100 100000"}
OUT=${OUT:-$HERE/results}
# A private Redis, so `INFO commandstats` counts only the benchmarked server's commands (the
# shared one on 6379 also serves the test suite and other tools).
REDIS_PORT=${REDIS_PORT:-6391}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/test}
BASE_PORT=${BASE_PORT:-3100}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET/release
WORK=$(mktemp -d /tmp/session-bench.XXXXXX)

steps=("$@")
[ ${#steps[@]} -eq 0 ] && steps=(counts load instr micro prune)
want() { local s; for s in "${steps[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1; }

log() { echo "[bench] $*" >&2; }

# shellcheck source=servers.sh
. "$HERE/servers.sh"

# Every process this script starts is recorded here and ended on exit, by pid only.
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

# shellcheck disable=SC2016  # $1 is expanded by the inner bash
port_open() { timeout 1 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null; }

setup() {
    command -v wrk >/dev/null || { log "installing wrk"; apt-get install -y wrk >/dev/null; }
    command -v perf >/dev/null || { log "installing perf"; apt-get install -y linux-perf >/dev/null; }
    # Redis (its binaries), PostgreSQL and the other stores, as the test suite gets them.
    local services=(redis postgres) s
    for s in $STORES; do
        case $s in memcached) services+=(memcached) ;; mysql) services+=(mariadb) ;; mongodb) services+=(mongo) ;; esac
    done
    "$ROOT/scripts/services.sh" "${services[@]}" >/dev/null
    if ! port_open "$REDIS_PORT"; then
        redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
            --daemonize no --logfile "$WORK/redis.log" &
        PIDS+=($!)
        local _; for _ in $(seq 50); do port_open "$REDIS_PORT" && break; sleep 0.1; done
    fi
    redis-cli -p "$REDIS_PORT" ping >/dev/null
    log "building (release, and the criterion benches, so no compiler runs during a measurement)"
    if want counts || want scale; then
        # The counting allocator's binaries, kept apart: the timed ones never count.
        (cd "$ROOT" && cargo build --release -q -p session-bench --bins --features count-alloc)
        mkdir -p "$WORK/alloc-bin"
        find "$BIN" -maxdepth 1 -type f -executable -exec cp {} "$WORK/alloc-bin/" \;
    fi
    if want memory; then
        # Each store's server and floor built with that store's feature alone: no other backend
        # in session-runtime or the binary.
        local store
        for store in $MEMORY_STORES; do
            local floor; floor=$(floor_of "$store")
            (cd "$ROOT" && cargo build --release -q -p session-bench --no-default-features --features "$store" \
                --bin server ${floor:+--bin "$floor"} --bin bare)
            mkdir -p "$WORK/mem-$store"
            cp "$BIN/server" "$BIN/bare" ${floor:+"$BIN/$floor"} "$WORK/mem-$store/"
        done
    fi
    (cd "$ROOT" && cargo build --release -q -p session-bench --bins)
    if want micro; then (cd "$ROOT" && cargo bench -q -p session-bench --bench micro --no-run); fi
    mkdir -p "$OUT"
}

# start NAME PORT CMD...: runs a server, waits for its port, records its pid in SERVER_PID.
start() {
    local name=$1 port=$2; shift 2
    # shellcheck disable=SC2046  # the assignments are words on purpose
    env PORT="$port" $(server_env "$WORK" "$name") "$@" >"$WORK/$name.log" 2>&1 &
    local pid=$!
    PIDS+=("$pid")
    local _; for _ in $(seq 100); do port_open "$port" && break; sleep 0.1; done
    port_open "$port" || { cat "$WORK/$name.log" >&2; log "$name did not start"; exit 1; }
    eval "PID_${name}=$pid"
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# Sum of calls over every command but INFO itself, and a "cmd=calls" list.
redis_calls() {
    redis-cli -p "$REDIS_PORT" info commandstats | tr -d '\r' | awk -F'[:,=]' '
        /^cmdstat_/ { c = substr($1, 9); if (c != "info") { t += $3; l = l c "=" $3 " " } }
        END { printf "%d\t%s\n", t, l }'
}

CLK_TCK=$(getconf CLK_TCK)

# measure STORE SERVER ROUTE CONNS PORT PID LUA ROUND: warm-up, then the measured wrk run;
# appends one TSV row.
measure() {
    local store=$1 server=$2 route=$3 conns=$4 port=$5 pid=$6 lua=$7 round=$8
    local url="http://127.0.0.1:$port/$route" raw="$OUT/raw/$store.$server.$route.c$conns.r$round.txt"
    mkdir -p "$OUT/raw"
    wrk -t"$THREADS" -c"$conns" -d"${WARMUP}s" -s "$lua" "$url" >/dev/null
    local cpu0 cpu1 r0 r1
    cpu0=$(cpu_ticks "$pid"); r0=$(redis_calls)
    wrk -t"$THREADS" -c"$conns" -d"${DURATION}s" --latency -s "$lua" "$url" >"$raw"
    cpu1=$(cpu_ticks "$pid"); r1=$(redis_calls)
    python3 - "$raw" "$store" "$server" "$route" "$conns" "$round" "$((cpu1 - cpu0))" "$CLK_TCK" "$r0" "$r1" \
        >>"$OUT/load.tsv" <<'PY'
import re, sys
raw, store, server, route, conns, rnd, ticks, hz, r0, r1 = sys.argv[1:]
text = open(raw).read()
def ms(v):
    n, u = re.match(r"([\d.]+)(us|ms|s)", v).groups()
    return float(n) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[u]
reqs = int(re.search(r"(\d+) requests in", text).group(1))
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
p50 = ms(re.search(r"^\s+50%\s+(\S+)", text, re.M).group(1))
p99 = ms(re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1))
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
sock = re.search(r"Socket errors: (.*)", text)
errors = (int(bad.group(1)) if bad else 0)
cpu_us = int(ticks) / int(hz) * 1e6 / max(reqs, 1)
t0, l0 = (r0.split("\t") + [""])[:2]
t1, l1 = (r1.split("\t") + [""])[:2]
before = dict(kv.split("=") for kv in l0.split())
per = {k: (int(v) - int(before.get(k, 0))) / max(reqs, 1) for k, v in (kv.split("=") for kv in l1.split())}
mix = " ".join(f"{k}={v:.2f}" for k, v in sorted(per.items()) if v >= 0.005)
cmds = (int(t1) - int(t0)) / max(reqs, 1)
print("\t".join([store, server, route, conns, rnd, str(reqs), f"{rps:.0f}", f"{p50:.3f}", f"{p99:.3f}",
                 f"{cpu_us:.1f}", f"{cmds:.3f}", mix or "-", str(errors), sock.group(1) if sock else "-"]))
PY
    tail -1 "$OUT/load.tsv" | awk -F'\t' '{printf "[bench] %-10s %-15s /%-4s c=%-3s %8s req/s  p50 %sms p99 %sms  cpu %sus/req  redis %s/req %s  non2xx=%s\n", $1,$2,$3,$4,$7,$8,$9,$10,$11,$12,$13}' >&2
}

load() {
    : >"$OUT/load.tsv"
    local store server port round route conns
    for store in $STORES; do
        # Every server of a store runs at once, idle but for the one under load, so each
        # (route, connections) cell is measured back to back on all of them: neighbours on this
        # shared machine shift all of a cell's figures together, and its ratios stay meaningful.
        port=$BASE_PORT
        declare -A PORT_OF=() LUA_OF=()
        for server in $(chosen_servers_of "$store"); do
            # shellcheck disable=SC2046  # the command is words on purpose
            start "$server" "$port" $(server_cmd "$BIN" "$store" "$server")
            PORT_OF[$server]=$port
            session_lua "$port" "$server" "$SESSIONS" "$WORK"
            LUA_OF[$server]=$WORK/$server.lua
            port=$((port + 1))
        done
        for round in $(seq "$ROUNDS"); do
            for route in $ROUTES; do
                for conns in $CONNS; do
                    for server in $(chosen_servers_of "$store"); do
                        serves "$server" "$route" || continue
                        local pidvar="PID_$server"
                        measure "$store" "$server" "$route" "$conns" "${PORT_OF[$server]}" "${!pidvar}" \
                            "${LUA_OF[$server]}" "$round"
                    done
                done
            done
        done
        for server in $(chosen_servers_of "$store"); do
            local pidvar="PID_$server"
            kill "${!pidvar}" 2>/dev/null || true
            wait "${!pidvar}" 2>/dev/null || true
        done
        unset PORT_OF LUA_OF
    done
}

counts() {
    log "counts: syscalls, context switches and allocations per request (perf stat, counting allocator)"
    BIN=$WORK/alloc-bin STORES=$STORES REDIS_PORT=$REDIS_PORT PG_URL=$PG_URL "$HERE/counts.sh" "$OUT/counts.tsv"
}

# rss PID: "VmRSS VmHWM" in KiB.
rss() { awk '/^VmRSS/ {r = $2} /^VmHWM/ {h = $2} END {print r, h}' "/proc/$1/status"; }

# A wrk script that sends no cookie: every /incr creates a session.
no_cookie_lua() { echo 'wrk.headers["Cookie"] = nil' >"$WORK/nocookie.lua"; }

memory() {
    log "memory: RSS of each store's server and floor, built with that store alone"
    : >"$OUT/memory.tsv"
    no_cookie_lua
    local store name port=$((BASE_PORT + 50))
    for store in $MEMORY_STORES; do
        for name in $(floor_of "$store") server bare; do
            # shellcheck disable=SC2046
            start "mem_$name" "$port" $(server_cmd "$WORK/mem-$store" "$store" "$name")
            local pidvar="PID_mem_$name" pid; pid=${!pidvar}
            local started; started=$(rss "$pid")
            local route=incr; [ "$name" = bare ] && route=none
            session_lua "$port" "mem_$name" 256 "$WORK"
            # Peak under the table's heaviest load: 256 connections on existing sessions.
            wrk -t"$THREADS" -c256 -d"${DURATION}s" -s "$WORK/mem_$name.lua" "http://127.0.0.1:$port/$route" >/dev/null
            local loaded; loaded=$(rss "$pid")
            local samples="" made=0 n
            if [ "$name" != bare ]; then
                # MEMORY_SESSIONS new sessions, each request without a cookie; RSS after each chunk.
                while [ "$made" -lt "$MEMORY_SESSIONS" ]; do
                    n=$(wrk -t"$THREADS" -c32 -d5s -s "$WORK/nocookie.lua" "http://127.0.0.1:$port/incr" |
                        sed -n 's/^ *\([0-9]*\) requests in.*/\1/p')
                    made=$((made + n))
                    samples+="$made:$(rss "$pid" | cut -d' ' -f1) "
                done
            fi
            printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$store" "$name" "$started" "$loaded" "$(rss "$pid")" "${samples:--}" |
                tee -a "$OUT/memory.tsv" >&2
            kill "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
            port=$((port + 1))
        done
    done
}

# fill STORE COUNT: COUNT stored sessions besides the measured ones (expiring in an hour, of the
# shape the server writes), for both ours and the floor.
fill() {
    local store=$1 count=$2
    case $store in
        redis)
            redis-cli -p "$REDIS_PORT" flushall >/dev/null
            # msgpack {"_permanent": true, "n": 1}, as the server writes it.
            awk -v n="$count" 'BEGIN { for (i = 0; i < n; i++) printf "SET session:fill%08d \"\\x82\\xaa_permanent\\xc3\\xa1n\\x01\" EX 3600\r\n", i }' |
                redis-cli -p "$REDIS_PORT" --pipe >/dev/null
            ;;
        postgres)
            local t
            for t in flask_sessions bench_floor_sessions; do
                psql -q "$PG_URL" -c "TRUNCATE $t" 2>/dev/null || true
                psql -q "$PG_URL" -c "INSERT INTO $t (session_id, data, expiry) SELECT 'session:fill' || g, '\\x82aa5f7065726d616e656e74c3a16e01'::bytea, now() + interval '1 hour' FROM generate_series(1, $count) g" >/dev/null
                psql -q "$PG_URL" -c "VACUUM ANALYZE $t" >/dev/null
            done
            ;;
    esac
}

# The tables PostgreSQL's floor and our server write, made by each as it starts (so that
# `fill` has them on a fresh database), then the servers are stopped.
pg_tables() {
    local name port=$((BASE_PORT + 70))
    for name in floor_pg server; do
        # shellcheck disable=SC2046
        start "tables_$name" "$port" $(server_cmd "$BIN" postgres "$name")
        local pidvar="PID_tables_$name"
        kill "${!pidvar}" 2>/dev/null || true
        wait "${!pidvar}" 2>/dev/null || true
        port=$((port + 1))
    done
}

scale() {
    log "scale: per-request counts with $SCALE stored sessions (Redis, PostgreSQL), $FS_SCALE files (filesystem)"
    : >"$OUT/scale.tsv"
    pg_tables
    local store size
    for store in redis postgres; do
        for size in $SCALE; do
            fill "$store" "$size"
            BIN=$WORK/alloc-bin STORES=$store ONLY="$(floor_of "$store") server" LABEL=$size APPEND=1 \
                REDIS_PORT=$REDIS_PORT PG_URL=$PG_URL "$HERE/counts.sh" "$OUT/scale.tsv"
        done
        fill "$store" 0
    done
    # The filesystem at the threshold's default (500) never holds more than 500 files: ours runs
    # unbounded here (`session_file_threshold = 0`), so every file stays and is counted.
    for size in $FS_SCALE; do
        BIN=$WORK/alloc-bin STORES=filesystem ONLY="floor_fs server" LABEL=$size FS_FILES=$size FS_THRESHOLD=0 APPEND=1 \
            "$HERE/counts.sh" "$OUT/scale.tsv"
    done
    if [ "$(echo "$SCALE" | wc -w)" -gt 0 ]; then sweep >"$OUT/sweep.txt"; fi
}

# The SQL expired-row sweep at the largest scale, without and with an index on `expiry`
# (each in a transaction rolled back, half the rows expired).
sweep() {
    local size; size=$(echo "$SCALE" | tr ' ' '\n' | sort -n | tail -1)
    fill postgres "$size"
    psql -q "$PG_URL" -c "UPDATE flask_sessions SET expiry = now() - interval '1 hour' WHERE id % 2 = 0" -c "VACUUM ANALYZE flask_sessions" >/dev/null
    echo "rows: $size, half expired"
    local q="BEGIN; EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) DELETE FROM flask_sessions WHERE expiry <= now(); ROLLBACK;"
    echo "-- no index on expiry (the default table)"; psql -q "$PG_URL" -c "$q" | grep -E 'Scan|Execution|Planning'
    psql -q "$PG_URL" -c "CREATE INDEX IF NOT EXISTS bench_ix_expiry ON flask_sessions (expiry)" >/dev/null
    echo "-- with an index on expiry"; psql -q "$PG_URL" -c "$q" | grep -E 'Scan|Execution|Planning'
    psql -q "$PG_URL" -c "DROP INDEX bench_ix_expiry" >/dev/null
    fill postgres 0
}

micro() {
    log "criterion micro-benchmarks"
    (cd "$ROOT" && cargo bench -q -p session-bench --bench micro -- --noplot) >"$OUT/micro.txt"
    grep -E 'time:' -B1 "$OUT/micro.txt" >&2 || true
}

prune() {
    log "filesystem pruning: write cost with 50,000 vs 100 session files"
    # Twice: on the disk the sessions would live on ($WORK is under /tmp), and on tmpfs, where
    # no device writeback blurs what the store itself costs.
    "$BIN/fs_prune" "$WORK/prune" | tee "$OUT/prune.txt" >&2
    if [ -d /dev/shm ]; then "$BIN/fs_prune" "/dev/shm/session-bench-prune.$$" | tee -a "$OUT/prune.txt" >&2; fi
}

setup
{
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
    echo "rustc: $(rustc --version)"
    echo "load: wrk -t$THREADS -c{$CONNS} -d${DURATION}s --latency after a ${WARMUP}s warm-up; $SESSIONS sessions round-robin; rounds: $ROUNDS"
} >"$OUT/machine.txt"
want counts && counts
want load && load
if want instr; then
    log "callgrind: user-space instructions per request (Redis servers)"
    BIN=$BIN REDIS_PORT=$REDIS_PORT "$HERE/instr.sh" "$OUT/instr.tsv"
fi
want memory && memory
want scale && scale
want micro && micro
want prune && prune
python3 "$HERE/report.py" "$OUT" | tee "$OUT/table.md"
