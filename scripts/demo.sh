#!/usr/bin/env bash
# The main job, end to end on a fresh Debian 12 machine: install the dependencies, build the static
# binaries, start a throwaway PostgreSQL 15 and Redis 7 on free loopback ports, and run healthcheck
# the way Docker, compose and Kubernetes do. Everything it starts is stopped and removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${NOSHELL_DEMO_SKIP_INSTALL:-}" != 1 ]; then bash scripts/install-deps.sh; fi
cmake --workflow --preset release >/dev/null
bin=$PWD/build/release/bin
pgbin=/usr/lib/postgresql/15/bin

work=$(mktemp -d /tmp/noshell-demo-XXXXXX)
chmod 755 "$work"
as_server=()
if [ "$(id -u)" = 0 ]; then chown postgres: "$work"; as_server=(runuser -u postgres --); fi

free_port() {
  local p
  for p in $(seq "$1" $(($1 + 500))); do
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}
pg_port=$(free_port 25432)
redis_port=$(free_port 26379)

cleanup() {
  "${as_server[@]}" "$pgbin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  [ -n "${redis_pid:-}" ] && kill "$redis_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Commands are echoed with their passwords masked, as healthcheck itself prints targets.
step() { printf '\n\033[1m$ %s\033[0m\n' "$(printf '%s' "$*" | sed -E 's#://([^:/@]*):[^@]*@#://\1:***@#g')"; }
run() { step "$*"; set +e; "$@"; printf '(exit %s)\n' "$?"; set -e; }

echo "demo-password" > "$work/pgpass"
chown --reference="$work" "$work/pgpass"
"${as_server[@]}" "$pgbin/initdb" -D "$work/pg" -U app --pwfile="$work/pgpass" --auth-host=scram-sha-256 \
  --auth-local=trust --no-sync >/dev/null
"${as_server[@]}" "$pgbin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w \
  -o "-p $pg_port -k $work -c listen_addresses=127.0.0.1" start >/dev/null
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --requirepass redis-demo-pass >/dev/null &
redis_pid=$!
sleep 0.3

db="postgres://app:demo-password@127.0.0.1:$pg_port/postgres"
cache="redis://:redis-demo-pass@127.0.0.1:$redis_port/0"
echo "PostgreSQL on 127.0.0.1:$pg_port, Redis on 127.0.0.1:$redis_port"

run "$bin/healthcheck" "$db" "$cache"
run "$bin/healthcheck" --format=json "$db" "$cache"

step "# A wrong password: pg_isready calls it healthy, healthcheck does not"
run "$pgbin/pg_isready" -h 127.0.0.1 -p "$pg_port" -U app -d postgres
run "$bin/healthcheck" "postgres://app:wrong@127.0.0.1:$pg_port/postgres"
run "$bin/healthcheck" "postgres://app:demo-password@127.0.0.1:$pg_port/nosuchdb"

step "# Credentials from the app's own environment, never on the command line"
step "DATABASE_URL=postgresql+asyncpg://... REDIS_URL=... healthcheck env:DATABASE_URL env:REDIS_URL"
set +e
DATABASE_URL="postgresql+asyncpg://app:demo-password@127.0.0.1:$pg_port/postgres" REDIS_URL="$cache" \
  "$bin/healthcheck" env:DATABASE_URL env:REDIS_URL
echo "(exit $?)"
set -e

step "# Migrations from a dbmate folder, applied once under a lock; then a health check that needs them"
export DATABASE_URL="$db"
run "$bin/migrate" --dir=tests/fixtures/migrations/dbmate plan
run "$bin/migrate" --dir=tests/fixtures/migrations/dbmate up
run "$bin/migrate" --dir=tests/fixtures/migrations/dbmate up
run "$bin/healthcheck" "--pg-query=SELECT count(*) = 3 FROM users" "$db"
unset DATABASE_URL

step "# entrypoint: the URL from a secret file, both waits, a config rendered with this machine's limits, then the app"
printf '%s\n' "$db" > "$work/database_url"
step "DATABASE_URL_FILE=... REDIS_URL=... entrypoint --wait=env:DATABASE_URL --wait=env:REDIS_URL --template=... -- grep maxmemory redis.conf"
set +e
DATABASE_URL_FILE="$work/database_url" REDIS_URL="$cache" "$bin/entrypoint" --wait=env:DATABASE_URL --wait=env:REDIS_URL \
  --template="docker/examples/redis/redis.conf.tmpl:$work/redis.conf" -- /usr/bin/grep maxmemory "$work/redis.conf"
echo "(exit $?)"
set -e

step "# A listener that never answers: the deadline holds and names the target"
python3 - "$bin/healthcheck" <<'PY'
import socket, subprocess, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
port = s.getsockname()[1]
t = time.monotonic()
r = subprocess.run([sys.argv[1], "--timeout=500ms", f"redis://127.0.0.1:{port}"], capture_output=True, text=True)
print(r.stdout, end=""); print(f"(exit {r.returncode}, {int((time.monotonic() - t) * 1000)} ms wall)")
PY

step "# Redis goes away"
kill "$redis_pid"; wait "$redis_pid" 2>/dev/null || true; redis_pid=
run "$bin/healthcheck" "$db" "$cache"

step "ls -l build/release/bin && file build/release/bin/*"
ls -l "$bin/healthcheck" "$bin/migrate"
file "$bin/healthcheck" "$bin/migrate"

step "python3 tests/bench/healthcheck_bench.py build/release/bin   # the benchmark (40 runs: fewer leave the ratios inside their noise)"
python3 tests/bench/healthcheck_bench.py "$bin"
