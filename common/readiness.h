// common/readiness.h — dependency readiness kept current in the background, for HTTP probes
// (entrypoint --health-listen, healthcheck --serve): every target is probed on its own thread every
// `interval`, again soon after a failure, so a request reads the last verdicts and never waits on a
// dependency. What it renders: /readyz and /livez (text or JSON) and /metrics (Prometheus text).
#ifndef NOSHELL_COMMON_READINESS_H_
#define NOSHELL_COMMON_READINESS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/check.h"
#include "common/http_server.h"

namespace noshell {

struct ReadinessOptions {
  absl::Duration interval = absl::Seconds(10);  // between probes of a ready target
  absl::Duration retry = absl::Seconds(1);      // between probes of a failing one (the first at once)
  absl::Duration timeout = absl::Seconds(2);    // one probe's deadline
};

// Prometheus' default buckets, in seconds.
inline constexpr std::array<double, 11> kProbeBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

struct TargetReadiness {
  std::string target;            // redacted, as healthcheck prints it
  bool probed = false;           // no verdict yet: not ready
  absl::Status status = absl::UnavailableError("not probed yet");  // the last verdict, redacted
  absl::Time since;              // when the verdict last changed (or the monitor started)
  uint64_t probes = 0;
  uint64_t failures = 0;
  std::array<uint64_t, kProbeBuckets.size()> buckets{};  // probes that took <= each bound
  double duration_sum = 0;       // seconds, over every probe
};

class ReadinessMonitor {
 public:
  // Starts probing at once. `checks` may be empty (then always ready).
  ReadinessMonitor(std::vector<std::unique_ptr<Check>> checks, const ReadinessOptions& options);
  // Stops: a probe in flight ends by its own deadline.
  ~ReadinessMonitor();
  ReadinessMonitor(const ReadinessMonitor&) = delete;
  ReadinessMonitor& operator=(const ReadinessMonitor&) = delete;

  std::vector<TargetReadiness> Snapshot() const;
  bool Ready() const;
  // RenderReadyz of the current verdicts. The response is kept until a verdict changes (in
  // practice, for many probes): a probe of /readyz copies it instead of rendering again.
  HttpResponse Readyz(bool stopping, bool json) const;

 private:
  void Probe(size_t i);

  const ReadinessOptions options_;
  std::vector<std::unique_ptr<Check>> checks_;
  mutable absl::Mutex mu_;
  std::vector<TargetReadiness> states_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<uint64_t> version_{0};  // changes (under mu_) with what /readyz shows
  // The kept /readyz responses, under their own lock: mu_ has the probe threads waiting on it, so
  // each of its unlocks evaluates their conditions. Taken before mu_ when both are.
  struct Rendered {
    uint64_t version = ~uint64_t{0};
    HttpResponse response;
  };
  mutable absl::Mutex rendered_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  mutable Rendered readyz_[2][2] ABSL_GUARDED_BY(rendered_mu_);  // [stopping][json]
  std::vector<std::thread> threads_;
};

// /readyz: 200 when `ready`, else 503; one line per target ("ok   TARGET" or "FAIL TARGET: why
// (since ...)"), or JSON with ?format=json. `stopping` (a TERM received) is not ready whatever the
// targets say.
HttpResponse RenderReadyz(const std::vector<TargetReadiness>& targets, bool stopping, bool json);
// /livez: 200 while `alive`, else 503, with `why` when not.
HttpResponse RenderLivez(bool alive, const std::string& why, bool json);

// Prometheus text exposition (format 0.0.4) of the targets, then `extra` (already formatted
// families, e.g. the app's), then the process' own figures (process_*).
std::string RenderMetrics(const std::vector<TargetReadiness>& targets, const std::string& extra);
// A label value escaped for the exposition format: \\, \" and \n.
std::string PrometheusLabel(absl::string_view value);

}  // namespace noshell

#endif  // NOSHELL_COMMON_READINESS_H_
