#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests (and load runs): a cluster in DIR, listening on a unix
# socket in DIR only (no TCP port), trust authentication, fsync off. Nothing outside DIR is touched.
#
#   scripts/pg_test_server.sh start DIR   # prints the SQLAlchemy URL of database "kyosai"
#   scripts/pg_test_server.sh stop DIR    # stops the server and removes DIR
#
# The server binaries come from PATH or Debian's /usr/lib/postgresql/<version>/bin (package
# "postgresql"). PostgreSQL refuses to run as root: as root the cluster belongs to the "postgres"
# user (created by the Debian package; otherwise a system user "kyosai-pg" is made).
# Exit status 3: no PostgreSQL server binaries here.
set -euo pipefail

cmd=${1:-}
dir=${2:-}
if [[ -z "$cmd" || -z "$dir" ]]; then
    echo "usage: $0 start|stop DIR" >&2
    exit 2
fi

find_bin() {
    local initdb
    if initdb=$(command -v initdb 2>/dev/null) && [[ -x "$(dirname "$initdb")/pg_ctl" ]]; then
        dirname "$(readlink -f "$initdb")"
        return 0
    fi
    local candidate
    candidate=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [[ -n "$candidate" && -x "$candidate/initdb" && -x "$candidate/pg_ctl" ]]; then
        echo "$candidate"
        return 0
    fi
    return 1
}

owner=""
if [[ "$(id -u)" == 0 ]]; then
    if id postgres >/dev/null 2>&1; then
        owner=postgres
    else
        id kyosai-pg >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin kyosai-pg
        owner=kyosai-pg
    fi
fi

as_owner() {
    if [[ -n "$owner" ]]; then
        runuser -u "$owner" -- "$@"
    else
        "$@"
    fi
}

case "$cmd" in
start)
    if ! bin=$(find_bin); then
        echo "no PostgreSQL server binaries (initdb, pg_ctl): apt-get install postgresql" >&2
        exit 3
    fi
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    mkdir -p "$dir/sock"
    [[ -n "$owner" ]] && chown -R "$owner" "$dir"
    chmod 700 "$dir"
    [[ -n "$owner" ]] && chmod 711 "$dir"            # the client (root) reaches the socket inside
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-k $dir/sock -c listen_addresses='' -p 5432 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    as_owner "$bin/createdb" -h "$dir/sock" -p 5432 -U postgres kyosai
    echo "postgresql+psycopg://postgres@/kyosai?host=$dir/sock&port=5432"
    ;;
stop)
    if [[ -d "$dir/data" ]] && bin=$(find_bin); then
        as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
*)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
