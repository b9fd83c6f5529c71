/* tests/bench/pg_floor.c — the floor for healthcheck's benchmark: the least a libpq program can do
 * to check Postgres (connect, SELECT 1, disconnect). Built against the system's shared libpq. */
#include <libpq-fe.h>
#include <stdio.h>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  PGconn* conn = PQconnectdb(argv[1]);
  if (PQstatus(conn) != CONNECTION_OK) {
    fprintf(stderr, "%s", PQerrorMessage(conn));
    return 1;
  }
  PGresult* res = PQexec(conn, "SELECT 1");
  int ok = PQresultStatus(res) == PGRES_TUPLES_OK;
  PQclear(res);
  PQfinish(conn);
  return ok ? 0 : 1;
}
