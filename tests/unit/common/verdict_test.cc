// Pure protocol verdicts: Postgres errors and pings, Redis replies, HTTP responses.
#include "common/verdict.h"

#include "common/check.h"
#include "common/static_stubs.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace noshell {
namespace {

TEST(PgVerdictTest, ParsesVerboseServerError) {
  PgError e = ParsePgError(
      "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  28P01: password authentication failed "
      "for user \"app\"\nLOCATION:  auth_failed, auth.c:335\n");
  EXPECT_EQ(e.sqlstate, "28P01");
  EXPECT_EQ(e.message, "FATAL: password authentication failed for user \"app\" (SQLSTATE 28P01)");
}

TEST(PgVerdictTest, TransportErrorHasNoSqlstate) {
  PgError e = ParsePgError(
      "connection to server at \"127.0.0.1\", port 1 failed: Connection refused\n\tIs the server running on that host "
      "and accepting TCP/IP connections?\n");
  EXPECT_EQ(e.sqlstate, "");
  EXPECT_EQ(e.message, "Connection refused");
}

TEST(PgVerdictTest, ConnectVerdictByState) {
  struct Case { const char* state; ProbeMode mode; absl::StatusCode want; };
  for (const Case& c : {Case{"57P03", ProbeMode::kReadiness, absl::StatusCode::kUnavailable},
                        Case{"57P03", ProbeMode::kLiveness, absl::StatusCode::kOk},
                        Case{"28P01", ProbeMode::kReadiness, absl::StatusCode::kUnauthenticated},
                        Case{"28P01", ProbeMode::kLiveness, absl::StatusCode::kUnauthenticated},
                        Case{"28000", ProbeMode::kReadiness, absl::StatusCode::kUnauthenticated},
                        Case{"3D000", ProbeMode::kReadiness, absl::StatusCode::kNotFound},
                        Case{"53300", ProbeMode::kReadiness, absl::StatusCode::kUnavailable},
                        Case{"", ProbeMode::kLiveness, absl::StatusCode::kUnavailable}}) {
    EXPECT_EQ(PgConnectVerdict({c.state, "m"}, c.mode).code(), c.want) << c.state;
  }
}

TEST(PgVerdictTest, UnsupportedKerberosAndLdapAreUnimplemented) {
  absl::Status gss = PgConnectVerdict(ParsePgError(std::string("connection to server failed: GSSAPI name import error: ") +
                                                   NOSHELL_NO_GSSAPI_MESSAGE + ":\n"),
                                      ProbeMode::kReadiness);
  EXPECT_EQ(gss.code(), absl::StatusCode::kUnimplemented);
  EXPECT_NE(gss.message().find("Kerberos (GSSAPI) is not supported"), absl::string_view::npos);
  absl::Status ldap = PgConnectVerdict(ParsePgError("could not create LDAP structure\n"), ProbeMode::kReadiness);
  EXPECT_EQ(ldap.code(), absl::StatusCode::kUnimplemented);
  EXPECT_NE(ldap.message().find("LDAP service lookup is not supported"), absl::string_view::npos);
}

TEST(PgVerdictTest, Truthy) {
  for (const char* v : {"t", "true", "TRUE", "1", "on", "yes", " t "}) EXPECT_TRUE(PgTruthy(v)) << v;
  for (const char* v : {"f", "false", "0", "", "off", "2"}) EXPECT_FALSE(PgTruthy(v)) << v;
}

std::string ErrorMessage(const std::string& code) {
  std::string body = "SFATAL" + std::string(1, '\0') + "C" + code + std::string(1, '\0') + "Mthe database system is starting up" +
                     std::string(1, '\0') + std::string(1, '\0');
  uint32_t len = static_cast<uint32_t>(body.size() + 4);
  std::string msg = "E";
  for (int shift : {24, 16, 8, 0}) msg.push_back(static_cast<char>(len >> shift));
  return msg + body;
}

TEST(PgVerdictTest, PingSemanticsLikePgIsready) {
  EXPECT_TRUE(PgPingVerdict(std::string("R\0\0\0\x0c\0\0\0\x0a", 9), ProbeMode::kReadiness).ok());
  absl::Status starting = PgPingVerdict(ErrorMessage("57P03"), ProbeMode::kReadiness);
  EXPECT_EQ(starting.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(starting.message(), "FATAL: the database system is starting up (SQLSTATE 57P03)");
  EXPECT_TRUE(PgPingVerdict(ErrorMessage("57P03"), ProbeMode::kLiveness).ok());
  EXPECT_TRUE(PgPingVerdict(ErrorMessage("28000"), ProbeMode::kReadiness).ok());  // answered: up
  EXPECT_EQ(PgPingVerdict("", ProbeMode::kReadiness).code(), absl::StatusCode::kUnavailable);
}

TEST(PgVerdictTest, StartupMessageLayout) {
  std::string m = PgStartupMessage("u", "d");
  ASSERT_GE(m.size(), 8u);
  EXPECT_EQ(static_cast<size_t>(static_cast<unsigned char>(m[3])), m.size());
  EXPECT_EQ(m.substr(4, 4), std::string("\x00\x03\x00\x00", 4));
  EXPECT_NE(m.find(std::string("user\0u\0database\0d\0", 18)), std::string::npos);
  EXPECT_EQ(m.back(), '\0');
}

TEST(RedisVerdictTest, OnlyPongIsHealthy) {
  EXPECT_TRUE(RedisPingVerdict({RedisReplyKind::kStatus, "PONG"}, ProbeMode::kReadiness).ok());
  struct Case { const char* text; ProbeMode mode; absl::StatusCode want; };
  for (const Case& c : {Case{"LOADING Redis is loading the dataset in memory", ProbeMode::kReadiness, absl::StatusCode::kUnavailable},
                        Case{"LOADING Redis is loading the dataset in memory", ProbeMode::kLiveness, absl::StatusCode::kOk},
                        Case{"NOAUTH Authentication required.", ProbeMode::kLiveness, absl::StatusCode::kUnauthenticated},
                        Case{"MASTERDOWN Link with MASTER is down", ProbeMode::kReadiness, absl::StatusCode::kUnavailable},
                        Case{"ERR unknown command", ProbeMode::kReadiness, absl::StatusCode::kUnavailable}}) {
    absl::Status s = RedisPingVerdict({RedisReplyKind::kError, c.text}, c.mode);
    EXPECT_EQ(s.code(), c.want) << c.text;
    if (!s.ok()) {
      EXPECT_EQ(s.message(), c.text);
    }
  }
  EXPECT_THAT(RedisPingVerdict({RedisReplyKind::kString, "hello"}, ProbeMode::kReadiness),
              StatusIs(absl::StatusCode::kUnknown, "unexpected reply to PING: hello"));
}

TEST(RedisVerdictTest, AuthAndSelect) {
  EXPECT_TRUE(RedisCommandVerdict("AUTH", {RedisReplyKind::kStatus, "OK"}).ok());
  absl::Status bad = RedisCommandVerdict("AUTH", {RedisReplyKind::kError, "WRONGPASS invalid username-password pair"});
  EXPECT_EQ(bad.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(bad.message(), "AUTH: WRONGPASS invalid username-password pair");
  EXPECT_EQ(RedisCommandVerdict("SELECT", {RedisReplyKind::kError, "ERR DB index is out of range"}).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(RedisVerdictTest, Roles) {
  const char* master = "# Replication\r\nrole:master\r\nconnected_slaves:0\r\n";
  const char* replica_up = "# Replication\r\nrole:slave\r\nmaster_host:10.0.0.1\r\nmaster_link_status:up\r\n";
  const char* replica_down = "# Replication\r\nrole:slave\r\nmaster_host:10.0.0.1\r\nmaster_link_status:down\r\n";
  EXPECT_TRUE(RedisRoleVerdict(master, RedisRole::kMaster).ok());
  EXPECT_EQ(RedisRoleVerdict(master, RedisRole::kReplica).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(RedisRoleVerdict(replica_up, RedisRole::kReplica).ok());
  EXPECT_EQ(RedisRoleVerdict(replica_up, RedisRole::kMaster).message(), "role is replica, want master");
  absl::Status down = RedisRoleVerdict(replica_down, RedisRole::kReplica);
  EXPECT_EQ(down.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(down.message(), "replica's link to master 10.0.0.1 is down");
}

TEST(HttpVerdictTest, ParsesHead) {
  auto h = ParseHttpHead("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 5\r\n\r\nhello");
  ASSERT_TRUE(h.ok());
  ASSERT_TRUE(h->has_value());
  EXPECT_EQ((*h)->status, 503);
  EXPECT_EQ((*h)->reason, "Service Unavailable");
  EXPECT_EQ((*h)->content_length, 5u);
  EXPECT_EQ((*h)->head_len, 55u);
  EXPECT_FALSE(ParseHttpHead("HTTP/1.1 200 OK\r\nX: y\r\n")->has_value());  // incomplete
  EXPECT_THAT(ParseHttpHead("SSH-2.0-OpenSSH\r\n\r\n"), StatusIs(absl::StatusCode::kUnavailable, "not an HTTP/1.x response"));
}

TEST(HttpVerdictTest, DecodesChunkedBody) {
  bool complete = false;
  auto body = DecodeChunked("4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\n\r\n", &complete);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(*body, "Wikipedia");
  EXPECT_TRUE(complete);
  body = DecodeChunked("4\r\nWi", &complete);
  EXPECT_EQ(*body, "Wi");
  EXPECT_FALSE(complete);
}

TEST(HttpVerdictTest, StatusRangesAndBody) {
  HttpHead h;
  h.status = 204;
  EXPECT_TRUE(HttpVerdict(h, {{200, 399}}, "", "", true).ok());
  h.status = 404;
  h.reason = "Not Found";
  absl::Status s = HttpVerdict(h, {{200, 399}}, "", "", true);
  EXPECT_EQ(s.message(), "HTTP 404 Not Found");
  EXPECT_TRUE(HttpVerdict(h, {{200, 200}, {404, 404}}, "", "", true).ok());
  h.status = 200;
  EXPECT_TRUE(HttpVerdict(h, {{200, 399}}, "{\"status\":\"ok\"}", "\"ok\"", true).ok());
  EXPECT_EQ(HttpVerdict(h, {{200, 399}}, "degraded", "\"ok\"", true).code(), absl::StatusCode::kUnavailable);
}

TEST(StatusRangesTest, Parse) {
  auto r = ParseStatusRanges("200-299, 304");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].lo, 200);
  EXPECT_EQ((*r)[0].hi, 299);
  EXPECT_EQ((*r)[1].lo, 304);
  EXPECT_THAT(ParseStatusRanges("abc"), StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("abc")));
  EXPECT_THAT(ParseStatusRanges("300-200"), StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("300-200")));
}

TEST(PgVerdictTest, QueryErrorsAndTheSqlStatesMigrateActsOn) {
  struct Case {
    const char* sqlstate;
    absl::StatusCode want;
  };
  for (const Case& c : {Case{"42601", absl::StatusCode::kInvalidArgument}, Case{"42P01", absl::StatusCode::kInvalidArgument},
                        Case{"42501", absl::StatusCode::kPermissionDenied}, Case{"57014", absl::StatusCode::kUnavailable},
                        Case{"", absl::StatusCode::kUnavailable}, Case{"25006", absl::StatusCode::kUnavailable}}) {
    absl::Status s = PgQueryVerdict(c.sqlstate, "msg");
    EXPECT_EQ(s.code(), c.want) << c.sqlstate;
    EXPECT_EQ(s.message(), "msg");
  }
  EXPECT_TRUE(PgIsDuplicateObject("23505"));
  EXPECT_TRUE(PgIsDuplicateObject("42P07"));
  EXPECT_FALSE(PgIsDuplicateObject("42P01"));
  EXPECT_TRUE(PgIsUndefinedTable("42P01"));
  EXPECT_TRUE(PgIsUndefinedTable("3F000"));
  EXPECT_FALSE(PgIsUndefinedTable("42501"));  // no privilege on it: an error, not an empty history
  EXPECT_TRUE(PgIsLockTimeout("55P03"));
  EXPECT_FALSE(PgIsLockTimeout("57014"));  // statement_timeout is not retried
}

TEST(ProbeTest, EachChoiceIsParsedOnce) {
  EXPECT_EQ(ParseProbeMode("liveness"), ProbeMode::kLiveness);
  EXPECT_EQ(ParseProbeMode("readiness"), ProbeMode::kReadiness);
  EXPECT_EQ(ParsePgCheck("ping"), PgCheck::kPing);
  EXPECT_EQ(ParsePgCheck("login"), PgCheck::kLogin);
  EXPECT_EQ(ParsePgRole("read-write"), PgRole::kReadWrite);
  EXPECT_EQ(ParsePgRole("standby"), PgRole::kStandby);
  EXPECT_EQ(ParseRedisRole("replica"), RedisRole::kReplica);
  for (const char* bad : {"", "Primary", "leader", "any", "slave"}) {
    EXPECT_FALSE(ParsePgRole(bad).has_value()) << bad;
    EXPECT_FALSE(ParseRedisRole(bad).has_value()) << bad;
    EXPECT_FALSE(ParsePgCheck(bad).has_value()) << bad;
    EXPECT_FALSE(ParseProbeMode(bad).has_value()) << bad;
  }
  for (PgRole r : {PgRole::kPrimary, PgRole::kStandby, PgRole::kReadWrite}) EXPECT_EQ(ParsePgRole(PgRoleName(r)), r);
}

TEST(PgVerdictTest, Roles) {
  struct Case {
    bool in_recovery, read_only;
    PgRole want;
    const char* error;  // "" for OK
  };
  for (const Case& c : {Case{false, false, PgRole::kPrimary, ""}, Case{true, true, PgRole::kPrimary, "server is a standby, want primary"},
                        Case{true, true, PgRole::kStandby, ""}, Case{false, false, PgRole::kStandby, "server is a primary, want standby"},
                        Case{false, false, PgRole::kReadWrite, ""},
                        Case{false, true, PgRole::kReadWrite, "server is read-only (default_transaction_read_only), want read-write"},
                        Case{true, true, PgRole::kReadWrite, "server is a standby, want read-write"},
                        Case{true, true, PgRole::kAny, ""}}) {
    absl::Status s = PgRoleVerdict(c.in_recovery, c.read_only, c.want);
    if (*c.error == '\0') {
      EXPECT_TRUE(s.ok()) << s;
    } else {
      EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
      EXPECT_EQ(s.message(), c.error);
    }
  }
}

}  // namespace
}  // namespace noshell
