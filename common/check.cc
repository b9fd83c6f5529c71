// common/check.cc — MakeCheck, socket and heartbeat-file checks, and status helpers.
#include "common/check.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/errno_status.h"
#include "common/status_macros.h"

namespace noshell {
namespace {

class SocketCheck : public Check {
 public:
  explicit SocketCheck(const Target& t) : target_(t) {}
  std::string Describe() const override { return target_.display; }
  absl::Status Probe(absl::Time deadline) override {
    if (target_.kind == TargetKind::kUnix) return ConnectUnix(target_.path, deadline).status();
    return ConnectTcp(target_.host, target_.port, deadline).status();
  }

 private:
  Target target_;
};

class FileCheck : public Check {
 public:
  FileCheck(const Target& t, const CheckOptions& o)
      : target_(t), clock_(o.clock), max_age_(t.options.max_age.value_or(o.file_max_age)) {}
  std::string Describe() const override { return target_.display; }
  absl::Status Probe(absl::Time) override {
    struct stat st;
    if (stat(target_.path.c_str(), &st) != 0) {
      // No heartbeat yet is a process that has not started beating: worth waiting for.
      absl::Status s = ErrnoToStatus(errno, absl::StrCat("stat ", target_.path));
      return absl::IsNotFound(s) ? absl::UnavailableError(s.message()) : s;
    }
    absl::Time mtime = absl::TimeFromTimespec(st.st_mtim);
    absl::Duration age = clock_->Now() - mtime;
    if (age > max_age_) {
      return absl::UnavailableError(absl::StrCat("stale: modified ", absl::FormatDuration(absl::Trunc(age, absl::Seconds(1))),
                                                 " ago, max age ", absl::FormatDuration(max_age_)));
    }
    return absl::OkStatus();
  }

 private:
  Target target_;
  Clock* clock_;
  absl::Duration max_age_;
};

}  // namespace

std::unique_ptr<Check> NewSocketCheck(const Target& target, const CheckOptions&) {
  return std::make_unique<SocketCheck>(target);
}

std::unique_ptr<Check> NewFileCheck(const Target& target, const CheckOptions& options) {
  return std::make_unique<FileCheck>(target, options);
}

absl::StatusOr<std::unique_ptr<Check>> MakeCheck(const Target& target, const CheckOptions& options) {
  switch (target.kind) {
    case TargetKind::kPostgres: return NewPostgresCheck(target, options);
    case TargetKind::kRedis: return NewRedisCheck(target, options);
    case TargetKind::kHttp: return NewHttpCheck(target, options);
    case TargetKind::kTcp:
    case TargetKind::kUnix: return NewSocketCheck(target, options);
    case TargetKind::kFile: return NewFileCheck(target, options);
  }
  return absl::InternalError("unknown target kind");
}

absl::StatusOr<std::vector<StatusRange>> ParseStatusRanges(absl::string_view spec) {
  std::vector<StatusRange> out;
  for (absl::string_view part : absl::StrSplit(spec, ',')) {
    part = absl::StripAsciiWhitespace(part);
    std::pair<absl::string_view, absl::string_view> lh = absl::StrSplit(part, absl::MaxSplits('-', 1));
    StatusRange r{};
    bool ok = absl::SimpleAtoi(lh.first, &r.lo);
    r.hi = r.lo;
    if (ok && !lh.second.empty()) ok = absl::SimpleAtoi(lh.second, &r.hi);
    if (!ok || r.lo < 100 || r.hi > 599 || r.lo > r.hi) {
      return absl::InvalidArgumentError(absl::StrCat("HTTP status \"", part, "\": want a code or range such as 200-299"));
    }
    out.push_back(r);
  }
  return out;
}

bool IsRetryable(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status) || absl::IsFailedPrecondition(status);
}

}  // namespace noshell
