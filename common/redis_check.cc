// common/redis_check.cc — Redis readiness: AUTH, SELECT, PING (and INFO replication for a role),
// pipelined in one round trip. hiredis 0.14 has no TLS, so hiredis only formats commands and parses
// replies (its reader does no I/O); the bytes go over our own plain or TLS Stream.
#include <memory>
#include <string>
#include <vector>

#include <hiredis/hiredis.h>

#include "absl/strings/str_cat.h"
#include "common/check.h"
#include "common/status_macros.h"
#include "common/verdict.h"

namespace noshell {
namespace {

// What a Redis reply may make us hold: replies to AUTH, SELECT, PING and INFO replication are a
// few KiB. A peer announcing a 2 GB bulk string or a 2-billion-element array is refused as soon as
// it says so or sends more than this, never buffered.
constexpr size_t kMaxRedisReplyBytes = size_t{1} << 20;
constexpr int kMaxRedisArrayElements = 1024;

// hiredis's own reply constructors, with arrays capped: hiredis would calloc whatever count a
// peer announces. Set on the probing thread when the cap refuses an array.
thread_local bool t_array_too_large = false;
void* (*g_create_array)(const redisReadTask*, int) = nullptr;

void* CappedCreateArray(const redisReadTask* task, int elements) {
  if (elements > kMaxRedisArrayElements) {
    t_array_too_large = true;
    return nullptr;  // the reader fails the reply ("out of memory"), which we report as what it is
  }
  return g_create_array(task, elements);
}

redisReplyObjectFunctions* CappedFunctions(const redisReplyObjectFunctions* defaults) {
  static redisReplyObjectFunctions capped = [defaults] {
    redisReplyObjectFunctions f = *defaults;
    g_create_array = f.createArray;
    f.createArray = &CappedCreateArray;
    return f;
  }();
  return &capped;
}

RedisReplyView View(const redisReply* r) {
  switch (r->type) {
    case REDIS_REPLY_STATUS: return {RedisReplyKind::kStatus, std::string(r->str, r->len)};
    case REDIS_REPLY_ERROR: return {RedisReplyKind::kError, std::string(r->str, r->len)};
    case REDIS_REPLY_STRING: return {RedisReplyKind::kString, std::string(r->str, r->len)};
    case REDIS_REPLY_INTEGER: return {RedisReplyKind::kInteger, absl::StrCat(r->integer)};
    case REDIS_REPLY_NIL: return {RedisReplyKind::kNil, "(nil)"};
    case REDIS_REPLY_ARRAY: return {RedisReplyKind::kArray, "(array)"};
    default: return {RedisReplyKind::kOther, "(unknown reply type)"};
  }
}

class RedisCheck : public Check {
 public:
  RedisCheck(const Target& t, const CheckOptions& o) : target_(t), options_(o) {
    auto it = t.options.find("role");
    role_ = it == t.options.end() ? o.redis_role : it->second;
    if (auto ca = t.options.find("ca_file"); ca != t.options.end()) options_.tls.ca_file = ca->second;
    if (auto in = t.options.find("insecure"); in != t.options.end()) {
      options_.tls.insecure = in->second.empty() || in->second == "true" || in->second == "1";
    }
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
    if (!role_.empty()) commands.push_back({"INFO", "replication"});

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

    std::unique_ptr<redisReader, decltype(&redisReaderFree)> reader(redisReaderCreate(), &redisReaderFree);
    if (reader == nullptr) return absl::ResourceExhaustedError("hiredis: cannot create a reader");
    reader->fn = CappedFunctions(reader->fn);
    fed_ = 0;
    for (const auto& cmd : commands) {
      NOSHELL_ASSIGN_OR_RETURN(RedisReplyView reply, ReadReply(reader.get(), stream.get(), deadline));
      absl::Status verdict;
      if (cmd[0] == "PING") verdict = RedisPingVerdict(reply, options_.mode);
      else if (cmd[0] == "INFO") verdict = RedisRoleVerdict(reply.text, role_);
      else verdict = RedisCommandVerdict(cmd[0], reply);
      if (!verdict.ok()) return verdict;
    }
    return absl::OkStatus();
  }

 private:
  absl::StatusOr<RedisReplyView> ReadReply(redisReader* reader, Stream* stream, absl::Time deadline) {
    for (;;) {
      void* raw = nullptr;
      t_array_too_large = false;
      if (redisReaderGetReply(reader, &raw) != REDIS_OK) {
        if (t_array_too_large) {
          return absl::UnavailableError(
              absl::StrCat("reply larger than ", kMaxRedisArrayElements, " elements: not a reply to a health check"));
        }
        return absl::UnavailableError(absl::StrCat("protocol error: ", reader->errstr));
      }
      if (raw != nullptr) {
        std::unique_ptr<redisReply, decltype(&freeReplyObject)> reply(static_cast<redisReply*>(raw), &freeReplyObject);
        return View(reply.get());
      }
      char buf[16384];
      absl::StatusOr<size_t> n = stream->Read(buf, sizeof buf, deadline);
      if (!n.ok()) {
        if (absl::IsDeadlineExceeded(n.status())) return absl::DeadlineExceededError("timed out waiting for the reply");
        return n.status();
      }
      if (*n == 0) return absl::UnavailableError("server closed the connection");
      fed_ += *n;
      if (fed_ > kMaxRedisReplyBytes) {
        return absl::UnavailableError(
            absl::StrCat("reply larger than ", kMaxRedisReplyBytes >> 20, " MiB: not a reply to a health check"));
      }
      redisReaderFeed(reader, buf, *n);
    }
  }

  Target target_;
  CheckOptions options_;
  std::string role_;
  size_t fed_ = 0;  // reply bytes of this probe so far
};

}  // namespace

std::unique_ptr<Check> NewRedisCheck(const Target& target, const CheckOptions& options) {
  return std::make_unique<RedisCheck>(target, options);
}

}  // namespace noshell
