#!/usr/bin/env bash
# scripts/services.sh: start, on loopback, every server the test suite talks to. Missing software
# comes from apt or pip. Safe to run any number of times: a service that already answers its
# protocol ping is left alone.
#
#   usage: scripts/services.sh [SERVICE...]      (default: all of $SERVICES below)
#
# stdout: KEY=VALUE lines for the requested services (for `export`). Logs go to stderr.
# Exit 1 names every service that failed. A port held by something that does not speak the
# expected protocol is a hard error. Needs root (apt-get, service users). No docker, no systemd.
#
# Adding a backend: write ensure_NAME (start or verify it; report problems with `fail NAME ...`)
# and env_NAME (echo its KEY=VALUE lines), then add NAME to SERVICES. Use `spawn` to start
# daemons. A dash in NAME maps to an underscore in the function names.
set -uo pipefail

SERVICES=(build-libs redis redis-cluster memcached postgres mariadb mongo flask unchained)

STATE=/var/tmp                                   # logs, pid files, data dirs
CLUSTER_DIR=$STATE/session-redis-cluster
CLUSTER_PORTS=(7001 7002 7003)
NX_VENV=${NX_VENV:-/opt/nx-27017-venv}
NX_DATA=$STATE/session-nx-27017
NX_REQS=("nx-27017==${NX_VERSION:-0.8.1}" "neosqlite==${NEOSQLITE_VERSION:-1.17.2}")
FLASK_VENV=${FLASK_VENV:-/opt/flask-session-venv}
FLASK_REQS=("Flask==3.1.*" "Flask-Session==0.8.0" cachelib msgspec redis pymemcache pymongo
            Flask-SQLAlchemy psycopg2-binary PyMySQL Flask-Login)
# Flask Unchained 0.9.0 runs only on this pinned set (see README, "Migrating from Flask Unchained"):
# newer Flask lacks _app_ctx_stack, newer networkx reorders its start-up hooks, newer
# Flask-Session breaks the Session Bundle's SQL interface.
UNCHAINED_VENV=${UNCHAINED_VENV:-/opt/flask-unchained-venv}
UNCHAINED_REQS=("flask-unchained[session,sqlalchemy]==0.9.0" "Flask==2.0.3" "Werkzeug==2.0.3"
                "Flask-Session==0.3.2" "WTForms==2.3.3" "Flask-WTF==0.15.1" "WTForms-SQLAlchemy==0.2"
                "SQLAlchemy==1.4.54" "SQLAlchemy-Unchained==0.11.1" "flask-sqlalchemy-unchained==0.7.6"
                "Flask-SQLAlchemy==2.5.1" "networkx==2.5.1" pytz dill redis psycopg2-binary PyMySQL
                pymemcache)
# No MongoDB: Flask-Session 0.3.2 calls Collection.update()/remove(), gone in pymongo 4, and
# pymongo 3.13 refuses servers of wire version > 13 (nx-27017 says 17, as MongoDB >= 6 does).
# Debian's python3 for venvs and probes: faster than a pyenv shim, and no tie to a user's toolchain.
PY3=$(command -v /usr/bin/python3 || command -v python3 || true)

# ------------------------------------------------------------------------------------------------
# helpers
log()  { echo "[services] $*" >&2; }
FAILED=()
fail() { log "ERROR: $1: ${*:2}"; FAILED+=("$1"); }

# Start a daemon with no tie to our stdio or lock fd, so `services.sh | cat` returns at once.
spawn() { "$@" </dev/null >/dev/null 2>&1 9>&-; }

# shellcheck disable=SC2016  # $1/$2/$3 are expanded by the inner bash
port_open() { timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null; }
port_closed() { ! port_open "$1"; }

# tcp_says PORT REQUEST PREFIX: send REQUEST (printf %b); the first reply line must start with PREFIX.
tcp_says() {
  # shellcheck disable=SC2016
  timeout 4 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1; printf "%b" "$2" >&3
                     IFS= read -r -t 3 line <&3 || exit 1; [[ "$line" == "$3"* ]]' _ "$@" 2>/dev/null
}

