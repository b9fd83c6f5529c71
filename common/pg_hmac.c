/* common/pg_hmac.c — a faster drop-in for libpgcommon's hmac_openssl.o (pg_hmac_*).
 *
 * Why: a SCRAM-SHA-256 login computes PBKDF2 with 4096 HMAC iterations, and libpq re-keys the HMAC
 * every iteration. With OpenSSL 3, each HMAC_Init_ex re-fetches the digest from the provider and
 * re-hashes the key pads: measured at 95% of healthcheck's instructions for one Postgres login.
 * Here the keyed inner and outer SHA-256 states are computed once per key and copied on re-init,
 * so an iteration costs two SHA-256 compressions and no provider lookups.
 *
 * How: this file defines every symbol hmac_openssl_shlib.o exports, and is linked before
 * libpgcommon_shlib.a, so the linker never pulls that member in (no duplicate definitions).
 * Types other than SHA-256 go through OpenSSL's HMAC exactly as PostgreSQL's version does.
 * The ABI is PostgreSQL's own common/hmac.h, included below so the compiler checks every
 * definition against it; tests/unit/common/pg_crypto_test.cc checks the results against the RFC
 * 4231 vectors and the integration tests log in with SCRAM. */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "postgres_fe.h"

#include "common/hmac.h"

_Static_assert(PG_VERSION_NUM >= 150000 && PG_VERSION_NUM < 160000, "written for libpgcommon 15's hmac_openssl.o");

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct pg_hmac_ctx {
  pg_cryptohash_type type;
  const char* error;
  /* SHA-256 fast path */
  SHA256_CTX inner, outer, work;
  unsigned char key[SHA256_CBLOCK];
  size_t key_len;
  int keyed;
  /* everything else */
  HMAC_CTX* hmac;
};

pg_hmac_ctx* pg_hmac_create(pg_cryptohash_type type) {
  pg_hmac_ctx* ctx = calloc(1, sizeof *ctx);
  if (ctx == NULL) return NULL;
  ctx->type = type;
  if (type != PG_SHA256) {
    ctx->hmac = HMAC_CTX_new();
    if (ctx->hmac == NULL) {
      free(ctx);
      return NULL;
    }
  }
  return ctx;
}

static const EVP_MD* digest_of(pg_cryptohash_type type) {
  switch (type) {
    case PG_MD5: return EVP_md5();
    case PG_SHA1: return EVP_sha1();
    case PG_SHA224: return EVP_sha224();
    case PG_SHA256: return EVP_sha256();
    case PG_SHA384: return EVP_sha384();
    case PG_SHA512: return EVP_sha512();
  }
  return NULL;
}

int pg_hmac_init(pg_hmac_ctx* ctx, const uint8_t* key, size_t len) {
  if (ctx == NULL) return -1;
  if (ctx->type != PG_SHA256) {
    if (HMAC_Init_ex(ctx->hmac, key, (int)len, digest_of(ctx->type), NULL) != 1) {
      ctx->error = "HMAC initialization failed";
      return -1;
    }
    return 0;
  }
  if (ctx->keyed && len == ctx->key_len && (len == 0 || memcmp(key, ctx->key, len) == 0)) {
    ctx->work = ctx->inner;
    return 0;
  }
  unsigned char block[SHA256_CBLOCK] = {0};
  if (len > SHA256_CBLOCK) {
    SHA256(key, len, block);
    ctx->keyed = 0; /* long keys are hashed every time; SCRAM's are short */
  } else {
    memcpy(block, key, len);
    memcpy(ctx->key, key, len);
    ctx->key_len = len;
    ctx->keyed = 1;
  }
  unsigned char pad[SHA256_CBLOCK];
  for (int i = 0; i < SHA256_CBLOCK; i++) pad[i] = block[i] ^ 0x36;
  SHA256_Init(&ctx->inner);
  SHA256_Update(&ctx->inner, pad, sizeof pad);
  for (int i = 0; i < SHA256_CBLOCK; i++) pad[i] = block[i] ^ 0x5c;
  SHA256_Init(&ctx->outer);
  SHA256_Update(&ctx->outer, pad, sizeof pad);
  OPENSSL_cleanse(block, sizeof block);
  OPENSSL_cleanse(pad, sizeof pad);
  ctx->work = ctx->inner;
  return 0;
}

