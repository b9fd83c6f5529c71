// healthcheck/healthcheck.h — check every target once, concurrently, under one deadline.
#ifndef NOSHELL_HEALTHCHECK_HEALTHCHECK_H_
#define NOSHELL_HEALTHCHECK_HEALTHCHECK_H_

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/check.h"
#include "common/env.h"
#include "common/logging.h"

namespace noshell {

// Docker keeps at most this many bytes of a health check's output.
inline constexpr size_t kMaxOutputBytes = 4096;
// Fits Kubernetes' default 1 s probe timeout, with room for process start and exit.
inline constexpr absl::Duration kDefaultTimeout = absl::Milliseconds(800);

struct HealthcheckConfig {
  std::vector<std::string> targets;
  absl::Duration timeout = kDefaultTimeout;
  OutputFormat format = OutputFormat::kText;
  std::string log_level = "warn";
  CheckOptions check;
  // --serve=ADDR: instead of checking once, serve /readyz, /livez and /metrics on ADDR, the
  // targets probed in the background every `ready_interval` (each probe under `timeout`).
  std::string serve;
  absl::Duration ready_interval = absl::Seconds(10);
};

struct TargetResult {
  std::string target;   // redacted
  absl::Status status;  // message redacted
  absl::Duration elapsed;
};

// Reads options and targets from argv and the environment. `*help` is set for --help/--version
// (the text is in `*help_text`). kInvalidArgument says what is wrong.
absl::StatusOr<HealthcheckConfig> ParseHealthcheckArgs(int argc, const char* const* argv, const Env& env,
                                                       std::string* help_text);

// Probes every check on its own thread (common/fan_out). Returns by `deadline` plus a few
// milliseconds whatever the checks do; a check still running then is reported as timed out, and
// `*abandoned` is set (the caller must then leave with _Exit, as that thread still uses its check).
std::vector<TargetResult> RunChecks(std::vector<std::unique_ptr<Check>> checks, absl::Time deadline, bool* abandoned,
                                    Clock& clock = Clock::Real());

// One line per target, or one JSON document; never more than kMaxOutputBytes.
std::string FormatResults(const std::vector<TargetResult>& results, OutputFormat format, absl::Duration total);

// The whole program: returns the exit code (0 healthy, 1 otherwise — never 2).
int HealthcheckMain(int argc, const char* const* argv, const Env& env);

}  // namespace noshell

#endif  // NOSHELL_HEALTHCHECK_HEALTHCHECK_H_
