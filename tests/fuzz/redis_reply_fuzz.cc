// Fuzzes RESP reply reading (common/redis_reply.h: hiredis's reader with our caps) and the
// verdicts on replies, fed in two pieces split where the input's first byte says.
#include <cstdint>
#include <optional>
#include <string>

#include "common/redis_reply.h"
#include "common/verdict.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  const size_t cut = bytes.empty() ? 0 : data[0] % (bytes.size() + 1);
  noshell::RedisReplyReader reader;
  for (absl::string_view piece : {absl::string_view(bytes).substr(0, cut), absl::string_view(bytes).substr(cut)}) {
    if (!reader.Feed(piece).ok()) return 0;
    for (;;) {
      auto next = reader.Next();
      if (!next.ok() || !next->has_value()) break;
      (void)noshell::RedisPingVerdict(**next, noshell::ProbeMode::kReadiness);
      (void)noshell::RedisCommandVerdict("AUTH", **next);
      (void)noshell::RedisRoleVerdict((*next)->text, noshell::RedisRole::kReplica);
    }
  }
  return 0;
}
