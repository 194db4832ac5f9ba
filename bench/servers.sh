# bench/servers.sh: which servers each store is measured with, how each is started, and the
# wrk script that sends a server's own sessions. Sourced by run.sh, counts.sh and instr.sh.
# shellcheck shell=bash

# The servers of each store, the floor first; `bare` serves only /none. `server_throttled` is
# ours with `--refresh-interval 60`; its /read is measured against the read-only floor
# (`floor_redis_ro`, a plain GET; the filesystem's and PostgreSQL's floors read without writing).
# `server_owned` is ours with `--user-key`: logged-in sessions, so each save keeps the user index.
servers_of() {
    case $1 in
        redis) echo "floor_redis floor_redis_ro server server_throttled server_owned tower_sessions actix_server actix_session bare" ;;
        filesystem) echo "floor_fs server server_throttled server_owned bare" ;;
        postgres) echo "floor_pg server server_throttled server_owned bare" ;;
        memcached) echo "floor_memcached server bare" ;;
        mongodb) echo "server bare" ;;
        sqlite) echo "floor_sqlite server bare" ;;
        mysql) echo "floor_mysql server bare" ;;
    esac
}

# The floor of a store (empty when it has none).
floor_of() {
    local s
    for s in $(servers_of "$1"); do case $s in floor_*) echo "$s"; return ;; esac; done
}

# The servers of a store that ONLY (names, default all) keeps.
chosen_servers_of() {
    local s
    for s in $(servers_of "$1"); do
        case " ${ONLY:-$s} " in *" $s "*) echo "$s" ;; esac
    done
}

# server_cmd BIN STORE NAME: the command line of a server (FS_THRESHOLD, when set, is our
# filesystem server's `session_file_threshold`).
server_cmd() {
    case $3 in
        server) echo "$1/server --store $2${FS_THRESHOLD:+ --file-threshold $FS_THRESHOLD}" ;;
        server_throttled) echo "$1/server --store $2 --refresh-interval 60" ;;
        server_owned) echo "$1/server --store $2 --user-key" ;;
        floor_redis_ro) echo "$1/floor_redis --read-only" ;;
        floor_sqlite) echo "$1/floor_sql --db sqlite" ;;
        floor_mysql) echo "$1/floor_sql --db mysql" ;;
        *) echo "$1/$3" ;;
    esac
}

# serves NAME ROUTE: whether that server is measured on that route (the floors' /none is
# bare axum again; bare only has /none).
serves() {
    case "$1/$2" in
        bare/incr | bare/read | floor_*/none | floor_redis_ro/incr | server_throttled/none | server_owned/none) return 1 ;;
    esac
    return 0
}

# session_lua PORT NAME COUNT DIR: makes COUNT sessions through the server's own /incr (bare
# has none: any cookie will do, it is never read) and writes DIR/NAME.lua, a wrk script that
# sends them round-robin, so /incr and /read always hit an existing session.
session_lua() {
    local port=$1 name=$2 count=$3 dir=$4 urls=() _
    if [ "$name" = bare ] || [ "${name%_bare}" != "$name" ]; then
        for _ in $(seq "$count"); do echo "session=uE8VW5JpjcNUdBJq6_3IGjSR5921D4avEevMeqhgYP0"; done >"$dir/$name.cookies"
    else
        for _ in $(seq "$count"); do urls+=("http://127.0.0.1:$port/incr"); done
        curl -s -o /dev/null -D - "${urls[@]}" | tr -d '\r' |
            sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p' >"$dir/$name.cookies"
    fi
    local n; n=$(wc -l <"$dir/$name.cookies")
    [ "$n" -eq "$count" ] || { echo "$name: made $n sessions, expected $count" >&2; return 1; }
    {
        echo "local cookies = {"
        sed 's/.*/  "&",/' "$dir/$name.cookies"
        echo "}"
        cat <<'LUA'
-- Requests are formatted once per thread; each call hands out the next session's request.
local reqs, i = {}, 0
function init(args)
  for j, c in ipairs(cookies) do reqs[j] = wrk.format("GET", nil, { ["Cookie"] = c }) end
end
function request()
  i = i % #reqs + 1
  return reqs[i]
end
LUA
    } >"$dir/$name.lua"
}

# fill_fs DIR COUNT NAME: COUNT other live sessions (an hour left) in a filesystem server's
# directory, written as that server writes them: for ours, cachelib's file (a 4-byte expiry,
# then a pickle) named by the SHA-256 of the key; for floor_fs, msgpack named by the id.
fill_fs() {
    python3 - "$1" "$2" "$3" <<'PY'
import hashlib, os, pickle, struct, sys, time
d, n, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
os.makedirs(d, exist_ok=True)
expiry = struct.pack("<I", int(time.time()) + 3600)
body = pickle.dumps({"_permanent": True, "n": 1}, protocol=4)
for i in range(n):
    if name == "floor_fs":
        path, data = f"fill{i:08d}", b"\x82\xaa_permanent\xc3\xa1n\x01"
    else:
        path, data = hashlib.sha256(f"session:fill{i:08d}".encode()).hexdigest(), expiry + body
    with open(os.path.join(d, path), "wb") as f:
        f.write(data)
PY
}

# server_env DIR NAME: where each store is, as NAME=value words for `env` (PORT is the caller's).
server_env() {
    echo "REDIS_URL=redis://127.0.0.1:${REDIS_PORT:-6391}" \
        "PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/test}" \
        "MYSQL_URL=${MYSQL_URL:-mysql://root@127.0.0.1:3306/test}" \
        "MEMCACHED_URL=${MEMCACHED_URL:-memcache://127.0.0.1:11211}" \
        "MONGODB_URL=${MONGODB_URL:-mongodb://127.0.0.1:27017}" \
        "FS_DIR=$1/fs-$2" "SQLITE_PATH=$1/sqlite-$2.db"
}
