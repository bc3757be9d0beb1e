#!/usr/bin/env bash
# A throw-away PostgreSQL server for tests and benchmarks (Debian's
# postgresql package, installed by scripts/setup.sh).
#
#   scripts/test-postgres.sh start DIR PORT [WATCH_PID]
#       initdb into DIR/data (trust authentication, user postgres), start the
#       server on 127.0.0.1:PORT with its unix socket in DIR, wait until it
#       accepts connections. With WATCH_PID, a watchdog stops the server and
#       removes DIR once that process has gone, so a killed test run leaves
#       nothing behind.
#   scripts/test-postgres.sh stop DIR
#       stop the server (fast) and remove DIR.
#
# PostgreSQL refuses to run as root: as root, the server runs as the
# `postgres` user (DIR is handed to it).
set -euo pipefail
self=$(readlink -f "$0")

die() { printf 'test-postgres: error: %s\n' "$*" >&2; exit 1; }

bindir=""
for d in /usr/lib/postgresql/*/bin; do
  [ -x "$d/initdb" ] && bindir="$d"
done
[ -n "$bindir" ] || die "PostgreSQL server binaries not found under /usr/lib/postgresql (run scripts/setup.sh)"

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cmd=${1:-}
dir=${2:-}
[ -n "$dir" ] || die "usage: $0 start DIR PORT [WATCH_PID] | stop DIR"

case "$cmd" in
start)
  port=${3:-}
  watch=${4:-}
  [ -n "$port" ] || die "start needs a port"
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$dir"
    as_owner test -w "$dir" || die "the postgres user cannot reach $dir: choose a directory whose parents it can enter (e.g. under /tmp)"
  fi
  as_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  # Durability is not what a test checks: fsync off keeps a test run quick.
  # Benchmarks set TEST_POSTGRES_FSYNC=on to measure what production would do.
  opts="-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c fsync=${TEST_POSTGRES_FSYNC:-off}"
  opts="$opts -c max_connections=200 -c shared_buffers=256MB"
  as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "$opts" -w -t 60 start >/dev/null \
    || { cat "$dir/server.log" >&2 || true; die "pg_ctl start failed"; }
  if [ -n "$watch" ]; then
    # Detached from our output so the caller's pipes close when this script ends.
    nohup bash -c "while kill -0 $watch 2>/dev/null; do sleep 1; done; \"$self\" stop \"$dir\"" \
      >/dev/null 2>&1 </dev/null &
  fi
  ;;
stop)
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 \
      || as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  ;;
*)
  die "usage: $0 start DIR PORT [WATCH_PID] | stop DIR"
  ;;
esac