# wait_until SECONDS CMD...: poll CMD every 0.2 s.
wait_until() {
  local deadline=$(( $(date +%s) + $1 )); shift
  until "$@"; do [ "$(date +%s)" -ge "$deadline" ] && return 1; sleep 0.2; done
}

APT_UPDATED=0
apt_install() {
  local p missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || { log "need root to apt-get install ${missing[*]}"; return 1; }
  if [ "$APT_UPDATED" = 0 ]; then   # a fresh machine may have no package lists at all
    log "apt-get update"; apt-get update -qq >/dev/null 2>&1 || { log "apt-get update failed"; return 1; }
    APT_UPDATED=1
  fi
  log "apt-get install ${missing[*]}"
  # apt may start the daemon (no policy-rc.d) or not; callers re-probe the port either way.
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
       </dev/null >"$STATE/session-services-apt.log" 2>&1 9>&-; then
    tail -n 20 "$STATE/session-services-apt.log" >&2; log "apt-get install ${missing[*]} failed"; return 1
  fi
}

# ensure_venv DIR MODULE REQ...: a venv at DIR holding REQ, where `import MODULE` works. A stamp of
# the requirement list skips pip when nothing changed; editing a list re-runs pip.
ensure_venv() {
  local dir=$1 module=$2; shift 2
  local want="$*" stamp=$dir/.services-requirements
  venv_imports() { "$dir/bin/python" -c "import $module" 2>/dev/null; }
  [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && venv_imports && return 0
  [ -n "$PY3" ] || { apt_install python3 && PY3=/usr/bin/python3; } || return 1
  if ! "$dir/bin/python" -m pip --version >/dev/null 2>&1; then   # missing or broken: make it anew
    rm -rf "$dir"
    "$PY3" -m venv "$dir" >/dev/null 2>&1 || { rm -rf "$dir"; apt_install python3-venv && "$PY3" -m venv "$dir" >/dev/null; } || return 1
  fi
  local plog=$STATE/session-services-pip-${dir##*/}.log
  log "pip install into $dir: $want"
  "$dir/bin/python" -m pip install -q --disable-pip-version-check "$@" >"$plog" 2>&1 \
    || { tail -n 20 "$plog" >&2; return 1; }
  venv_imports || { log "$dir: 'import $module' fails after pip install"; return 1; }
  echo "$want" >"$stamp"
}

# ------------------------------------------------------------------------------------------------
# The C libraries `cargo test --all-features` links: diesel's mysql, postgres and sqlite features
# (mysqlclient-sys, pq-sys, libsqlite3-sys find them with pkg-config). No server, no env lines.
ensure_build_libs() {
  apt_install pkg-config default-libmysqlclient-dev libpq-dev libsqlite3-dev \
    || { fail build-libs "cannot install the client libraries diesel links"; return; }
}
env_build_libs() { :; }

# ------------------------------------------------------------------------------------------------
# Redis (127.0.0.1:6379, keeps nothing on disk; the same command the machine image uses)
redis_ok() { tcp_says 6379 'PING\r\n' '+PONG'; }
ensure_redis() {
  if redis_ok; then log "redis: already up on 127.0.0.1:6379"; return 0; fi
  port_open 6379 && { fail redis "port 6379 is taken by something that does not answer PING"; return; }
  command -v redis-server >/dev/null || apt_install redis-server || { fail redis "cannot install redis-server"; return; }
  redis_ok && { log "redis: up (started by the package install)"; return 0; }
  install -d /var/lib/redis /var/log/redis
  spawn redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log \
    || { fail redis "redis-server failed to start (see /var/log/redis/ci.log)"; return; }
  wait_until 15 redis_ok || { fail redis "no PONG after 15 s (see /var/log/redis/ci.log)"; return; }
  log "redis: started on 127.0.0.1:6379"
}
env_redis() { echo "REDIS_URL=redis://127.0.0.1:6379/"; }

# ------------------------------------------------------------------------------------------------
# Redis Cluster: 3 masters, no replicas, 127.0.0.1:7001-7003 (cluster bus on 17001-17003)
cluster_cli() { timeout 5 redis-cli -h 127.0.0.1 -p "$@" 2>/dev/null; }
cluster_node_ok() { tcp_says "$1" 'PING\r\n' '+PONG' && cluster_cli "$1" cluster info | grep -q '^cluster_state:ok'; }
cluster_ok() { local p; for p in "${CLUSTER_PORTS[@]}"; do cluster_node_ok "$p" || return 1; done; }
# A node is ours if it runs from our data dir; only ours may be shut down.
cluster_node_ours() { [ "$(cluster_cli "$1" config get dir | sed -n 2p)" = "$CLUSTER_DIR/$1" ]; }
ensure_redis_cluster() {
  if cluster_ok; then log "redis-cluster: already up on 127.0.0.1:${CLUSTER_PORTS[*]}"; return 0; fi
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null \
    || apt_install redis-server redis-tools || { fail redis-cluster "cannot install redis-server"; return; }
  local p
  for p in "${CLUSTER_PORTS[@]}"; do
    port_open "$p" || continue
    if ! tcp_says "$p" 'PING\r\n' '+PONG'; then
      fail redis-cluster "port $p is taken by something that does not answer PING"; return
    elif ! cluster_node_ours "$p"; then
      fail redis-cluster "port $p is taken by a Redis that is not in a healthy cluster and not ours ($CLUSTER_DIR)"; return
    fi
  done
  # Unhealthy (a node died, or half-built). The nodes keep no data (--save ""), so rebuilding from
  # empty dirs is quicker and surer than repairing nodes.conf state.
  for p in "${CLUSTER_PORTS[@]}"; do
    port_open "$p" || continue
    log "redis-cluster: shutting down our stale node on $p"
    cluster_cli "$p" shutdown nosave >/dev/null
    wait_until 5 port_closed "$p" || kill -9 "$(cat "$CLUSTER_DIR/$p/redis.pid" 2>/dev/null)" 2>/dev/null
  done
  rm -rf "$CLUSTER_DIR"
  for p in "${CLUSTER_PORTS[@]}"; do
    install -d "$CLUSTER_DIR/$p"
    spawn redis-server --daemonize yes --bind 127.0.0.1 --port "$p" \
        --cluster-enabled yes --cluster-config-file "nodes-$p.conf" --cluster-node-timeout 5000 \
        --save "" --appendonly no --dir "$CLUSTER_DIR/$p" \
        --logfile "$CLUSTER_DIR/$p/redis.log" --pidfile "$CLUSTER_DIR/$p/redis.pid" \
      || { fail redis-cluster "redis-server on $p failed to start (see $CLUSTER_DIR/$p/redis.log)"; return; }
  done
  for p in "${CLUSTER_PORTS[@]}"; do
    wait_until 15 tcp_says "$p" 'PING\r\n' '+PONG' \
      || { fail redis-cluster "node $p: no PONG after 15 s (see $CLUSTER_DIR/$p/redis.log)"; return; }
  done
  local nodes=(); for p in "${CLUSTER_PORTS[@]}"; do nodes+=("127.0.0.1:$p"); done
  timeout 60 redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes \
      </dev/null >"$CLUSTER_DIR/create.log" 2>&1 \
    || { tail -n 20 "$CLUSTER_DIR/create.log" >&2; fail redis-cluster "redis-cli --cluster create failed"; return; }
  wait_until 30 cluster_ok || { fail redis-cluster "cluster_state not ok after 30 s (see $CLUSTER_DIR/*/redis.log)"; return; }
  log "redis-cluster: created on 127.0.0.1:${CLUSTER_PORTS[*]}"
}
env_redis_cluster() {
  local p urls=(); for p in "${CLUSTER_PORTS[@]}"; do urls+=("redis://127.0.0.1:$p"); done
  (IFS=,; echo "REDIS_CLUSTER_URLS=${urls[*]}")
}

# ------------------------------------------------------------------------------------------------
# memcached (127.0.0.1:11211; TCP only)
memcached_ok() { tcp_says 11211 'version\r\n' 'VERSION'; }
ensure_memcached() {
  if memcached_ok; then log "memcached: already up on 127.0.0.1:11211"; return 0; fi
  port_open 11211 && { fail memcached "port 11211 is taken by something that does not answer 'version'"; return; }
  command -v memcached >/dev/null || apt_install memcached || { fail memcached "cannot install memcached"; return; }
  memcached_ok && { log "memcached: up (started by the package install)"; return 0; }
  local user=memcache; id -u memcache >/dev/null 2>&1 || user=nobody   # as root it needs -u
  spawn memcached -d -u "$user" -l 127.0.0.1 -p 11211 -U 0 -m 64 -P "$STATE/session-memcached.pid" \
    || { fail memcached "memcached failed to start"; return; }
  wait_until 10 memcached_ok || { fail memcached "no answer to 'version' after 10 s"; return; }
  log "memcached: started on 127.0.0.1:11211"
}
env_memcached() { echo "MEMCACHED_URL=memcache://127.0.0.1:11211"; }

# ------------------------------------------------------------------------------------------------
# PostgreSQL (127.0.0.1:5432, trust on loopback, databases test + root, roles postgres + root)
pg_ready() { PGCONNECT_TIMEOUT=3 pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
pg_sql() { PGCONNECT_TIMEOUT=3 psql -w -X -q -h 127.0.0.1 -p 5432 -U postgres -d postgres -tAc "$1" 2>/dev/null; }
pg_cluster() { pg_lsclusters -h 2>/dev/null | awk '$3==5432 {print $1, $2; exit}'; }   # "VER NAME"
pg_trust_hba() {  # $1 = pg_hba.conf; the original is kept as pg_hba.conf.orig
  grep -q '^# services.sh: trust' "$1" 2>/dev/null && return 0
  cp -n "$1" "$1.orig" 2>/dev/null || true
  cat >"$1" <<'EOF'
# services.sh: trust on loopback (test machine only)
local   all             all                                     trust
host    all             all             127.0.0.1/32            trust
host    all             all             ::1/128                 trust
local   replication     all                                     trust
host    replication     all             127.0.0.1/32            trust
host    replication     all             ::1/128                 trust
EOF
}
ensure_postgres() {
  local ver="" cluster=""
  if pg_ready; then
    log "postgres: already up on 127.0.0.1:5432"
  else
    port_open 5432 && { fail postgres "port 5432 is taken but pg_isready says no"; return; }
    command -v pg_ctlcluster >/dev/null && command -v pg_isready >/dev/null \
      || apt_install postgresql || { fail postgres "cannot install postgresql"; return; }
    read -r ver cluster < <(pg_cluster)
    if [ -z "${ver:-}" ]; then   # no cluster on 5432: make <newest version>/main
      ver=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1); cluster=main
      log "postgres: creating cluster $ver/$cluster"
      spawn pg_createcluster -p 5432 "$ver" "$cluster" || { fail postgres "pg_createcluster failed"; return; }
    fi
    pg_trust_hba "/etc/postgresql/$ver/$cluster/pg_hba.conf"
    spawn pg_ctlcluster --skip-systemctl-redirect "$ver" "$cluster" start \
      || { fail postgres "pg_ctlcluster $ver $cluster start failed (see /var/log/postgresql/)"; return; }
    wait_until 30 pg_ready || { fail postgres "not ready after 30 s (see /var/log/postgresql/)"; return; }
    log "postgres: started cluster $ver/$cluster on 127.0.0.1:5432"
  fi
  # one psql for the usual case: login works ("" if not), then role root / dbs test+root exist ("1/2")
  local have_q="select (select count(*) from pg_roles where rolname='root') || '/' ||
                       (select count(*) from pg_database where datname in ('test','root'))"
  local have; have=$(pg_sql "$have_q")
  if [ -z "$have" ]; then
    # up, but with password auth (Debian's default scram): switch loopback to trust and reload
    read -r ver cluster < <(pg_cluster)
    if [ -n "${ver:-}" ]; then
      pg_trust_hba "/etc/postgresql/$ver/$cluster/pg_hba.conf"
      spawn pg_ctlcluster --skip-systemctl-redirect "$ver" "$cluster" reload
    fi
    wait_until 5 eval "pg_sql 'select 1' | grep -q 1" \
      || { fail postgres "cannot log in as postgres over 127.0.0.1 without a password"; return; }
  fi
  [ "$have" = 1/2 ] && return 0
  pg_sql "select 1 from pg_roles where rolname='root'" | grep -q 1 || pg_sql 'create role root superuser login' >/dev/null
  local db
  for db in test root; do
    pg_sql "select 1 from pg_database where datname='$db'" | grep -q 1 || pg_sql "create database $db" >/dev/null \
      || { fail postgres "cannot create database $db"; return; }
  done
}
env_postgres() { echo "DATABASE_URL_PG=postgres://postgres@127.0.0.1:5432/test"; }

# ------------------------------------------------------------------------------------------------
# MariaDB (127.0.0.1:3306, root with empty password, database test; client headers for diesel)
my_tcp() { mariadb --connect-timeout=3 --protocol=tcp -h 127.0.0.1 -P 3306 -uroot "$@" 2>/dev/null; }
# exit 0 even on "Access denied" (= a server answered), 1 when nothing speaks MySQL there
mariadb_alive() { mariadb-admin --connect-timeout=2 --protocol=tcp -h 127.0.0.1 -P 3306 ping >/dev/null 2>&1; }
ensure_mariadb() {
  # diesel's mysql feature links libmysqlclient (mysqlclient-sys)
  apt_install default-libmysqlclient-dev || { fail mariadb "cannot install default-libmysqlclient-dev"; return; }
  if port_open 3306; then
    wait_until 30 mariadb_alive || { fail mariadb "port 3306 is taken by something that does not answer a MySQL ping"; return; }
    log "mariadb: already up on 127.0.0.1:3306"
  else
    command -v mariadbd >/dev/null || apt_install mariadb-server || { fail mariadb "cannot install mariadb-server"; return; }
    if ! port_open 3306; then
      [ -d /var/lib/mysql/mysql ] || mariadb-install-db --user=mysql --datadir=/var/lib/mysql \
          </dev/null >"$STATE/session-services-mariadb-install.log" 2>&1 \
        || { fail mariadb "mariadb-install-db failed (see $STATE/session-services-mariadb-install.log)"; return; }
      install -d -o mysql -g mysql /run/mysqld
      # as root, mariadbd refuses to start without --user
      spawn start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql \
        || { fail mariadb "start-stop-daemon mariadbd failed"; return; }
    fi
    wait_until 60 mariadb_alive || { fail mariadb "no answer on 127.0.0.1:3306 after 60 s"; return; }
    log "mariadb: started on 127.0.0.1:3306"
  fi
  if ! my_tcp -e 'select 1' >/dev/null; then
    # Debian default: root@localhost is unix_socket only; also allow an empty password over TCP
    mariadb --protocol=socket -uroot -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket; FLUSH PRIVILEGES;" 2>/dev/null \
      || { fail mariadb "cannot reconfigure root (socket login as root failed)"; return; }
    my_tcp -e 'select 1' >/dev/null || { fail mariadb "root with an empty password still refused over TCP"; return; }
  fi
  my_tcp -e 'CREATE DATABASE IF NOT EXISTS test' || { fail mariadb "cannot create database test"; return; }
}
env_mariadb() { echo "DATABASE_URL_MYSQL=mysql://root@127.0.0.1:3306/test"; }

# ------------------------------------------------------------------------------------------------
# MongoDB wire protocol on 127.0.0.1:27017: nx-27017 (PyPI; SQLite-backed, NOT a real mongod).
# Each start gets an empty data dir: its TTL metadata outlives a collection drop.
# The ping is an OP_MSG {ping: 1} written with the stdlib, so it works before any venv exists.
mongo_ping() {
  "${PY3:-python3}" - 2>/dev/null <<'EOF'
import socket, struct, sys
def cstr(s): return s.encode() + b"\0"
body = b"\x10" + cstr("ping") + struct.pack("<i", 1) \
     + b"\x02" + cstr("$db") + struct.pack("<i", 6) + cstr("admin")
doc = struct.pack("<i", len(body) + 5) + body + b"\0"
msg = struct.pack("<I", 0) + b"\0" + doc                       # flagBits, section kind 0, body
s = socket.create_connection(("127.0.0.1", 27017), timeout=2)
s.sendall(struct.pack("<iiii", 16 + len(msg), 1, 0, 2013) + msg)  # OP_MSG
def recv(n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c: sys.exit(1)
        b += c
    return b
length, _, _, op = struct.unpack("<iiii", recv(16))
reply = recv(length - 16)
ok = (b"\x01ok\0" + struct.pack("<d", 1.0) in reply) or (b"\x10ok\0" + struct.pack("<i", 1) in reply)
sys.exit(0 if op == 2013 and ok else 1)
EOF
}
ensure_mongo() {
  if port_open 27017; then
    wait_until 5 mongo_ping || { fail mongo "port 27017 is taken by something that does not answer a MongoDB ping"; return; }
    log "mongo: already up on 127.0.0.1:27017"; return 0
  fi
  ensure_venv "$NX_VENV" nx_27017 "${NX_REQS[@]}" || { fail mongo "cannot install ${NX_REQS[*]} into $NX_VENV"; return; }
  rm -rf "$NX_DATA"; install -d "$NX_DATA/dbs"
  spawn "$NX_VENV/bin/nx-27017" -d --host 127.0.0.1 -p 27017 --data-dir "$NX_DATA/dbs" \
      --log-file "$NX_DATA/nx-27017.log" --pid-file "$NX_DATA/nx-27017.pid" \
    || { fail mongo "nx-27017 failed to start (see $NX_DATA/nx-27017.log)"; return; }
  wait_until 30 mongo_ping || { fail mongo "nx-27017 not answering ping after 30 s (see $NX_DATA/nx-27017.log)"; return; }
  log "mongo: nx-27017 started on 127.0.0.1:27017 (pid $(cat "$NX_DATA/nx-27017.pid" 2>/dev/null))"
}
env_mongo() { echo "MONGODB_URL=mongodb://127.0.0.1:27017"; }

# ------------------------------------------------------------------------------------------------
# Python venv with Flask-Session and its backends' drivers, for the interop tests (no daemon).
ensure_flask() {
  ensure_venv "$FLASK_VENV" flask_session "${FLASK_REQS[@]}" \
    || { fail flask "cannot install ${FLASK_REQS[*]} into $FLASK_VENV"; return; }
  log "flask: venv ready at $FLASK_VENV"
}
env_flask() { echo "FLASK_VENV=$FLASK_VENV"; }

# ------------------------------------------------------------------------------------------------
# Python venv with Flask Unchained 0.9.0's working set, for tests/flask_unchained (no daemon).
ensure_unchained() {
  ensure_venv "$UNCHAINED_VENV" "flask_unchained.bundles.session, flask_session.sessions, dill" "${UNCHAINED_REQS[@]}" \
    || { fail unchained "cannot install ${UNCHAINED_REQS[*]} into $UNCHAINED_VENV"; return; }
  log "unchained: venv ready at $UNCHAINED_VENV"
}
env_unchained() { echo "UNCHAINED_VENV=$UNCHAINED_VENV"; }

# ------------------------------------------------------------------------------------------------
# main
requested=("$@"); [ ${#requested[@]} -eq 0 ] && requested=("${SERVICES[@]}")
for s in "${requested[@]}"; do
  [[ " ${SERVICES[*]} " == *" $s "* ]] || { log "unknown service '$s' (known: ${SERVICES[*]})"; exit 1; }
done

# One run at a time: two test runs starting together would race for the same ports and dirs.
exec 9>"$STATE/session-services.lock"
flock -w 300 9 || { log "another services.sh holds $STATE/session-services.lock for 300 s"; exit 1; }

start=$EPOCHREALTIME
for s in "${requested[@]}"; do "ensure_${s//-/_}"; done
if [ ${#FAILED[@]} -gt 0 ]; then log "FAILED: ${FAILED[*]}"; exit 1; fi
log "up in $(awk "BEGIN { printf \"%.1f\", $EPOCHREALTIME - $start }") s: ${requested[*]}"
for s in "${requested[@]}"; do "env_${s//-/_}"; done
