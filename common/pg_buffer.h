/* common/pg_buffer.h — what libpq holds for a connection: its input buffer and the result being built (see pg_buffer.c). */
#ifndef NOSHELL_COMMON_PG_BUFFER_H_
#define NOSHELL_COMMON_PG_BUFFER_H_

#include <stddef.h>

#include <libpq-fe.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes libpq has allocated (or holds unparsed) for reading from `conn`, and those of the result
 * it is building: what a peer made it reserve. 0 for NULL. */
size_t noshell_pq_buffered_bytes(const PGconn* conn);

#ifdef __cplusplus
}
#endif

#endif  /* NOSHELL_COMMON_PG_BUFFER_H_ */
