#!/usr/bin/env bash
# Run a command with DATABASE_URL pointing at PostgreSQL.
# If DATABASE_URL is already set, use it. Otherwise start a throwaway cluster: initdb into a
# temporary directory, listen on a free port of 127.0.0.1, run the command, stop, delete.
# initdb refuses to run as root, so as root the cluster runs as the `postgres` user.
set -euo pipefail
if [ -n "${DATABASE_URL:-}" ]; then exec "$@"; fi

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$pg_bin" ]; then pg_bin=$(dirname "$(command -v initdb)"); fi

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

dir=$(mktemp -d /tmp/tongxin-pg.XXXXXX)
chmod 755 "$dir"
if [ "$(id -u)" -eq 0 ]; then chown postgres "$dir"; fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

cleanup() {
  as_owner "$pg_bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

as_owner "$pg_bin/initdb" -D "$dir/data" -U tongxin --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_owner "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-h 127.0.0.1 -p $port -k $dir -c fsync=${TONGXIN_PG_FSYNC:-off} -c max_connections=200 -c shared_buffers=256MB" start >/dev/null
as_owner "$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U tongxin tongxin

export DATABASE_URL="postgres://tongxin@127.0.0.1:$port/tongxin"
echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (throwaway cluster)"
set +e
"$@"
status=$?
set -e
exit $status
