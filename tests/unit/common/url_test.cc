// Table tests for ParseUrl.
#include "common/url.h"

#include "gtest/gtest.h"

namespace noshell {
namespace {

TEST(UrlTest, ParsesAllParts) {
  auto u = ParseUrl("redis://user:p%40ss@cache.local:6380/2?ca_file=%2Fca.pem&x#frag");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->scheme, "redis");
  EXPECT_EQ(u->user, "user");
  EXPECT_EQ(u->password, "p@ss");
  EXPECT_EQ(u->host, "cache.local");
  EXPECT_EQ(u->port, 6380);
  EXPECT_EQ(u->path, "/2");
  ASSERT_EQ(u->query.size(), 2u);
  EXPECT_EQ(u->query[0], (std::pair<std::string, std::string>("ca_file", "/ca.pem")));
  EXPECT_EQ(u->query[1].first, "x");
  EXPECT_EQ(u->fragment, "frag");
}

TEST(UrlTest, BracketedIpv6HostAndPort) {
  auto u = ParseUrl("tcp://[::1]:5432");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 5432);
  EXPECT_EQ(JoinHostPort(u->host, *u->port), "[::1]:5432");
}

TEST(UrlTest, RawPathAndQueryKeptForHttp) {
  auto u = ParseUrl("http://app:8080/health/ready?full=1");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->raw_path_and_query, "/health/ready?full=1");
  EXPECT_EQ(ParseUrl("http://app")->raw_path_and_query, "/");
  EXPECT_EQ(ParseUrl("http://app?x=1")->raw_path_and_query, "/?x=1");
}

TEST(UrlTest, ThreeSlashesMeanEmptyHost) {
  auto u = ParseUrl("unix:///run/app.sock");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "");
  EXPECT_EQ(u->path, "/run/app.sock");
}

TEST(UrlTest, RejectsMalformedInputWithReason) {
  struct Case { const char* in; const char* want; };
  for (const Case& c : {Case{"no-scheme", "not a URL"}, Case{"tcp://h:0", "invalid port"},
                        Case{"tcp://h:99999", "invalid port"}, Case{"tcp://h:abc", "invalid port"},
                        Case{"tcp://[::1", "unterminated"}, Case{"tcp://::1:80", "brackets"},
                        Case{"tcp://h:", "empty port"}, Case{"http://h/%zz", "malformed"}}) {
    auto u = ParseUrl(c.in);
    ASSERT_FALSE(u.ok()) << c.in;
    EXPECT_EQ(u.status().code(), absl::StatusCode::kInvalidArgument) << c.in;
    EXPECT_NE(u.status().message().find(c.want), absl::string_view::npos) << c.in << ": " << u.status();
  }
}

TEST(UrlTest, MalformedPasswordEscapeDoesNotEchoPassword) {
  auto u = ParseUrl("redis://u:sekr%ZZet@h");
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.status().message().find("sekr"), absl::string_view::npos);
}

}  // namespace
}  // namespace noshell