int pg_hmac_update(pg_hmac_ctx* ctx, const uint8_t* data, size_t len) {
  if (ctx == NULL) return -1;
  if (ctx->type != PG_SHA256) {
    if (HMAC_Update(ctx->hmac, data, len) != 1) {
      ctx->error = "HMAC update failed";
      return -1;
    }
    return 0;
  }
  SHA256_Update(&ctx->work, data, len);
  return 0;
}

static void put_be32(unsigned char* p, uint32_t v) {
  p[0] = (unsigned char)(v >> 24);
  p[1] = (unsigned char)(v >> 16);
  p[2] = (unsigned char)(v >> 8);
  p[3] = (unsigned char)v;
}

int pg_hmac_final(pg_hmac_ctx* ctx, uint8_t* dest, size_t len) {
  if (ctx == NULL) return -1;
  if (ctx->type != PG_SHA256) {
    unsigned int out_len = 0;
    if ((size_t)EVP_MD_get_size(digest_of(ctx->type)) > len) {
      ctx->error = "destination buffer too small";
      return -1;
    }
    if (HMAC_Final(ctx->hmac, dest, &out_len) != 1) {
      ctx->error = "HMAC finalization failed";
      return -1;
    }
    return 0;
  }
  if (len < SHA256_DIGEST_LENGTH) {
    ctx->error = "destination buffer too small";
    return -1;
  }
  /* The inner hash's last block, then the outer hash's one block (its keyed state is the first),
   * each padded here and compressed with SHA256_Transform: SHA256_Final's clean-up, twice per
   * iteration, cost a third as much as the compressions themselves. */
  unsigned char* block = (unsigned char*)ctx->work.data;
  unsigned int n = ctx->work.num;
  const uint32_t bits_lo = ctx->work.Nl, bits_hi = ctx->work.Nh;
  block[n++] = 0x80;
  if (n > SHA256_CBLOCK - 8) {
    memset(block + n, 0, SHA256_CBLOCK - n);
    SHA256_Transform(&ctx->work, block);
    n = 0;
  }
  memset(block + n, 0, SHA256_CBLOCK - 8 - n);
  put_be32(block + 56, bits_hi);
  put_be32(block + 60, bits_lo);
  SHA256_Transform(&ctx->work, block);
  SHA256_CTX outer;
  memcpy(outer.h, ctx->outer.h, sizeof outer.h);
  unsigned char last[SHA256_CBLOCK] = {0};
  for (int i = 0; i < 8; i++) put_be32(last + 4 * i, ctx->work.h[i]);
  last[SHA256_DIGEST_LENGTH] = 0x80;
  put_be32(last + 60, (SHA256_CBLOCK + SHA256_DIGEST_LENGTH) * 8); /* key pad block + inner digest */
  SHA256_Transform(&outer, last);
  for (int i = 0; i < 8; i++) put_be32(dest + 4 * i, outer.h[i]);
  ctx->work.num = 0; /* finished: a further update needs pg_hmac_init first, as with OpenSSL */
  return 0;
}

void pg_hmac_free(pg_hmac_ctx* ctx) {
  if (ctx == NULL) return;
  if (ctx->hmac != NULL) HMAC_CTX_free(ctx->hmac);
  OPENSSL_cleanse(ctx, sizeof *ctx);
  free(ctx);
}

const char* pg_hmac_error(pg_hmac_ctx* ctx) {
  if (ctx == NULL) return "out of memory";
  return ctx->error != NULL ? ctx->error : "success";
}
