// healthcheck: argument handling, concurrency under one deadline, output limits.
#include "healthcheck/healthcheck.h"

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
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

// A check that answers after `delay`, ignoring its deadline (the worst case).
class SlowCheck : public Check {
 public:
  SlowCheck(std::string name, absl::Duration delay) : name_(std::move(name)), delay_(delay) {}
  std::string Describe() const override { return name_; }
  absl::Status Probe(absl::Time) override {
    absl::SleepFor(delay_);
    return absl::OkStatus();
  }

 private:
  std::string name_;
  absl::Duration delay_;
};

TEST(RunChecksTest, ChecksRunConcurrently) {
  std::vector<std::unique_ptr<Check>> checks;
  for (int i = 0; i < 4; ++i) checks.push_back(std::make_unique<SlowCheck>(absl::StrCat("c", i), absl::Milliseconds(200)));
  bool abandoned = true;
  absl::Time start = absl::Now();
  auto results = RunChecks(std::move(checks), start + absl::Seconds(5), &abandoned);
  // Serially this would take 800 ms.
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(700));
  EXPECT_FALSE(abandoned);
  ASSERT_EQ(results.size(), 4u);
  for (const auto& r : results) EXPECT_TRUE(r.status.ok()) << r.target;
  EXPECT_EQ(results[2].target, "c2");
}

TEST(RunChecksTest, HungCheckIsNamedAtTheDeadline) {
  std::vector<std::unique_ptr<Check>> checks;
  checks.push_back(std::make_unique<SlowCheck>("fast", absl::ZeroDuration()));
  checks.push_back(std::make_unique<SlowCheck>("hung", absl::Seconds(3)));
  bool abandoned = false;
  absl::Time start = absl::Now();
  auto results = RunChecks(std::move(checks), start + absl::Milliseconds(200), &abandoned);
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(250 + 200));  // deadline plus scheduling slack
  EXPECT_TRUE(abandoned);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(results[0].status.ok());
  EXPECT_EQ(results[1].target, "hung");
  EXPECT_EQ(results[1].status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_NE(results[1].status.message().find("timed out"), absl::string_view::npos);
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
