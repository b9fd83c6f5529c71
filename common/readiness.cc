// common/readiness.cc — see readiness.h.
#include "common/readiness.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/file.h"
#include "common/json.h"
#include "common/redact.h"
#include "common/text.h"

namespace noshell {
namespace {

std::string Rfc3339(absl::Time t) { return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone()); }

// Unix seconds with millisecond precision, as Prometheus writes them.
std::string UnixSeconds(absl::Time t) { return absl::StrFormat("%.3f", absl::ToDoubleSeconds(t - absl::UnixEpoch())); }

// The process' own figures (Prometheus' process_* conventions), from /proc and getrusage.
std::string ProcessMetrics() {
  std::string out;
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const double cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                     static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  absl::StrAppend(&out, "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n",
                  "# TYPE process_cpu_seconds_total counter\n", absl::StrFormat("process_cpu_seconds_total %.3f\n", cpu));
  const long page = sysconf(_SC_PAGESIZE);
  if (auto statm = ReadWholeFile("/proc/self/statm", 4096, "statm"); statm.ok()) {
    std::vector<absl::string_view> f = absl::StrSplit(*statm, ' ');
    int64_t resident = 0;
    if (f.size() > 1 && absl::SimpleAtoi(f[1], &resident)) {
      absl::StrAppend(&out, "# HELP process_resident_memory_bytes Resident memory size in bytes.\n",
                      "# TYPE process_resident_memory_bytes gauge\n", "process_resident_memory_bytes ", resident * page, "\n");
    }
  }
  int fds = 0;
  if (DIR* d = opendir("/proc/self/fd"); d != nullptr) {
    while (dirent* e = readdir(d)) fds += e->d_name[0] != '.';
    closedir(d);
    absl::StrAppend(&out, "# HELP process_open_fds Number of open file descriptors.\n", "# TYPE process_open_fds gauge\n",
                    "process_open_fds ", fds - 1, "\n");  // less the one listing them
  }
  rlimit nofile{};
  if (getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
    absl::StrAppend(&out, "# HELP process_max_fds Maximum number of open file descriptors.\n", "# TYPE process_max_fds gauge\n",
                    "process_max_fds ", static_cast<uint64_t>(nofile.rlim_cur), "\n");
  }
  // Start time: the process' start in clock ticks after boot (/proc/self/stat field 22) plus the
  // boot time (/proc/stat btime).
  auto stat = ReadWholeFile("/proc/self/stat", 4096, "stat");
  auto proc_stat = ReadWholeFile("/proc/stat", 1 << 20, "/proc/stat");
  if (stat.ok() && proc_stat.ok()) {
    const size_t paren = stat->rfind(')');
    std::vector<absl::string_view> f = absl::StrSplit(absl::string_view(*stat).substr(paren + 2), ' ');
    int64_t ticks = 0, btime = 0;
    const size_t at = proc_stat->find("\nbtime ");
    if (f.size() > 19 && absl::SimpleAtoi(f[19], &ticks) && at != std::string::npos &&
        absl::SimpleAtoi(absl::string_view(*proc_stat).substr(at + 7, proc_stat->find('\n', at + 1) - at - 7), &btime)) {
      const double start = static_cast<double>(btime) + static_cast<double>(ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
      absl::StrAppend(&out, "# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n",
                      "# TYPE process_start_time_seconds gauge\n", absl::StrFormat("process_start_time_seconds %.2f\n", start));
    }
  }
  return out;
}

}  // namespace

ReadinessMonitor::ReadinessMonitor(std::vector<std::unique_ptr<Check>> checks, const ReadinessOptions& options)
    : options_(options), checks_(std::move(checks)) {
  const absl::Time now = absl::Now();
  {
    absl::MutexLock lock(&mu_);
    for (const auto& c : checks_) {
      TargetReadiness t;
      t.target = Redactor::Global().Scrub(c->Describe());
      t.since = now;
      states_.push_back(std::move(t));
    }
  }
  for (size_t i = 0; i < checks_.size(); ++i) threads_.emplace_back([this, i] { Probe(i); });
}

ReadinessMonitor::~ReadinessMonitor() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& t : threads_) t.join();
}

void ReadinessMonitor::Probe(size_t i) {
  for (;;) {
    const absl::Time start = absl::Now();
    absl::Status s = checks_[i]->Probe(start + options_.timeout);
    const absl::Time end = absl::Now();
    if (!s.ok()) s = absl::Status(s.code(), Redactor::Global().Scrub(s.message()));
    absl::MutexLock lock(&mu_);
    TargetReadiness& t = states_[i];
    if (!t.probed || t.status.ok() != s.ok()) t.since = end;
    if (t.since == end || t.status.message() != s.message()) ++version_;
    t.probed = true;
    t.status = s;
    ++t.probes;
    t.failures += !s.ok();
    const double took = absl::ToDoubleSeconds(end - start);
    t.duration_sum += took;
    for (size_t b = 0; b < kProbeBuckets.size(); ++b) t.buckets[b] += took <= kProbeBuckets[b];
    const absl::Duration wait = s.ok() ? options_.interval : std::min(options_.retry, options_.interval);
    mu_.AwaitWithDeadline(absl::Condition(&stopping_), start + wait);
    if (stopping_) return;
  }
}

