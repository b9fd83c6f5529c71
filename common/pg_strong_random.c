/* common/pg_strong_random.c — a drop-in for libpgport's pg_strong_random_shlib.o using getrandom(2).
 *
 * Why: libpq draws the SCRAM client nonce from pg_strong_random, whose OpenSSL build instantiates
 * OpenSSL 3's DRBG on first use: a quarter of a healthcheck's instructions and much of its memory,
 * for 18 random bytes. The kernel's CSPRNG (getrandom, blocking only until the pool is first
 * seeded at boot) is as strong and costs one system call.
 *
 * How: defines both symbols of that archive member and is linked before libpgport_shlib.a, so the
 * member is never pulled in (see pg_hmac.c). The prototypes are PostgreSQL's own (port.h). */
#include "postgres_fe.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/random.h>

void pg_strong_random_init(void) {}

bool pg_strong_random(void* buf, size_t len) {
  unsigned char* p = buf;
  while (len > 0) {
    ssize_t n = getrandom(p, len, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += n;
    len -= (size_t)n;
  }
  return true;
}
