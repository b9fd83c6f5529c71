#!/usr/bin/env bash
# The benchmark's peer for `entrypoint --postgres`: the official postgres image's first start, step
# for step as its docker-entrypoint.sh does it (written here; the script itself is not copied),
# with the tools it uses: initdb with the password on a process substitution, `postgres -C` for
# the host rule's method, pg_ctl -w starting a server on the unix socket only, psql asking for
# POSTGRES_DB and creating it, psql -f per *.sql and gunzip | psql per *.sql.gz with
# ON_ERROR_STOP, pg_ctl -m fast -w stop, then exec of the command. Run as the server's user.
#   shell_first_start.sh INITDB_DIR postgres [ARGS...]
# Environment: PGDATA, POSTGRES_PASSWORD, POSTGRES_USER, POSTGRES_DB, PGPORT (the temporary
# server's port, as upstream), PATH holding the server's and psql's programs.
set -Eeo pipefail
initdb_dir=$1
shift
: "${POSTGRES_USER:=postgres}" "${POSTGRES_DB:=$POSTGRES_USER}"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "$POSTGRES_PASSWORD" ]; then echo "no POSTGRES_PASSWORD" >&2; exit 1; fi
  ls "$initdb_dir" >/dev/null
  initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") $POSTGRES_INITDB_ARGS
  server_args=("${@:2}")
  method=$(postgres -C password_encryption "${server_args[@]}")
  printf '\nhost all all all %s\n' "${POSTGRES_HOST_AUTH_METHOD:-$method}" >> "$PGDATA/pg_hba.conf"
  export PGPASSWORD=$POSTGRES_PASSWORD
  PGUSER=$POSTGRES_USER pg_ctl -D "$PGDATA" -o "$(printf '%q ' "${server_args[@]}" -c listen_addresses='' -p "${PGPORT:-5432}")" -w start
  sql() { PGHOST= PGHOSTADDR= psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc "$@"; }
  exists=$(sql --dbname postgres --set db="$POSTGRES_DB" --tuples-only <<<"SELECT 1 FROM pg_database WHERE datname = :'db';")
  if [ -z "$exists" ]; then sql --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'; fi
  for f in "$initdb_dir"/*; do
    case "$f" in
      *.sql) sql --dbname "$POSTGRES_DB" -f "$f" ;;
      *.sql.gz) gunzip -c "$f" | sql --dbname "$POSTGRES_DB" ;;
      *) echo "ignoring $f" ;;
    esac
  done
  PGUSER=$POSTGRES_USER pg_ctl -D "$PGDATA" -m fast -w stop
  unset PGPASSWORD
fi
exec "$@"
