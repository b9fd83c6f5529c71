// common/redis_reply.cc — see redis_reply.h.
#include "common/redis_reply.h"

#include <hiredis/hiredis.h>

#include "absl/strings/str_cat.h"

namespace noshell {
namespace {

// hiredis's own reply constructors, with arrays capped: hiredis would calloc whatever count a
// peer announces. Set on the reading thread when the cap refuses an array.
thread_local bool t_array_too_large = false;
void* (*g_create_array)(const redisReadTask*, int) = nullptr;

void* CappedCreateArray(const redisReadTask* task, int elements) {
  if (elements > RedisReplyReader::kMaxArrayElements) {
    t_array_too_large = true;
    return nullptr;  // the reader fails the reply ("out of memory"); Next() says what it was
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

}  // namespace

RedisReplyReader::RedisReplyReader() : reader_(redisReaderCreate()) {
  if (reader_ != nullptr) reader_->fn = CappedFunctions(reader_->fn);
}

RedisReplyReader::~RedisReplyReader() {
  if (reader_ != nullptr) redisReaderFree(reader_);
}

absl::Status RedisReplyReader::Feed(absl::string_view bytes) {
  if (reader_ == nullptr) return absl::ResourceExhaustedError("hiredis: cannot create a reader");
  fed_ += bytes.size();
  if (fed_ > kMaxBytes) {
    return absl::UnavailableError(absl::StrCat("reply larger than ", kMaxBytes >> 20, " MiB: not a reply to a health check"));
  }
  if (redisReaderFeed(reader_, bytes.data(), bytes.size()) != REDIS_OK) {
    return absl::UnavailableError(absl::StrCat("protocol error: ", reader_->errstr));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<RedisReplyView>> RedisReplyReader::Next() {
  if (reader_ == nullptr) return absl::ResourceExhaustedError("hiredis: cannot create a reader");
  void* raw = nullptr;
  t_array_too_large = false;
  if (redisReaderGetReply(reader_, &raw) != REDIS_OK) {
    if (t_array_too_large) {
      return absl::UnavailableError(
          absl::StrCat("reply larger than ", kMaxArrayElements, " elements: not a reply to a health check"));
    }
    return absl::UnavailableError(absl::StrCat("protocol error: ", reader_->errstr));
  }
  if (raw == nullptr) return std::optional<RedisReplyView>();
  std::unique_ptr<redisReply, decltype(&freeReplyObject)> reply(static_cast<redisReply*>(raw), &freeReplyObject);
  return std::optional<RedisReplyView>(View(reply.get()));
}

}  // namespace noshell
