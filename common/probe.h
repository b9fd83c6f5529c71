// common/probe.h — the small vocabulary that pure verdicts and the checks share: what a probe is
// for, and which HTTP statuses count as healthy. No dependencies, so the pure layer (verdict.h,
// postgres.h's callers) does not pull in the socket layer through check.h.
#ifndef NOSHELL_COMMON_PROBE_H_
#define NOSHELL_COMMON_PROBE_H_

namespace noshell {

// Readiness (default): "can serve traffic now". Liveness: "the process is alive and not wedged":
// a Postgres starting up or shutting down (SQLSTATE 57P03) and a Redis LOADING count as alive.
enum class ProbeMode { kReadiness, kLiveness };

// An inclusive range of HTTP statuses, e.g. {200, 399}.
struct StatusRange {
  int lo;
  int hi;
};

}  // namespace noshell

#endif  // NOSHELL_COMMON_PROBE_H_
