// tests/unit/common/readiness_test.cc — readiness kept current in the background
// (common/readiness.h) with scripted checks: not ready before the first verdict, a failure
// re-probed soon and reported with its reason, up/down changes timed, the probe histogram, and
// what /readyz, /livez and /metrics render (secrets scrubbed, label values escaped).
#include "common/readiness.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/redact.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace noshell {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A check whose verdict the test sets; counts its probes.
class ScriptedCheck : public Check {
 public:
  struct State {
    absl::Mutex mu;
    absl::Status next = absl::OkStatus();
    std::atomic<int> probes{0};
  };
  ScriptedCheck(std::string name, std::shared_ptr<State> state) : name_(std::move(name)), state_(std::move(state)) {}
  std::string Describe() const override { return name_; }
  absl::Status Probe(absl::Time) override {
    ++state_->probes;
    absl::MutexLock lock(&state_->mu);
    return state_->next;
  }

 private:
  std::string name_;
  std::shared_ptr<State> state_;
};

// Waits (up to 5 s) until `done` holds.
template <typename F>
bool Eventually(F done) {
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (!done()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(2));
  }
  return true;
}

TEST(ReadinessMonitorTest, VerdictsComeFromTheBackground) {
  auto db = std::make_shared<ScriptedCheck::State>();
  auto cache = std::make_shared<ScriptedCheck::State>();
  {
    absl::MutexLock lock(&cache->mu);
    cache->next = absl::UnavailableError("connection refused");
  }
  std::vector<std::unique_ptr<Check>> checks;
  checks.push_back(std::make_unique<ScriptedCheck>("postgres://app@db:5432/app", db));
  checks.push_back(std::make_unique<ScriptedCheck>("redis://cache:6379", cache));
  ReadinessOptions o;
  o.interval = absl::Hours(1);         // a ready target is not probed again in this test
  o.retry = absl::Milliseconds(5);     // a failing one is, soon
  ReadinessMonitor monitor(std::move(checks), o);
  ASSERT_TRUE(Eventually([&] { return cache->probes >= 3; }));
  EXPECT_EQ(db->probes, 1);  // ready: waits its interval
  EXPECT_FALSE(monitor.Ready());
  std::vector<TargetReadiness> s = monitor.Snapshot();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_TRUE(s[0].probed && s[0].status.ok());
  EXPECT_EQ(s[1].status.message(), "connection refused");
  EXPECT_GE(s[1].failures, 3u);
  const absl::Time down_since = s[1].since;
  // /readyz is rendered once per change and then served as kept; every change shows through.
  EXPECT_EQ(monitor.Readyz(false, false).status, 503);
  EXPECT_EQ(monitor.Readyz(false, false).body, RenderReadyz(monitor.Snapshot(), false, false).body);
  EXPECT_THAT(monitor.Readyz(false, true).body, HasSubstr("\"reason\":\"connection refused\""));
  {
    absl::MutexLock lock(&cache->mu);
    cache->next = absl::DeadlineExceededError("timed out");  // still down, another reason
  }
  ASSERT_TRUE(Eventually([&] { return monitor.Snapshot()[1].status.message() == "timed out"; }));
  EXPECT_THAT(monitor.Readyz(false, false).body, HasSubstr("FAIL redis://cache:6379: timed out"));
  EXPECT_THAT(monitor.Readyz(false, true).body, HasSubstr("\"reason\":\"timed out\""));
  EXPECT_EQ(monitor.Snapshot()[1].since, down_since);  // down all along
  {
    absl::MutexLock lock(&cache->mu);
    cache->next = absl::OkStatus();
  }
  ASSERT_TRUE(Eventually([&] { return monitor.Ready(); }));
  s = monitor.Snapshot();
  EXPECT_GT(s[1].since, down_since);  // it went up: a change
  EXPECT_EQ(monitor.Readyz(false, false).status, 200);
  EXPECT_EQ(monitor.Readyz(false, false).body, RenderReadyz(s, false, false).body);
  EXPECT_EQ(monitor.Readyz(true, false).status, 503);  // stopping
  EXPECT_EQ(monitor.Readyz(false, true).body, RenderReadyz(s, false, true).body);
  EXPECT_EQ(s[1].buckets[0], s[1].probes);  // every scripted probe is under 5 ms
}

TEST(ReadinessMonitorTest, NotReadyBeforeTheFirstVerdictAndNoChecksIsReady) {
  std::vector<TargetReadiness> none;
  EXPECT_EQ(RenderReadyz(none, false, false).status, 200);
  EXPECT_EQ(RenderReadyz(none, true, false).status, 503);  // stopping
  TargetReadiness t;
  t.target = "tcp://db:5432";
  t.since = absl::FromUnixSeconds(1764489600);
  EXPECT_EQ(RenderReadyz({t}, false, false).status, 503);
  EXPECT_THAT(RenderReadyz({t}, false, false).body, HasSubstr("FAIL tcp://db:5432: not probed yet (since 2025-11-30T08:00:00Z)"));
}

