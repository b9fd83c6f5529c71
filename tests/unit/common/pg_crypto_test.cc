// The drop-in pg_hmac_* / pg_cryptohash_* (common/pg_hmac.c, pg_cryptohash.c) that libpq's SCRAM
// and MD5 authentication link against: checked against RFC 4231 and FIPS 180 vectors.
#include <cstdint>
#include <string>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

extern "C" {
typedef enum { PG_MD5 = 0, PG_SHA1, PG_SHA224, PG_SHA256, PG_SHA384, PG_SHA512 } pg_cryptohash_type;
struct pg_hmac_ctx;
pg_hmac_ctx* pg_hmac_create(pg_cryptohash_type type);
int pg_hmac_init(pg_hmac_ctx* ctx, const uint8_t* key, size_t len);
int pg_hmac_update(pg_hmac_ctx* ctx, const uint8_t* data, size_t len);
int pg_hmac_final(pg_hmac_ctx* ctx, uint8_t* dest, size_t len);
void pg_hmac_free(pg_hmac_ctx* ctx);
const char* pg_hmac_error(pg_hmac_ctx* ctx);
struct pg_cryptohash_ctx;
pg_cryptohash_ctx* pg_cryptohash_create(pg_cryptohash_type type);
int pg_cryptohash_init(pg_cryptohash_ctx* ctx);
int pg_cryptohash_update(pg_cryptohash_ctx* ctx, const uint8_t* data, size_t len);
int pg_cryptohash_final(pg_cryptohash_ctx* ctx, uint8_t* dest, size_t len);
void pg_cryptohash_free(pg_cryptohash_ctx* ctx);
bool pg_strong_random(void* buf, size_t len);
}

namespace {

const uint8_t* U(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }

std::string Hmac(pg_cryptohash_type type, pg_hmac_ctx* ctx, const std::string& key, const std::string& data,
                 size_t out_len) {
  std::string out(out_len, '\0');
  EXPECT_EQ(pg_hmac_init(ctx, U(key), key.size()), 0);
  EXPECT_EQ(pg_hmac_update(ctx, U(data), data.size()), 0);
  EXPECT_EQ(pg_hmac_final(ctx, reinterpret_cast<uint8_t*>(&out[0]), out.size()), 0) << pg_hmac_error(ctx);
  (void)type;
  return absl::BytesToHexString(out);
}

TEST(PgHmacTest, Rfc4231Sha256VectorsIncludingRekeyAndLongKey) {
  pg_hmac_ctx* ctx = pg_hmac_create(PG_SHA256);
  ASSERT_NE(ctx, nullptr);
  const std::string key1(20, '\x0b');
  const std::string want1 = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7";
  EXPECT_EQ(Hmac(PG_SHA256, ctx, key1, "Hi There", 32), want1);
  // Test case 2, then case 1 again: the cached key must be replaced and then restored correctly.
  EXPECT_EQ(Hmac(PG_SHA256, ctx, "Jefe", "what do ya want for nothing?", 32),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(Hmac(PG_SHA256, ctx, key1, "Hi There", 32), want1);
  EXPECT_EQ(Hmac(PG_SHA256, ctx, key1, "Hi There", 32), want1);  // same key: fast path
  // Test case 6: a 131-byte key is hashed first.
  EXPECT_EQ(Hmac(PG_SHA256, ctx, std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First", 32),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  uint8_t small[16];
  EXPECT_EQ(pg_hmac_init(ctx, U(key1), key1.size()), 0);
  EXPECT_EQ(pg_hmac_final(ctx, small, sizeof small), -1);
  EXPECT_STREQ(pg_hmac_error(ctx), "destination buffer too small");
  pg_hmac_free(ctx);
}

// Every padding case of the hand-made final (message tails of 0..63 bytes, one or two last
// blocks, data given in pieces), against OpenSSL's own HMAC.
TEST(PgHmacTest, Sha256MatchesOpenSslForEveryMessageLength) {
  pg_hmac_ctx* ctx = pg_hmac_create(PG_SHA256);
  ASSERT_NE(ctx, nullptr);
  for (const std::string& key : {std::string("k"), std::string(32, '\x5c'), std::string(64, '\x36'), std::string(100, 'q')}) {
    for (size_t n = 0; n <= 200; ++n) {
      std::string data(n, '\0');
      for (size_t i = 0; i < n; ++i) data[i] = static_cast<char>(i * 7 + n);
      unsigned char want[32];
      unsigned int want_len = 0;
      HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), U(data), data.size(), want, &want_len);
      std::string got(32, '\0');
      ASSERT_EQ(pg_hmac_init(ctx, U(key), key.size()), 0);
      ASSERT_EQ(pg_hmac_update(ctx, U(data), n / 3), 0);
      ASSERT_EQ(pg_hmac_update(ctx, U(data) + n / 3, n - n / 3), 0);
      ASSERT_EQ(pg_hmac_final(ctx, reinterpret_cast<uint8_t*>(&got[0]), got.size()), 0);
      ASSERT_EQ(absl::BytesToHexString(got), absl::BytesToHexString(std::string(reinterpret_cast<char*>(want), want_len)))
          << "key " << key.size() << " bytes, message " << n << " bytes";
    }
  }
  pg_hmac_free(ctx);
}

TEST(PgHmacTest, OtherDigestsGoThroughOpenSsl) {
  pg_hmac_ctx* ctx = pg_hmac_create(PG_SHA512);
  EXPECT_EQ(Hmac(PG_SHA512, ctx, "Jefe", "what do ya want for nothing?", 64),
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
  pg_hmac_free(ctx);
}

TEST(PgCryptohashTest, Digests) {
  struct Case { pg_cryptohash_type type; size_t len; const char* want; };
  for (const Case& c : {Case{PG_MD5, 16, "900150983cd24fb0d6963f7d28e17f72"},
                        Case{PG_SHA1, 20, "a9993e364706816aba3e25717850c26c9cd0d89d"},
                        Case{PG_SHA224, 28, "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7"},
                        Case{PG_SHA256, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
                        Case{PG_SHA384, 48, "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"},
                        Case{PG_SHA512, 64, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"}}) {
    pg_cryptohash_ctx* ctx = pg_cryptohash_create(c.type);
    ASSERT_EQ(pg_cryptohash_init(ctx), 0);
    ASSERT_EQ(pg_cryptohash_update(ctx, U("abc"), 3), 0);
    std::string out(c.len, '\0');
    ASSERT_EQ(pg_cryptohash_final(ctx, reinterpret_cast<uint8_t*>(&out[0]), out.size()), 0);
    EXPECT_EQ(absl::BytesToHexString(out), c.want) << c.type;
    pg_cryptohash_free(ctx);
  }
}

TEST(PgStrongRandomTest, FillsBuffer) {
  uint8_t a[64] = {0}, b[64] = {0};
  ASSERT_TRUE(pg_strong_random(a, sizeof a));
  ASSERT_TRUE(pg_strong_random(b, sizeof b));
  EXPECT_NE(std::string(reinterpret_cast<char*>(a), 64), std::string(reinterpret_cast<char*>(b), 64));
  EXPECT_NE(std::string(reinterpret_cast<char*>(a), 64), std::string(64, '\0'));
}

}  // namespace
