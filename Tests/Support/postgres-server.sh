#!/usr/bin/env bash
# Starts a throwaway PostgreSQL on 127.0.0.1 for the tests and prints its port, its directory and
# the folder of its binaries (one line: PORT DIR BIN; a test that restarts the server needs them).
#
#   postgres-server.sh WATCH_PID
#
# The server runs from a new temporary directory (fsync off: test data need not survive a power
# cut) and is stopped, and its directory removed, as soon as process WATCH_PID (the test runner)
# is gone, however it ended. As root, the server runs as the `postgres` user (PostgreSQL refuses
# root). Needs the PostgreSQL server binaries (Debian: postgresql-15; `make deps` installs them).
set -euo pipefail
watch_pid=${1:?usage: postgres-server.sh WATCH_PID}

# Close every descriptor inherited beyond stdio (a test runner's event pipes, say): the server and
# the watchdog outlive this script, and a pipe they held open would keep its reader waiting.
for fd in /proc/$$/fd/*; do
  fd=${fd##*/}
  if [ "$fd" -gt 2 ] 2>/dev/null; then eval "exec $fd>&-" 2>/dev/null || true; fi
done

bin=""
for candidate in "${BATON_PG_BIN:-}" /usr/lib/postgresql/*/bin "$(pg_config --bindir 2>/dev/null || true)"; do
  if [ -n "$candidate" ] && [ -x "$candidate/initdb" ] && [ -x "$candidate/pg_ctl" ]; then bin=$candidate; fi
done
if [ -z "$bin" ]; then
  echo "no PostgreSQL server binaries (initdb, pg_ctl) found; run: make deps (installs postgresql-15)" >&2
  exit 3
fi

dir=$(mktemp -d /tmp/baton-pg.XXXXXX)
as_postgres=()
if [ "$(id -u)" = 0 ]; then
  chown postgres "$dir"
  as_postgres=(runuser -u postgres --)
fi
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

if ! "${as_postgres[@]}" "$bin/initdb" -D "$dir/data" -U baton --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1; then
  cat "$dir/initdb.log" >&2
  exit 4
fi
options="-h 127.0.0.1 -p $port -k $dir -F -c max_connections=300 -c shared_buffers=128MB"
if ! "${as_postgres[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o "$options" start >/dev/null; then
  cat "$dir/server.log" >&2
  exit 5
fi

# The watchdog: detached, its output nowhere, so the caller's read of our stdout ends now.
nohup bash -c '
  while kill -0 "$1" 2>/dev/null; do sleep 1; done
  "${@:4}" "$2/pg_ctl" -D "$3/data" -m immediate stop
  rm -rf "$3"
' watchdog "$watch_pid" "$bin" "$dir" "${as_postgres[@]}" </dev/null >/dev/null 2>&1 &

echo "$port $dir $bin"