TEST(ReadinessRenderTest, ReadyzTextAndJsonWithSecretsScrubbed) {
  Redactor::Global().Add("s3cret-pw-Xy");
  TargetReadiness up, down;
  up.target = "postgres://app@db:5432/app";
  up.probed = true;
  up.status = absl::OkStatus();
  up.since = absl::FromUnixSeconds(1764489600);
  down.target = "redis://cache:6379";
  down.probed = true;
  down.status = absl::UnauthenticatedError("WRONGPASS s3cret-pw-Xy\nsecond line");
  down.since = absl::FromUnixSeconds(1764489660);
  HttpResponse text = RenderReadyz({up, down}, false, false);
  EXPECT_EQ(text.status, 503);
  EXPECT_THAT(text.body, HasSubstr("not ready\nok   postgres://app@db:5432/app (since 2025-11-30T08:00:00Z)\nFAIL redis://cache:6379: "));
  EXPECT_THAT(text.body, Not(HasSubstr("s3cret-pw-Xy")));
  EXPECT_EQ(std::count(text.body.begin(), text.body.end(), '\n'), 3);  // one line per target
  HttpResponse json = RenderReadyz({up, down}, false, true);
  EXPECT_EQ(json.content_type, "application/json");
  EXPECT_THAT(json.body, HasSubstr("{\"ready\":false,\"stopping\":false,\"targets\":[{\"target\":\"postgres://app@db:5432/app\",\"ready\":true,"));
  EXPECT_THAT(json.body, HasSubstr("\"ready\":false,\"since\":\"2025-11-30T08:01:00Z\",\"reason\":\"WRONGPASS "));
  EXPECT_THAT(json.body, Not(HasSubstr("s3cret-pw-Xy")));
  EXPECT_EQ(RenderReadyz({up}, false, true).status, 200);
  EXPECT_THAT(RenderReadyz({up}, true, false).body, HasSubstr("not ready: stopping\n"));

  EXPECT_EQ(RenderLivez(true, "", false).body, "alive\n");
  EXPECT_EQ(RenderLivez(false, "stopping", true).body, "{\"alive\":false,\"reason\":\"stopping\"}\n");
  EXPECT_EQ(RenderLivez(false, "stopping", true).status, 503);
}

TEST(ReadinessRenderTest, MetricsFollowTheExpositionFormat) {
  TargetReadiness t;
  t.target = "http://x/a\"b\\c";
  t.probed = true;
  t.status = absl::OkStatus();
  t.since = absl::FromUnixSeconds(1764489600);
  t.probes = 3;
  t.failures = 1;
  t.buckets = {1, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3};
  t.duration_sum = 0.042;
  const std::string m = RenderMetrics({t}, "# HELP noshell_app_up Whether the app runs.\n# TYPE noshell_app_up gauge\nnoshell_app_up 1\n");
  const std::string label = "target=\"http://x/a\\\"b\\\\c\"";
  EXPECT_THAT(m, HasSubstr("# TYPE noshell_target_up gauge\nnoshell_target_up{" + label + "} 1\n"));
  EXPECT_THAT(m, HasSubstr("noshell_target_last_change_timestamp_seconds{" + label + "} 1764489600.000\n"));
  EXPECT_THAT(m, HasSubstr("noshell_probe_failures_total{" + label + "} 1\n"));
  EXPECT_THAT(m, HasSubstr("# TYPE noshell_probe_duration_seconds histogram\n"));
  EXPECT_THAT(m, HasSubstr("noshell_probe_duration_seconds_bucket{" + label + ",le=\"0.005\"} 1\n"));
  EXPECT_THAT(m, HasSubstr("noshell_probe_duration_seconds_bucket{" + label + ",le=\"2.5\"} 3\n"));
  EXPECT_THAT(m, HasSubstr("noshell_probe_duration_seconds_bucket{" + label + ",le=\"+Inf\"} 3\n"));
  EXPECT_THAT(m, HasSubstr("noshell_probe_duration_seconds_sum{" + label + "} 0.042000\n"));
  EXPECT_THAT(m, HasSubstr("noshell_probe_duration_seconds_count{" + label + "} 3\n"));
  EXPECT_THAT(m, HasSubstr("noshell_app_up 1\n"));
  for (const char* p : {"process_cpu_seconds_total ", "process_resident_memory_bytes ", "process_open_fds ", "process_max_fds ",
                        "process_start_time_seconds "}) {
    EXPECT_THAT(m, HasSubstr(std::string("\n") + p)) << p;
  }
  // Every line is a comment or NAME{labels} VALUE.
  for (absl::string_view line : absl::StrSplit(m, '\n', absl::SkipEmpty())) {
    if (absl::StartsWith(line, "# HELP ") || absl::StartsWith(line, "# TYPE ")) continue;
    EXPECT_TRUE(absl::StrContains(line, " ")) << line;
    EXPECT_TRUE(absl::ascii_isalpha(line[0])) << line;
  }
}

}  // namespace
}  // namespace noshell
