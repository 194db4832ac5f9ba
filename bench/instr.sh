#!/usr/bin/env bash
# bench/instr.sh: user-space instructions per request under callgrind, for the Redis servers.
# Unlike req/s and CPU time, an instruction count does not move with what else runs on the
# machine, so its ratios hold on a busy 2-core box. Kernel time (sockets) is not counted.
#
#   usage: bench/instr.sh OUT_TSV      env: BIN (release binaries), REDIS_PORT, REQUEST_SECONDS=5
# Called by run.sh (step `instr`); needs valgrind (apt-get install -y valgrind) and a Redis.
set -euo pipefail

OUT_TSV=$1
BIN=${BIN:?set BIN to the release binaries}
REDIS_PORT=${REDIS_PORT:-6391}
SECONDS_RUN=${REQUEST_SECONDS:-5}
PORT=${INSTR_PORT:-3190}
WORK=$(mktemp -d /tmp/session-bench-instr.XXXXXX)
PID=
cleanup() {
    if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

command -v valgrind >/dev/null || apt-get install -y valgrind >/dev/null

# shellcheck disable=SC2016  # $1 is expanded by the inner bash
port_open() { timeout 1 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null; }

# one NAME ROUTE CMD...: a fresh server under callgrind; 16 sessions; warm-up; counters zeroed;
# measured load; dump; Ir / requests.
one() {
    local name=$1 route=$2; shift 2
    PORT=$PORT REDIS_URL="redis://127.0.0.1:$REDIS_PORT" FS_DIR="$WORK/fs-$name" \
        valgrind --tool=callgrind --callgrind-out-file="$WORK/$name.out" "$@" >"$WORK/$name.log" 2>&1 &
    PID=$!
    local _; for _ in $(seq 300); do port_open "$PORT" && break; sleep 0.2; done
    local urls=()
    for _ in $(seq 16); do urls+=("http://127.0.0.1:$PORT/incr"); done
    if [ "$name" = bare ]; then
        # bare has no /incr; any cookie will do, it is never read.
        echo "session=uE8VW5JpjcNUdBJq6_3IGjSR5921D4avEevMeqhgYP0" >"$WORK/$name.cookies"
    else
        curl -s -o /dev/null -D - "${urls[@]}" | tr -d '\r' |
            sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p' >"$WORK/$name.cookies"
    fi
    {
        echo "local cookies = {"
        sed 's/.*/  "&",/' "$WORK/$name.cookies"
        echo "}"
        echo 'local reqs, i = {}, 0'
        echo 'function init(args) for j, c in ipairs(cookies) do reqs[j] = wrk.format("GET", nil, { ["Cookie"] = c }) end end'
        echo 'function request() i = i % #reqs + 1; return reqs[i] end'
    } >"$WORK/$name.lua"
    wrk -t1 -c8 -d2s -s "$WORK/$name.lua" "http://127.0.0.1:$PORT/$route" >/dev/null
    callgrind_control -z "$PID" >/dev/null
    local n
    n=$(wrk -t1 -c8 -d"${SECONDS_RUN}s" -s "$WORK/$name.lua" "http://127.0.0.1:$PORT/$route" |
        sed -n 's/^ *\([0-9]*\) requests in.*/\1/p')
    rm -f "$WORK/$name.out".*
    callgrind_control -d "$PID" >/dev/null
    local f=
    for _ in $(seq 50); do
        f=$(find "$WORK" -name "$name.out.*" | head -1)
        [ -n "$f" ] && break
        sleep 0.2
    done
    sleep 0.5
    local ir
    ir=$(callgrind_annotate "$f" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1; exit}')
    kill "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
    PID=
    printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$route" "$n" "$ir" "$((ir / n))" | tee -a "$OUT_TSV" >&2
}

: >"$OUT_TSV"
for route in incr read; do
    one floor_redis "$route" "$BIN/floor_redis"
    [ "$route" = read ] && one floor_redis_ro read "$BIN/floor_redis" --read-only
    one server "$route" "$BIN/server" --store redis
    # Refresh throttling (issue 16): an unmodified /read is a GET+PTTL instead of a GETEX.
    one server_throttled "$route" "$BIN/server" --store redis --refresh-interval 60
    # A logged-in session (issue 17): each save and refresh also keeps the user's sorted set.
    one server_owned "$route" "$BIN/server" --store redis --user-key
    one tower_sessions "$route" "$BIN/tower_sessions"
    one actix_server "$route" "$BIN/actix_server"
    one actix_session "$route" "$BIN/actix_session"
done
# The filesystem's pure read (issue 16): its floor against ours with refresh throttling.
one floor_fs read "$BIN/floor_fs"
one server_fs_throttled read "$BIN/server" --store filesystem --refresh-interval 60
one bare none "$BIN/bare"
one server none "$BIN/server" --store redis
one tower_sessions none "$BIN/tower_sessions"
one actix_server none "$BIN/actix_server"
one actix_session none "$BIN/actix_session"
