// WaitFor / WaitForAll: backoff, fatal verdicts, deadlines, progress.
#include "common/wait.h"

#include <deque>
#include <memory>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace noshell {
namespace {

// Answers with a programmed sequence (the last answer repeats); counts probes.
class ScriptedCheck : public Check {
 public:
  ScriptedCheck(std::string name, std::deque<absl::Status> answers) : name_(std::move(name)), answers_(std::move(answers)) {}
  std::string Describe() const override { return name_; }
  absl::Status Probe(absl::Time) override {
    ++probes;
    absl::Status s = answers_.front();
    if (answers_.size() > 1) answers_.pop_front();
    return s;
  }
  int probes = 0;

 private:
  std::string name_;
  std::deque<absl::Status> answers_;
};

TEST(WaitTest, RetriesRetryableUntilReadyWithCappedBackoff) {
  ManualClock clock(absl::FromUnixSeconds(1000));
  ScriptedCheck check("postgres://db", {absl::UnavailableError("refused"), absl::UnavailableError("57P03"),
                                        absl::UnavailableError("refused"), absl::UnavailableError("refused"),
                                        absl::UnavailableError("refused"), absl::OkStatus()});
  WaitOptions o;
  absl::Status s = WaitFor(check, clock.Now() + absl::Seconds(10), o, clock, nullptr);
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(check.probes, 6);
  // Five sleeps of at most 5, 10, 20, 40, 50 ms (jittered down to half).
  EXPECT_LE(clock.Now() - absl::FromUnixSeconds(1000), absl::Milliseconds(125));
  EXPECT_GE(clock.Now() - absl::FromUnixSeconds(1000), absl::Milliseconds(62));
}

TEST(WaitTest, FatalVerdictEndsTheWaitAtOnce) {
  ManualClock clock;
  ScriptedCheck check("postgres://app@db/app", {absl::UnavailableError("refused"),
                                                absl::UnauthenticatedError("password authentication failed")});
  absl::Status s = WaitFor(check, clock.Now() + absl::Minutes(5), WaitOptions(), clock, nullptr);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(s.message(), "postgres://app@db/app: password authentication failed");
  EXPECT_EQ(check.probes, 2);
}

TEST(WaitTest, DeadlineNamesTargetAndLastError) {
  ManualClock clock;
  ScriptedCheck check("redis://cache:6379/0", {absl::UnavailableError("LOADING Redis is loading the dataset in memory")});
  std::vector<WaitProgress> reports;
  absl::Status s = WaitFor(check, clock.Now() + absl::Seconds(5), WaitOptions(), clock,
                           [&](const WaitProgress& p) { reports.push_back(p); });
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_NE(s.message().find("redis://cache:6379/0: not ready after 5s"), absl::string_view::npos) << s;
  EXPECT_NE(s.message().find("last error: LOADING Redis is loading"), absl::string_view::npos) << s;
  // Reports every 2 s while waiting, then a final one.
  ASSERT_GE(reports.size(), 3u);
  EXPECT_FALSE(reports[0].done);
  EXPECT_TRUE(reports.back().done);
  EXPECT_GT(check.probes, 50);  // it kept trying, ~every 50 ms
}

TEST(WaitTest, StopFlagCancels) {
  ManualClock clock;
  ScriptedCheck check("tcp://x:1", {absl::UnavailableError("refused")});
  std::atomic<bool> stop{true};
  EXPECT_TRUE(absl::IsCancelled(WaitFor(check, clock.Now() + absl::Seconds(5), WaitOptions(), clock, nullptr, &stop)));
}

// A dependency that is never ready, and whose probe does not come back until released.
class StuckCheck : public Check {
 public:
  explicit StuckCheck(std::shared_ptr<absl::Notification> release) : release_(std::move(release)) {}
  std::string Describe() const override { return "stuck"; }
  absl::Status Probe(absl::Time) override {
    release_->WaitForNotification();
    return absl::UnavailableError("refused");
  }

 private:
  std::shared_ptr<absl::Notification> release_;
};

TEST(WaitForAllTest, AFatalDependencyEndsTheWholeWaitEarly) {
  // Outlives the abandoned waiter, which reads it once released.
  static ManualClock* clock = new ManualClock();
  auto release = std::make_shared<absl::Notification>();
  std::vector<std::unique_ptr<Check>> checks;
  checks.push_back(std::make_unique<StuckCheck>(release));
  checks.push_back(std::make_unique<ScriptedCheck>("bad", std::deque<absl::Status>{absl::UnavailableError("refused"),
                                                                                   absl::NotFoundError("database \"x\" does not exist")}));
  // Returns although "stuck" has not answered: the fatal verdict ends the wait.
  absl::Status s = WaitForAll(std::move(checks), clock->Now() + absl::Seconds(20), WaitOptions(), nullptr, *clock);
  release->Notify();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "bad: database \"x\" does not exist");
}

TEST(WaitForAllTest, AllReady) {
  std::vector<std::unique_ptr<Check>> checks;
  for (int i = 0; i < 3; ++i) {
    checks.push_back(std::make_unique<ScriptedCheck>("c", std::deque<absl::Status>{absl::UnavailableError("no"), absl::OkStatus()}));
  }
  ManualClock clock;
  EXPECT_TRUE(WaitForAll(std::move(checks), clock.Now() + absl::Seconds(5), WaitOptions(), nullptr, clock).ok());
}

}  // namespace
}  // namespace noshell