std::vector<TargetReadiness> ReadinessMonitor::Snapshot() const {
  absl::MutexLock lock(&mu_);
  return states_;
}

HttpResponse ReadinessMonitor::Readyz(bool stopping, bool json) const {
  absl::MutexLock lock(&rendered_mu_);
  Rendered& r = readyz_[stopping][json];
  if (r.version != version_.load()) {
    absl::MutexLock states_lock(&mu_);
    r = {version_.load(), RenderReadyz(states_, stopping, json)};
  }
  return r.response;
}

bool ReadinessMonitor::Ready() const {
  absl::MutexLock lock(&mu_);
  for (const TargetReadiness& t : states_) {
    if (!t.probed || !t.status.ok()) return false;
  }
  return true;
}

HttpResponse RenderReadyz(const std::vector<TargetReadiness>& targets, bool stopping, bool json) {
  bool ready = !stopping;
  for (const TargetReadiness& t : targets) ready &= t.probed && t.status.ok();
  HttpResponse r;
  r.status = ready ? 200 : 503;
  if (json) {
    r.content_type = "application/json";
    r.body = absl::StrCat("{\"ready\":", ready ? "true" : "false", ",\"stopping\":", stopping ? "true" : "false", ",\"targets\":[");
    for (size_t i = 0; i < targets.size(); ++i) {
      const TargetReadiness& t = targets[i];
      const bool up = t.probed && t.status.ok();
      absl::StrAppend(&r.body, i > 0 ? "," : "", "{\"target\":", JsonQuote(t.target), ",\"ready\":", up ? "true" : "false",
                      ",\"since\":", JsonQuote(Rfc3339(t.since)));
      if (!up) absl::StrAppend(&r.body, ",\"reason\":", JsonQuote(std::string(t.status.message())));
      r.body += "}";
    }
    r.body += "]}\n";
  } else {
    r.body = ready ? "ready\n" : stopping ? "not ready: stopping\n" : "not ready\n";
    for (const TargetReadiness& t : targets) {
      const bool up = t.probed && t.status.ok();
      absl::StrAppend(&r.body, up ? "ok   " : "FAIL ", EscapeForTerminal(t.target));
      if (!up) absl::StrAppend(&r.body, ": ", EscapeForTerminal(t.status.message()));
      absl::StrAppend(&r.body, " (since ", Rfc3339(t.since), ")\n");
    }
  }
  r.body = Redactor::Global().Scrub(r.body);
  return r;
}

HttpResponse RenderLivez(bool alive, const std::string& why, bool json) {
  HttpResponse r;
  r.status = alive ? 200 : 503;
  if (json) {
    r.content_type = "application/json";
    r.body = absl::StrCat("{\"alive\":", alive ? "true" : "false", alive ? "" : absl::StrCat(",\"reason\":", JsonQuote(why)), "}\n");
  } else {
    r.body = alive ? "alive\n" : absl::StrCat("not alive: ", EscapeForTerminal(why), "\n");
  }
  return r;
}

std::string PrometheusLabel(absl::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out.push_back(c);
  }
  return out;
}

std::string RenderMetrics(const std::vector<TargetReadiness>& targets, const std::string& extra) {
  std::string out;
  auto family = [&](const char* name, const char* type, const char* help) {
    absl::StrAppend(&out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n");
  };
  family("noshell_target_up", "gauge", "Whether the target's last probe passed (1) or not (0).");
  for (const TargetReadiness& t : targets) {
    absl::StrAppend(&out, "noshell_target_up{target=\"", PrometheusLabel(t.target), "\"} ", t.probed && t.status.ok() ? 1 : 0, "\n");
  }
  family("noshell_target_last_change_timestamp_seconds", "gauge", "When the target last went up or down, in Unix time.");
  for (const TargetReadiness& t : targets) {
    absl::StrAppend(&out, "noshell_target_last_change_timestamp_seconds{target=\"", PrometheusLabel(t.target), "\"} ",
                    UnixSeconds(t.since), "\n");
  }
  family("noshell_probe_failures_total", "counter", "Probes of the target that failed.");
  for (const TargetReadiness& t : targets) {
    absl::StrAppend(&out, "noshell_probe_failures_total{target=\"", PrometheusLabel(t.target), "\"} ", t.failures, "\n");
  }
  family("noshell_probe_duration_seconds", "histogram", "How long one probe of the target took.");
  for (const TargetReadiness& t : targets) {
    const std::string label = PrometheusLabel(t.target);
    for (size_t b = 0; b < kProbeBuckets.size(); ++b) {
      absl::StrAppend(&out, "noshell_probe_duration_seconds_bucket{target=\"", label, "\",le=\"", kProbeBuckets[b], "\"} ",
                      t.buckets[b], "\n");
    }
    absl::StrAppend(&out, "noshell_probe_duration_seconds_bucket{target=\"", label, "\",le=\"+Inf\"} ", t.probes, "\n",
                    "noshell_probe_duration_seconds_sum{target=\"", label, "\"} ", absl::StrFormat("%.6f", t.duration_sum), "\n",
                    "noshell_probe_duration_seconds_count{target=\"", label, "\"} ", t.probes, "\n");
  }
  out += extra;
  out += ProcessMetrics();
  return Redactor::Global().Scrub(out);
}

}  // namespace noshell
