// Redaction of targets and scrubbing of known secrets.
#include "common/redact.h"

#include "gtest/gtest.h"

namespace noshell {
namespace {

TEST(RedactTest, UrlPasswordHidden) {
  EXPECT_EQ(RedactTarget("postgres://app:s3cr3t@db:5432/app"), "postgres://app:***@db:5432/app");
  EXPECT_EQ(RedactTarget("redis://:hunter22@cache:6379/0"), "redis://:***@cache:6379/0");
  EXPECT_EQ(RedactTarget("http://user@host/x"), "http://user@host/x");
}

TEST(RedactTest, SecretQueryParametersHidden) {
  EXPECT_EQ(RedactTarget("postgres://db/app?user=a&password=pw1&sslmode=require"),
            "postgres://db/app?user=a&password=***&sslmode=require");
  EXPECT_EQ(RedactTarget("http://h/p?token=abc#frag"), "http://h/p?token=***#frag");
}

TEST(RedactTest, ConninfoPasswordHidden) {
  EXPECT_EQ(RedactTarget("host=db password=plain user=app"), "host=db password=*** user=app");
  EXPECT_EQ(RedactTarget("host=db password = 'with space' dbname=x"), "host=db password = *** dbname=x");
}

TEST(RedactTest, ScrubberRemovesEveryRegisteredSecret) {
  Redactor r;
  r.Add("topsecretvalue");
  r.Add("ab");  // too short to scrub from free text
  EXPECT_EQ(r.Scrub("x topsecretvalue y topsecretvalue"), "x *** y ***");
  EXPECT_EQ(r.Scrub("abc"), "abc");
}

TEST(RedactTest, LongestSecretReplacedFirst) {
  Redactor r;
  r.Add("pass");
  r.Add("password123");
  EXPECT_EQ(r.Scrub("password123"), "***");
}

TEST(RedactTest, GlobalScrubAppliesToTargets) {
  Redactor::Global().Add("planted-secret-9");
  EXPECT_EQ(RedactTarget("tcp://planted-secret-9:80"), "tcp://***:80");
}

}  // namespace
}  // namespace noshell
