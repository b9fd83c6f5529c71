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


// Hostile-test S1: "user app" (a missing "=") made the scan take "password" as part of a value.
TEST(RedactTest, ConninfoBareWordDoesNotExposeTheNextValue) {
  EXPECT_EQ(RedactTarget("host=127.0.0.1 user app password=S3cretBare"), "host=127.0.0.1 user app password=***");
}

// Any key libpq does not know may be a misspelled password: its value is hidden.
TEST(RedactTest, UnknownPostgresKeysAreHidden) {
  EXPECT_EQ(RedactTarget("host=db passwrd=S3cretTypo dbname=app"), "host=db passwrd=*** dbname=app");
  EXPECT_EQ(RedactTarget("postgres://db/app?passwrd=S3cretTypo&sslmode=require"),
            "postgres://db/app?passwrd=***&sslmode=require");
}

// Hostile-test S3: API keys in HTTP query strings.
TEST(RedactTest, ApiKeysInHttpQueriesAreHidden) {
  EXPECT_EQ(RedactTarget("http://h/health?api_key=K1&apikey=K2&access_key=K3&x-auth-token=K4&verbose=1"),
            "http://h/health?api_key=***&apikey=***&access_key=***&x-auth-token=***&verbose=1");
}

TEST(RedactTest, HideQuotedValuesKeepsKeywordsOnly) {
  EXPECT_EQ(HideQuotedValues("invalid percent-encoded token: \"pa%zzS3cret\""),
            "invalid percent-encoded token: \"(hidden)\"");
  EXPECT_EQ(HideQuotedValues("missing \"=\" after \"user\" in connection info string"),
            "missing \"=\" after \"user\" in connection info string");
  EXPECT_EQ(HideQuotedValues("invalid connection option \"Zx9Secret\""), "invalid connection option \"(hidden)\"");
  EXPECT_EQ(HideQuotedValues("unterminated \"quote"), "unterminated \"(hidden)\"");
}


// A password written with a raw '/' (not %-encoded) is still the password, not a path.
TEST(RedactTest, PasswordWithRawSlashIsHidden) {
  EXPECT_EQ(RedactTarget("postgres://app:pa/ss@db:5432/app"), "postgres://app:***@db:5432/app");
  EXPECT_EQ(RedactTarget("redis://:a/b/c@cache:6379/0?x=1"), "redis://:***@cache:6379/0?x=1");
}

}  // namespace
}  // namespace noshell
