// healthcheck: argument handling, concurrency under one deadline, output limits.
#include "healthcheck/healthcheck.h"

#include <memory>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/clock.h"
#include "gtest/gtest.h"

namespace noshell {
namespace {

absl::StatusOr<HealthcheckConfig> Parse(std::vector<const char*> args, const MapEnv& env = MapEnv()) {
  args.insert(args.begin(), "healthcheck");
  std::string help;
  return ParseHealthcheckArgs(static_cast<int>(args.size()), args.data(), env, &help);
}

TEST(HealthcheckArgsTest, DefaultsFitKubernetesProbeTimeout) {
  auto c = Parse({"tcp://a:1"});
  ASSERT_TRUE(c.ok());
  EXPECT_LT(c->timeout, absl::Seconds(1));
  EXPECT_EQ(c->format, OutputFormat::kText);
  EXPECT_EQ(c->check.mode, ProbeMode::kReadiness);
}

TEST(HealthcheckArgsTest, TargetsFromEnvironmentWhenNoneGiven) {
  MapEnv env{{"HEALTHCHECK_TARGETS", "tcp://a:1 env:DATABASE_URL"}, {"HEALTHCHECK_TIMEOUT", "300ms"}};
  auto c = Parse({}, env);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->targets, (std::vector<std::string>{"tcp://a:1", "env:DATABASE_URL"}));
  EXPECT_EQ(c->timeout, absl::Milliseconds(300));
  auto cli = Parse({"tcp://b:2"}, env);
  EXPECT_EQ(cli->targets, (std::vector<std::string>{"tcp://b:2"}));
}

TEST(HealthcheckArgsTest, BadUsageSaysWhat) {
  struct Case { std::vector<const char*> args; const char* want; };
  for (const Case& c : {Case{{}, "no targets"}, Case{{"--timeout=soon", "tcp://a:1"}, "--timeout=soon"},
                        Case{{"--timeout=-1s", "tcp://a:1"}, "positive duration"},
                        Case{{"--format=xml", "tcp://a:1"}, "format \"xml\""},
                        Case{{"--mode=alive", "tcp://a:1"}, "--mode=alive"},
                        Case{{"--pg-role=leader", "tcp://a:1"}, "--pg-role=leader"},
                        Case{{"--http-status=abc", "tcp://a:1"}, "--http-status"}}) {
    auto r = Parse(c.args);
    ASSERT_FALSE(r.ok()) << c.want;
    EXPECT_NE(r.status().message().find(c.want), absl::string_view::npos) << r.status();
  }
}

// Four checks that each wait, up to 5 s, until all four have started: they pass only when they
// run at the same time.
class RendezvousCheck : public Check {
 public:
  struct Meeting {
    absl::Mutex mu;
    int arrived ABSL_GUARDED_BY(mu) = 0;
  };
  RendezvousCheck(std::string name, std::shared_ptr<Meeting> m, int total) : name_(std::move(name)), m_(std::move(m)), total_(total) {}
  std::string Describe() const override { return name_; }
  absl::Status Probe(absl::Time) override {
    absl::MutexLock lock(&m_->mu);
    ++m_->arrived;
    auto all = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(m_->mu) { return m_->arrived == total_; };
    if (!m_->mu.AwaitWithTimeout(absl::Condition(&all), absl::Seconds(5))) return absl::UnavailableError("ran alone");
    return absl::OkStatus();
  }

 private:
  std::string name_;
  std::shared_ptr<Meeting> m_;
  int total_;
};

// Answers after `delay` of the (manual) clock, ignoring its deadline; or, with no delay given,
// never (until released): the worst cases.
class SlowCheck : public Check {
 public:
  SlowCheck(std::string name, Clock& clock, std::optional<absl::Duration> delay, std::shared_ptr<absl::Notification> release = nullptr)
      : name_(std::move(name)), clock_(clock), delay_(delay), release_(std::move(release)) {}
  std::string Describe() const override { return name_; }
  absl::Status Probe(absl::Time) override {
    if (delay_.has_value()) clock_.SleepFor(*delay_);
    else release_->WaitForNotification();
    return absl::OkStatus();
  }

 private:
  std::string name_;
  Clock& clock_;
  std::optional<absl::Duration> delay_;
  std::shared_ptr<absl::Notification> release_;
};

TEST(RunChecksTest, ChecksRunConcurrently) {
  auto meeting = std::make_shared<RendezvousCheck::Meeting>();
  std::vector<std::unique_ptr<Check>> checks;
  for (int i = 0; i < 4; ++i) checks.push_back(std::make_unique<RendezvousCheck>(absl::StrCat("c", i), meeting, 4));
  bool abandoned = true;
  auto results = RunChecks(std::move(checks), absl::Now() + absl::Seconds(30), &abandoned);
  EXPECT_FALSE(abandoned);
  ASSERT_EQ(results.size(), 4u);
  for (const auto& r : results) EXPECT_TRUE(r.status.ok()) << r.target << ": " << r.status;
  EXPECT_EQ(results[2].target, "c2");
}

// Answers at once, and says so when it is gone (after its probe, before the runner notes the time).
class FastCheck : public Check {
 public:
  explicit FastCheck(std::shared_ptr<absl::Notification> gone) : gone_(std::move(gone)) {}
  ~FastCheck() override { gone_->Notify(); }
  std::string Describe() const override { return "fast"; }
  absl::Status Probe(absl::Time) override { return absl::OkStatus(); }

