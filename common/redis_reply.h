// common/redis_reply.h — reading RESP replies from bytes, with caps: hiredis's reader (which does
// no I/O) behind limits a hostile peer cannot push past. Pure; fuzzed (tests/fuzz/redis_reply_fuzz.cc).
// Thread-compatible: one reader per connection.
#ifndef NOSHELL_COMMON_REDIS_REPLY_H_
#define NOSHELL_COMMON_REDIS_REPLY_H_

#include <cstddef>
#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/verdict.h"

struct redisReader;

namespace noshell {

class RedisReplyReader {
 public:
  // Replies to AUTH, SELECT, PING and INFO replication are a few KiB: a peer announcing a 2 GB
  // bulk string or a 2-billion-element array is refused when it says so or sends more than this.
  static constexpr size_t kMaxBytes = size_t{1} << 20;
  static constexpr int kMaxArrayElements = 1024;

  RedisReplyReader();
  ~RedisReplyReader();
  RedisReplyReader(const RedisReplyReader&) = delete;
  RedisReplyReader& operator=(const RedisReplyReader&) = delete;

  // Adds bytes from the peer. kUnavailable "reply larger than 1 MiB..." once more than kMaxBytes
  // were fed in all.
  absl::Status Feed(absl::string_view bytes);
  // The next complete reply, or nullopt when more bytes are needed. kUnavailable on a protocol
  // error or an array past kMaxArrayElements.
  absl::StatusOr<std::optional<RedisReplyView>> Next();

 private:
  redisReader* reader_;
  size_t fed_ = 0;
};

}  // namespace noshell

#endif  // NOSHELL_COMMON_REDIS_REPLY_H_
