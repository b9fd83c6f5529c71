// common/redis_check.cc — Redis readiness: AUTH, SELECT, PING (and INFO replication for a role),
// pipelined in one round trip. hiredis 0.14 has no TLS, so hiredis only formats commands and parses
// replies (its reader does no I/O); the bytes go over our own plain or TLS Stream.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <hiredis/hiredis.h>

#include "absl/strings/str_cat.h"
#include "common/check.h"
#include "common/redis_reply.h"
#include "common/status_macros.h"
#include "common/verdict.h"

namespace noshell {
namespace {

class RedisCheck : public Check {
 public:
  RedisCheck(const Target& t, const CheckOptions& o) : target_(t), options_(o), role_(t.options.redis_role.value_or(o.redis_role)) {
    options_.tls.ca_file = t.options.ca_file.value_or(o.tls.ca_file);
    options_.tls.insecure = t.options.insecure.value_or(o.tls.insecure);
  }

  std::string Describe() const override { return target_.display; }

  absl::Status Probe(absl::Time deadline) override {
    NOSHELL_ASSIGN_OR_RETURN(std::unique_ptr<Stream> stream,
                             OpenStream(target_.host, target_.port, target_.tls, options_.tls, deadline));

    std::vector<std::vector<std::string>> commands;
    if (target_.password.has_value()) {
      if (target_.user.empty()) commands.push_back({"AUTH", *target_.password});
      else commands.push_back({"AUTH", target_.user, *target_.password});
    }
    if (target_.redis_db != 0) commands.push_back({"SELECT", absl::StrCat(target_.redis_db)});
    commands.push_back({"PING"});
    if (role_ != RedisRole::kAny) commands.push_back({"INFO", "replication"});

    std::string wire;
    for (const auto& cmd : commands) {
      std::vector<const char*> argv;
      std::vector<size_t> lens;
      for (const std::string& a : cmd) {
        argv.push_back(a.data());
        lens.push_back(a.size());
      }
      char* out = nullptr;
      int n = redisFormatCommandArgv(&out, static_cast<int>(argv.size()), argv.data(), lens.data());
      if (n < 0) return absl::ResourceExhaustedError("hiredis: cannot format command");
      wire.append(out, static_cast<size_t>(n));
      redisFreeCommand(out);
    }
    NOSHELL_RETURN_IF_ERROR(stream->WriteAll(wire, deadline));

    RedisReplyReader reader;
    for (const auto& cmd : commands) {
      NOSHELL_ASSIGN_OR_RETURN(RedisReplyView reply, ReadReply(&reader, stream.get(), deadline));
      absl::Status verdict;
      if (cmd[0] == "PING") verdict = RedisPingVerdict(reply, options_.mode);
      else if (cmd[0] == "INFO") verdict = RedisRoleVerdict(reply.text, role_);
      else verdict = RedisCommandVerdict(cmd[0], reply);
      if (!verdict.ok()) return verdict;
    }
    return absl::OkStatus();
  }

 private:
  absl::StatusOr<RedisReplyView> ReadReply(RedisReplyReader* reader, Stream* stream, absl::Time deadline) {
    for (;;) {
      NOSHELL_ASSIGN_OR_RETURN(std::optional<RedisReplyView> reply, reader->Next());
      if (reply.has_value()) return *std::move(reply);
      char buf[16384];
      absl::StatusOr<size_t> n = stream->Read(buf, sizeof buf, deadline);
      if (!n.ok()) {
        if (absl::IsDeadlineExceeded(n.status())) return absl::DeadlineExceededError("timed out waiting for the reply");
        return n.status();
      }
      if (*n == 0) return absl::UnavailableError("server closed the connection");
      NOSHELL_RETURN_IF_ERROR(reader->Feed(absl::string_view(buf, *n)));
    }
  }

  Target target_;
  CheckOptions options_;
  RedisRole role_;
};

}  // namespace

std::unique_ptr<Check> NewRedisCheck(const Target& target, const CheckOptions& options) {
  return std::make_unique<RedisCheck>(target, options);
}

}  // namespace noshell