 private:
  std::shared_ptr<absl::Notification> gone_;
};

// Never answers until released; once `after` is notified it moves the clock past any deadline.
class HungCheck : public Check {
 public:
  HungCheck(Clock& clock, std::shared_ptr<absl::Notification> after, std::shared_ptr<absl::Notification> release)
      : clock_(clock), after_(std::move(after)), release_(std::move(release)) {}
  std::string Describe() const override { return "hung"; }
  absl::Status Probe(absl::Time) override {
    after_->WaitForNotification();
    absl::SleepFor(absl::Milliseconds(20));  // the fast check's thread notes its time meanwhile
    clock_.SleepFor(absl::Seconds(1));
    release_->WaitForNotification();
    return absl::OkStatus();
  }

 private:
  Clock& clock_;
  std::shared_ptr<absl::Notification> after_, release_;
};

TEST(RunChecksTest, AHungCheckIsNamedAtTheDeadline) {
  // Outlives the abandoned probe thread, which reads it once released.
  static ManualClock* clock = new ManualClock(absl::FromUnixSeconds(1000));
  auto fast_gone = std::make_shared<absl::Notification>();
  auto release = std::make_shared<absl::Notification>();
  std::vector<std::unique_ptr<Check>> checks;
  checks.push_back(std::make_unique<FastCheck>(fast_gone));
  checks.push_back(std::make_unique<HungCheck>(*clock, fast_gone, release));
  bool abandoned = false;
  auto results = RunChecks(std::move(checks), clock->Now() + absl::Milliseconds(200), &abandoned, *clock);
  release->Notify();
  EXPECT_TRUE(abandoned);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(results[0].status.ok()) << results[0].status;
  EXPECT_EQ(results[1].target, "hung");
  EXPECT_EQ(results[1].status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(results[1].status.message(), "timed out after 200ms");
}

TEST(RunChecksTest, AnAnswerAfterTheDeadlineIsNoAnswer) {
  ManualClock clock(absl::FromUnixSeconds(1000));
  std::vector<std::unique_ptr<Check>> checks;
  checks.push_back(std::make_unique<SlowCheck>("late", clock, absl::Seconds(3)));  // "OK", 3 s in
  bool abandoned = true;
  auto results = RunChecks(std::move(checks), clock.Now() + absl::Milliseconds(200), &abandoned, clock);
  EXPECT_FALSE(abandoned);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].status.code(), absl::StatusCode::kDeadlineExceeded);
}

TEST(FormatTest, TextLinesPerTarget) {
  std::vector<TargetResult> r = {{"tcp://a:1", absl::OkStatus(), absl::Milliseconds(3)},
                                 {"redis://b:6379/0", absl::UnavailableError("LOADING Redis is loading"), absl::Milliseconds(7)}};
  EXPECT_EQ(FormatResults(r, OutputFormat::kText, absl::Milliseconds(8)),
            "ok   tcp://a:1 3ms\nFAIL redis://b:6379/0 7ms: LOADING Redis is loading\n");
}

TEST(FormatTest, JsonDocument) {
  std::vector<TargetResult> r = {{"tcp://a:1", absl::OkStatus(), absl::Milliseconds(3)},
                                 {"x", absl::UnauthenticatedError("bad \"pw\""), absl::Milliseconds(7)}};
  EXPECT_EQ(FormatResults(r, OutputFormat::kJson, absl::Milliseconds(8)),
            "{\"healthy\":false,\"elapsed_ms\":8,\"targets\":[{\"target\":\"tcp://a:1\",\"healthy\":true,"
            "\"elapsed_ms\":3},{\"target\":\"x\",\"healthy\":false,\"elapsed_ms\":7,\"code\":\"unauthenticated\","
            "\"reason\":\"bad \\\"pw\\\"\"}]}\n");
}

TEST(FormatTest, NeverExceedsDockersLimit) {
  std::vector<TargetResult> r;
  for (int i = 0; i < 200; ++i) {
    r.push_back({absl::StrCat("tcp://host-", i, ":1"), absl::UnavailableError(std::string(500, 'x')), absl::Milliseconds(1)});
  }
  for (OutputFormat f : {OutputFormat::kText, OutputFormat::kJson}) {
    std::string out = FormatResults(r, f, absl::Milliseconds(1));
    EXPECT_LE(out.size(), kMaxOutputBytes);
    EXPECT_NE(out.find("host-0"), std::string::npos);
  }
  std::vector<TargetResult> two = {r[0], r[1]};
  std::string out = FormatResults(two, OutputFormat::kText, absl::Milliseconds(1));
  EXPECT_LE(out.size(), kMaxOutputBytes);
  EXPECT_NE(out.find("host-1"), std::string::npos);
}

}  // namespace
}  // namespace noshell
