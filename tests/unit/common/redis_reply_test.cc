// RESP replies read from bytes with caps (common/redis_reply.h), no server.
#include "common/redis_reply.h"

#include <string>

#include "gtest/gtest.h"

namespace noshell {
namespace {

TEST(RedisReplyReaderTest, RepliesSplitAnywhere) {
  const std::string wire = "+OK\r\n-LOADING Redis is loading\r\n$4\r\nPONG\r\n:42\r\n*2\r\n:1\r\n:2\r\n$-1\r\n";
  for (size_t cut = 0; cut <= wire.size(); ++cut) {
    RedisReplyReader r;
    ASSERT_TRUE(r.Feed(wire.substr(0, cut)).ok());
    ASSERT_TRUE(r.Feed(wire.substr(cut)).ok());
    std::vector<std::pair<RedisReplyKind, std::string>> got;
    for (;;) {
      auto next = r.Next();
      ASSERT_TRUE(next.ok()) << next.status();
      if (!next->has_value()) break;
      got.emplace_back((*next)->kind, (*next)->text);
    }
    ASSERT_EQ(got.size(), 6u) << cut;
    EXPECT_EQ(got[0], std::make_pair(RedisReplyKind::kStatus, std::string("OK")));
    EXPECT_EQ(got[1], std::make_pair(RedisReplyKind::kError, std::string("LOADING Redis is loading")));
    EXPECT_EQ(got[2], std::make_pair(RedisReplyKind::kString, std::string("PONG")));
    EXPECT_EQ(got[3], std::make_pair(RedisReplyKind::kInteger, std::string("42")));
    EXPECT_EQ(got[4].first, RedisReplyKind::kArray);
    EXPECT_EQ(got[5].first, RedisReplyKind::kNil);
  }
}

// Hostile-test H5: a 2 GB bulk string or a 2-billion-element array is refused, not buffered.
TEST(RedisReplyReaderTest, HugeRepliesAreRefused) {
  RedisReplyReader bulk;
  ASSERT_TRUE(bulk.Feed("$2000000000\r\n").ok());
  absl::Status fed = absl::OkStatus();
  const std::string block(65536, 'A');
  for (int i = 0; i < 20 && fed.ok(); ++i) {
    auto next = bulk.Next();
    ASSERT_TRUE(next.ok());
    EXPECT_FALSE(next->has_value());
    fed = bulk.Feed(block);
  }
  EXPECT_EQ(fed.message(), "reply larger than 1 MiB: not a reply to a health check");

  RedisReplyReader array;
  ASSERT_TRUE(array.Feed("*2000000000\r\n:1\r\n").ok());
  auto next = array.Next();
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.status().message(), "reply larger than 1024 elements: not a reply to a health check");

  RedisReplyReader garbage;
  ASSERT_TRUE(garbage.Feed("?what\r\n").ok());
  EXPECT_EQ(garbage.Next().status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace noshell
