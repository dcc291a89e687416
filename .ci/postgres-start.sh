#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server for the storage tests and prints its URL on stdout (only that).
#
#   export KAOHE_TEST_POSTGRES_URL="$(bash .ci/postgres-start.sh)"
#   swift test ...           # storage tests now also run against PostgreSQL
#   bash .ci/postgres-start.sh --stop   # stops every cluster this script started
#
# Installs Debian's postgresql package when missing, runs initdb into a temporary directory as user
# postgres, listens on 127.0.0.1 only (5432, or the next free port), trusts local connections, and
# creates the database kaohe_test. No systemd. Everything else goes to stderr.
set -euo pipefail

STATE_LIST=/tmp/kaohe-pg-clusters

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

if [ "${1:-}" = "--stop" ]; then
    BIN="$(pg_bin)"
    if [ -f "$STATE_LIST" ]; then
        while read -r dir; do
            [ -d "$dir/data" ] && runuser -u postgres -- "$BIN/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
        done < "$STATE_LIST"
        rm -f "$STATE_LIST"
    fi
    exit 0
fi

if [ -z "$(pg_bin)" ] || [ ! -x "$(pg_bin)/initdb" ]; then
    echo "postgres-start: installing PostgreSQL from Debian's packages…" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
fi
BIN="$(pg_bin)"

# Debian's package starts no server without systemd; make sure the user exists in any case.
id postgres >/dev/null 2>&1 || useradd --system --home /var/lib/postgresql --shell /bin/sh postgres

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
PORT="${KAOHE_PG_PORT:-5432}"
while ! port_free "$PORT"; do PORT=$((PORT + 1)); done

DIR="$(mktemp -d /tmp/kaohe-pg.XXXXXX)"
chown postgres:postgres "$DIR"
chmod 700 "$DIR"
runuser -u postgres -- "$BIN/initdb" -D "$DIR/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
    || { cat "$DIR/initdb.log" >&2; exit 1; }
runuser -u postgres -- "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c max_connections=400 -c fsync=off" start >&2 \
    || { cat "$DIR/server.log" >&2; exit 1; }
echo "$DIR" >> "$STATE_LIST"
runuser -u postgres -- "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres kaohe_test >&2

echo "postgres-start: PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT, data in $DIR/data" >&2
echo "postgres://postgres@127.0.0.1:$PORT/kaohe_test"
