/* common/pg_buffer.c — how many bytes libpq holds for a connection that the caller has not taken.
 *
 * Why: libpq reads a whole protocol message into its input buffer before parsing it, and grows the
 * buffer to whatever length the peer announces (a DataRow may claim 2 GB). It has no cap of its
 * own, so a hostile or broken server could make us allocate and fill gigabytes. Our loops around
 * PQconsumeInput ask this after every read and give up past their cap ("reply larger than N").
 * The result libpq is still building counts too: a query read without single-row mode (our own
 * bounded queries: one PGresult instead of one per row) grows it by every row parsed.
 *
 * How: PGconn is opaque in libpq-fe.h; its layout is in libpq-int.h, which Debian's libpq-dev ships
 * beside the libpq.a we link statically, so the two always match. C, not C++: libpq-int.h pulls
 * in PostgreSQL's c.h, which is not meant for C++. */
#include "postgres_fe.h"
/* Debian builds libpq with GSSAPI, whose headers (libkrb5-dev) we do not need: the GSSAPI members
 * of struct pg_conn all come after the input-buffer members read here (libpq-int.h, PostgreSQL 15:
 * no conditional member precedes inBufSize or result), so their offsets are the same either way. */
#undef ENABLE_GSS
#include "libpq-int.h"

/* Declared for C++ in common/pg_buffer.h (not included: its directory name clashes with PostgreSQL's). */
size_t noshell_pq_buffered_bytes(const PGconn* conn);

size_t noshell_pq_buffered_bytes(const PGconn* conn) {
  if (conn == NULL) return 0;
  /* The allocated size: libpq enlarges it to an announced message length before the bytes come. */
  size_t allocated = conn->inBufSize > 0 ? (size_t)conn->inBufSize : 0;
  size_t unparsed = conn->inEnd > conn->inStart ? (size_t)(conn->inEnd - conn->inStart) : 0;
  size_t buffered = allocated > unparsed ? allocated : unparsed;
  size_t building = conn->result != NULL ? conn->result->memorySize : 0;
  return buffered + building;
}
