/* common/pg_cryptohash.c — a drop-in for libpgcommon's cryptohash_openssl_shlib.o.
 *
 * Why: libpq hashes with pg_cryptohash during SCRAM (and MD5) authentication; through OpenSSL 3's
 * EVP layer the first digest fetch initialises the whole provider machinery, which cost more than
 * the hashing itself in a healthcheck. OpenSSL's one-shot low-level digests do the same hashing
 * with no provider lookup.
 *
 * How: defines every symbol of that archive member and is linked before libpgcommon_shlib.a (see
 * pg_hmac.c). ABI: PostgreSQL's own common/cryptohash.h, included so the compiler checks it. */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "postgres_fe.h"

#include "common/cryptohash.h"

_Static_assert(PG_VERSION_NUM >= 150000 && PG_VERSION_NUM < 160000, "written for libpgcommon 15's cryptohash_openssl.o");

#include <openssl/crypto.h>
#include <openssl/md5.h>
#include <openssl/sha.h>
#include <stdint.h>
#include <stdlib.h>

struct pg_cryptohash_ctx {
  pg_cryptohash_type type;
  const char* error;
  union {
    MD5_CTX md5;
    SHA_CTX sha1;
    SHA256_CTX sha256; /* also SHA-224 */
    SHA512_CTX sha512; /* also SHA-384 */
  } u;
};

static size_t digest_length(pg_cryptohash_type type) {
  switch (type) {
    case PG_MD5: return MD5_DIGEST_LENGTH;
    case PG_SHA1: return SHA_DIGEST_LENGTH;
    case PG_SHA224: return SHA224_DIGEST_LENGTH;
    case PG_SHA256: return SHA256_DIGEST_LENGTH;
    case PG_SHA384: return SHA384_DIGEST_LENGTH;
    case PG_SHA512: return SHA512_DIGEST_LENGTH;
  }
  return 0;
}

pg_cryptohash_ctx* pg_cryptohash_create(pg_cryptohash_type type) {
  pg_cryptohash_ctx* ctx = calloc(1, sizeof *ctx);
  if (ctx != NULL) ctx->type = type;
  return ctx;
}

int pg_cryptohash_init(pg_cryptohash_ctx* ctx) {
  if (ctx == NULL) return -1;
  int ok = 0;
  switch (ctx->type) {
    case PG_MD5: ok = MD5_Init(&ctx->u.md5); break;
    case PG_SHA1: ok = SHA1_Init(&ctx->u.sha1); break;
    case PG_SHA224: ok = SHA224_Init(&ctx->u.sha256); break;
    case PG_SHA256: ok = SHA256_Init(&ctx->u.sha256); break;
    case PG_SHA384: ok = SHA384_Init(&ctx->u.sha512); break;
    case PG_SHA512: ok = SHA512_Init(&ctx->u.sha512); break;
  }
  if (ok != 1) {
    ctx->error = "hash initialization failed";
    return -1;
  }
  return 0;
}

int pg_cryptohash_update(pg_cryptohash_ctx* ctx, const uint8_t* data, size_t len) {
  if (ctx == NULL) return -1;
  int ok = 0;
  switch (ctx->type) {
    case PG_MD5: ok = MD5_Update(&ctx->u.md5, data, len); break;
    case PG_SHA1: ok = SHA1_Update(&ctx->u.sha1, data, len); break;
    case PG_SHA224: ok = SHA224_Update(&ctx->u.sha256, data, len); break;
    case PG_SHA256: ok = SHA256_Update(&ctx->u.sha256, data, len); break;
    case PG_SHA384: ok = SHA384_Update(&ctx->u.sha512, data, len); break;
    case PG_SHA512: ok = SHA512_Update(&ctx->u.sha512, data, len); break;
  }
  if (ok != 1) {
    ctx->error = "hash update failed";
    return -1;
  }
  return 0;
}

int pg_cryptohash_final(pg_cryptohash_ctx* ctx, uint8_t* dest, size_t len) {
  if (ctx == NULL) return -1;
  if (len < digest_length(ctx->type)) {
    ctx->error = "destination buffer too small";
    return -1;
  }
  int ok = 0;
  switch (ctx->type) {
    case PG_MD5: ok = MD5_Final(dest, &ctx->u.md5); break;
    case PG_SHA1: ok = SHA1_Final(dest, &ctx->u.sha1); break;
    case PG_SHA224: ok = SHA224_Final(dest, &ctx->u.sha256); break;
    case PG_SHA256: ok = SHA256_Final(dest, &ctx->u.sha256); break;
    case PG_SHA384: ok = SHA384_Final(dest, &ctx->u.sha512); break;
    case PG_SHA512: ok = SHA512_Final(dest, &ctx->u.sha512); break;
  }
  if (ok != 1) {
    ctx->error = "hash finalization failed";
    return -1;
  }
  return 0;
}

void pg_cryptohash_free(pg_cryptohash_ctx* ctx) {
  if (ctx == NULL) return;
  OPENSSL_cleanse(ctx, sizeof *ctx);
  free(ctx);
}

const char* pg_cryptohash_error(pg_cryptohash_ctx* ctx) {
  if (ctx == NULL) return "out of memory";
  return ctx->error != NULL ? ctx->error : "success";
}
