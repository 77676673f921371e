#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL server:
#
#   scripts/with-postgres.sh .venv/bin/pytest tests/jobs -q
#
# Starts Debian's PostgreSQL (installing it with apt-get when missing and we are root) in a
# temporary folder, on a free TCP port on 127.0.0.1 with trust authentication, creates the
# database "kaiku", exports DATABASE_URL=postgres://postgres@127.0.0.1:PORT/kaiku, runs the
# command, and always stops and removes the server afterwards. Exits with the command's status.
#
# Works as root (initdb refuses root, so the server runs as the "postgres" system user) and as
# a normal user (the server runs as that user).
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 COMMAND [ARGS...]" >&2
    exit 2
fi

find_bindir() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
        echo "$dir"
    fi
}

BINDIR=$(find_bindir)
if [ -z "$BINDIR" ]; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "with-postgres: installing PostgreSQL with apt-get" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -q postgresql >&2 || { apt-get update -q >&2 && apt-get install -y -q postgresql >&2; }
        BINDIR=$(find_bindir)
    fi
fi
if [ -z "$BINDIR" ]; then
    echo "with-postgres: PostgreSQL not found under /usr/lib/postgresql/*/bin;" \
        "install Debian's postgresql package" >&2
    exit 127
fi

# As root, run the server as the postgres system user; otherwise as ourselves.
AS=()
if [ "$(id -u)" -eq 0 ]; then
    if ! id postgres >/dev/null 2>&1; then
        echo "with-postgres: running as root but there is no 'postgres' system user" >&2
        exit 1
    fi
    AS=(runuser -u postgres --)
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/kaiku-pg.XXXXXX")
chmod 700 "$TMP"
if [ "${#AS[@]}" -gt 0 ]; then
    chown postgres: "$TMP"
fi

cleanup() {
    local status=$?
    if [ -f "$TMP/data/postmaster.pid" ]; then
        "${AS[@]}" "$BINDIR/pg_ctl" -D "$TMP/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$TMP"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
    local port
    for _ in $(seq 1 50); do
        # Below Linux's ephemeral range (32768-60999), where outgoing connections take ports.
        port=$((20000 + RANDOM % 12000))
        # Nothing answers on the port: connecting fails.
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    return 1
}
mkdir_as() { "${AS[@]}" mkdir -p "$@"; }
mkdir_as "$TMP/socket"
"${AS[@]}" "$BINDIR/initdb" -D "$TMP/data" -U postgres -A trust -E UTF8 --locale=C \
    --no-sync >"$TMP/initdb.log" 2>&1 || { cat "$TMP/initdb.log" >&2; exit 1; }

# Durability is not needed for a throwaway server; speed is. A port taken between the check
# and the start (another server starting at the same moment) means another try.
# statement_timeout: a query planned badly (one ran 14 minutes in a CI pass) fails its test
# with the query's name after two minutes instead of stalling the whole suite.
started=0
for _try in 1 2 3 4 5; do
    PORT=$(free_port)
    if "${AS[@]}" "$BINDIR/pg_ctl" -D "$TMP/data" -l "$TMP/data/server.log" -w -t 60 \
        -o "-h 127.0.0.1 -p $PORT -k $TMP/socket -c fsync=off -c synchronous_commit=off \
            -c full_page_writes=off -c max_connections=200 -c statement_timeout=120s" \
        start >/dev/null; then
        started=1
        break
    fi
done
if [ "$started" != 1 ]; then
    echo "with-postgres: the server did not start:" >&2
    cat "$TMP/data/server.log" >&2 || true
    exit 1
fi
"${AS[@]}" "$BINDIR/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -q -v ON_ERROR_STOP=1 \
    -c "CREATE DATABASE kaiku" >/dev/null

export DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/kaiku"
echo "with-postgres: $("$BINDIR/postgres" --version) at $DATABASE_URL" >&2

set +e
"$@"
STATUS=$?
set -e
exit "$STATUS"
