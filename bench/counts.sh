#!/usr/bin/env bash
# bench/counts.sh: what a request costs outside user-space instructions, counted (not timed),
# so the figures hold on a loaded machine: system calls (total and by call), context switches
# (voluntary: a thread went to sleep, waiting; involuntary: preempted), CPU migrations, and heap
# allocations (calls and bytes, from the counting allocator of the `count-alloc` binaries).
#
#   usage: bench/counts.sh OUT_TSV
#   env:   BIN (binaries built with --features count-alloc), STORES, COUNT_SECONDS=5,
#          COUNT_CONNS=8, LABEL (a tag for the rows, e.g. the scale), ONLY (server names, default all),
#          FS_FILES (other sessions each filesystem server's directory holds first, default 0),
#          and servers.sh's (REDIS_PORT, PG_URL, ...)
# Called by run.sh (step `counts`); needs perf (apt-get install -y linux-perf) with access to
# the syscalls tracepoints (root).
#
# One server at a time, fresh, with 16 sessions made through its own /incr, a 2 s warm-up, then
# `perf stat -p` over a wrk run at COUNT_CONNS connections; every count is divided by the
# requests wrk completed. /proc/PID/task/*/status gives the voluntary/involuntary split.
set -euo pipefail

OUT_TSV=$1
BIN=${BIN:?set BIN to the count-alloc release binaries}
HERE=$(cd "$(dirname "$0")" && pwd)
SECONDS_RUN=${COUNT_SECONDS:-5}
CONNS=${COUNT_CONNS:-8}
LABEL=${LABEL:-}
PORT=${COUNT_PORT:-3180}
STORES=${STORES:-"redis filesystem postgres"}
WORK=$(mktemp -d /tmp/session-bench-counts.XXXXXX)
PID=
cleanup() {
    if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

command -v perf >/dev/null || apt-get install -y linux-perf >/dev/null
# shellcheck source=servers.sh
. "$HERE/servers.sh"

# The calls the table breaks out; each must exist as a tracepoint on this kernel.
CALLS="futex epoll_wait epoll_pwait epoll_ctl recvfrom sendto read write writev readv sendmsg recvmsg
accept4 close openat newfstatat statx rename renameat2 fsync fdatasync sched_yield getrandom mmap
munmap madvise mprotect brk poll ppoll fchmod lseek pread64 pwrite64 unlink unlinkat getdents64"
EVENTS=(-e raw_syscalls:sys_enter -e context-switches -e cpu-migrations)
for c in $CALLS; do
    [ -d "/sys/kernel/tracing/events/syscalls/sys_enter_$c" ] && EVENTS+=(-e "syscalls:sys_enter_$c")
done

# shellcheck disable=SC2016  # $1 is expanded by the inner bash
port_open() { timeout 1 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null; }

# Sum of voluntary and involuntary context switches over the process's threads.
ctxt() {
    cat /proc/"$1"/task/*/status 2>/dev/null |
        awk '/^voluntary_ctxt_switches/ {v += $2} /^nonvoluntary_ctxt_switches/ {n += $2} END {print v + 0, n + 0}'
}

# The counting allocator's totals, after asking for them.
allocs() {
    rm -f "$WORK/allocs"
    kill -USR1 "$1"
    local _; for _ in $(seq 50); do [ -s "$WORK/allocs" ] && break; sleep 0.05; done
    cat "$WORK/allocs"
}

# one STORE NAME ROUTE: one server, fresh; appends one row.
one() {
    local store=$1 name=$2 route=$3
    rm -rf "$WORK/fs-$name"
    if [ "$store" = filesystem ] && [ "${FS_FILES:-0}" -gt 0 ]; then fill_fs "$WORK/fs-$name" "$FS_FILES" "$name"; fi
    # shellcheck disable=SC2046  # the command is words on purpose
    env PORT="$PORT" $(server_env "$WORK" "$name") ALLOC_COUNT_FILE="$WORK/allocs" \
        $(server_cmd "$BIN" "$store" "$name") >"$WORK/$name.log" 2>&1 &
    PID=$!
    local _; for _ in $(seq 100); do port_open "$PORT" && break; sleep 0.1; done
    port_open "$PORT" || { cat "$WORK/$name.log" >&2; echo "$name did not start" >&2; exit 1; }
    session_lua "$PORT" "$name" 16 "$WORK"
    wrk -t1 -c"$CONNS" -d2s -s "$WORK/$name.lua" "http://127.0.0.1:$PORT/$route" >/dev/null
    local a0 a1 c0 c1 t0 t1
    a0=$(allocs "$PID"); c0=$(ctxt "$PID"); t0=$(awk '{print $14 + $15}' "/proc/$PID/stat")
    perf stat -x, -o "$WORK/perf.csv" "${EVENTS[@]}" -p "$PID" -- \
        wrk -t1 -c"$CONNS" -d"${SECONDS_RUN}s" -s "$WORK/$name.lua" "http://127.0.0.1:$PORT/$route" >"$WORK/wrk.txt"
    a1=$(allocs "$PID"); c1=$(ctxt "$PID"); t1=$(awk '{print $14 + $15}' "/proc/$PID/stat")
    kill "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
    PID=
    python3 - "$WORK/wrk.txt" "$WORK/perf.csv" "$store" "$name" "$route" "$a0" "$a1" "$c0" "$c1" "$((t1 - t0))" "$(getconf CLK_TCK)" "$LABEL" >>"$OUT_TSV" <<'PY'
import re, sys
wrk, perf, store, name, route, a0, a1, c0, c1, ticks, hz, label = sys.argv[1:]
text = open(wrk).read()
reqs = int(re.search(r"(\d+) requests in", text).group(1))
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
counts = {}
for line in open(perf):
    f = line.strip().split(",")
    if len(f) > 2 and f[0].replace(".", "").isdigit():
        counts[f[2].replace("syscalls:sys_enter_", "")] = int(float(f[0]))
per = lambda v: v / max(reqs, 1)
calls = {k: per(v) for k, v in counts.items() if k not in ("raw_syscalls:sys_enter", "context-switches", "cpu-migrations")}
mix = " ".join(f"{k}={v:.2f}" for k, v in sorted(calls.items(), key=lambda kv: -kv[1]) if v >= 0.005)
(n0, b0), (n1, b1) = (map(int, a0.split()), map(int, a1.split()))
(v0, i0), (v1, i1) = (map(int, c0.split()), map(int, c1.split()))
print("\t".join([store, name, route, str(reqs),
                 f"{per(counts.get('raw_syscalls:sys_enter', 0)):.2f}", f"{per(counts.get('context-switches', 0)):.3f}",
                 f"{per(v1 - v0):.3f}", f"{per(i1 - i0):.3f}", f"{per(counts.get('cpu-migrations', 0)):.3f}",
                 f"{per(n1 - n0):.1f}", f"{per(b1 - b0):.0f}", mix or "-", str(int(bad.group(1)) if bad else 0),
                 f"{int(ticks) / int(hz) * 1e6 / max(reqs, 1):.1f}", label or "-"]))
PY
    tail -1 "$OUT_TSV" | awk -F'\t' '{printf "[counts] %-10s %-15s /%-4s %7s req  syscalls %6s  cs %6s (vol %s invol %s)  allocs %6s (%s B)  cpu %sus  %s  %s\n", $1,$2,$3,$4,$5,$6,$7,$8,$10,$11,$14,$15,$12}' >&2
}

[ -n "${APPEND:-}" ] || : >"$OUT_TSV"
for store in $STORES; do
    for route in incr read none; do
        for name in $(chosen_servers_of "$store"); do
            serves "$name" "$route" && one "$store" "$name" "$route"
        done
    done
done
