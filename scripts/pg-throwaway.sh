#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and benchmarks: its own folder, a private port on
# 127.0.0.1, trust authentication, no fsync (the data dies with the folder).
#   scripts/pg-throwaway.sh start DIR [PORT]   prints the postgres:// URL on stdout
#   scripts/pg-throwaway.sh start DIR PORT durable
#       the same with fsync=on, synchronous_commit=on, full_page_writes=on (PostgreSQL's
#       defaults: every COMMIT waits for its WAL flush), for benchmark figures
#   scripts/pg-throwaway.sh stop DIR
# Needs Debian's postgresql package (initdb, pg_ctl); as root the cluster runs as user postgres,
# since PostgreSQL refuses to run as root.
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?data folder}
port=${3:-55432}
durability=${4:-}

bindir=""
for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && bindir=$d; done
if [ -z "$bindir" ] && command -v initdb >/dev/null; then bindir=$(dirname "$(command -v initdb)"); fi
if [ -z "$bindir" ]; then
  echo "pg-throwaway: PostgreSQL is not installed (apt-get install postgresql)" >&2
  exit 3
fi

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  start)
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
    if [ ! -f "$dir/PG_VERSION" ]; then
      as_owner "$bindir/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    sync="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    case "$durability" in
      "") ;;
      durable) sync="-c fsync=on -c synchronous_commit=on -c full_page_writes=on" ;;
      *) echo "pg-throwaway: unknown option '$durability' (only 'durable')" >&2; exit 2 ;;
    esac
    as_owner "$bindir/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 start -o \
      "-p $port -k $dir -c listen_addresses=127.0.0.1 $sync -c max_connections=300" >/dev/null
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    [ -f "$dir/postmaster.pid" ] && as_owner "$bindir/pg_ctl" -D "$dir" -m immediate stop >/dev/null || true
    ;;
  *) echo "usage: $0 start|stop DIR [PORT [durable]]" >&2; exit 2 ;;
esac
