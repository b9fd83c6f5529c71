// RunStaggered (common/net.h): the one staggered-attempt loop behind TCP connects and libpq logins,
// driven by pipes whose readiness the test controls.
#include <unistd.h>

#include <poll.h>

#include <array>
#include <vector>

#include "absl/time/clock.h"
#include "common/net.h"
#include "gtest/gtest.h"

namespace noshell {
namespace {

// Attempt i waits on the read end of pipe i: ready once the test (or the attempt) writes to it.
class Pipes {
 public:
  explicit Pipes(size_t n) : fds_(n) {
    for (auto& p : fds_) EXPECT_EQ(pipe(p.data()), 0);
  }
  ~Pipes() {
    for (auto& p : fds_) {
      close(p[0]);
      close(p[1]);
    }
  }
  void MakeReady(size_t i) { EXPECT_EQ(write(fds_[i][1], "x", 1), 1); }
  int ReadEnd(size_t i) const { return fds_[i][0]; }

 private:
  std::vector<std::array<int, 2>> fds_;
};

struct Script {
  std::vector<AttemptState> at_start;  // what start(i) says
  std::vector<AttemptState> when_ready;  // what advance(i) says
};

StaggeredResult RunScript(Pipes& pipes, const Script& s, absl::Duration budget, std::vector<size_t>* started) {
  StaggeredSteps steps;
  steps.start = [&](size_t i) {
    started->push_back(i);
    return s.at_start[i];
  };
  steps.wait_for = [&](size_t i) { return std::make_pair(pipes.ReadEnd(i), static_cast<short>(POLLIN)); };
  steps.advance = [&](size_t i) { return s.when_ready[i]; };
  auto r = RunStaggered(s.at_start.size(), absl::Now() + budget, steps);
  EXPECT_TRUE(r.ok()) << r.status();
  return *r;
}

TEST(StaggeredTest, AHangingAttemptGetsCompanyAndTheFirstToConnectWins) {
  Pipes pipes(3);
  pipes.MakeReady(1);  // attempt 0 hangs; attempt 1 connects as soon as it starts
  std::vector<size_t> started;
  StaggeredResult r = RunScript(pipes, {{AttemptState::kInProgress, AttemptState::kInProgress, AttemptState::kInProgress},
                                  {AttemptState::kConnected, AttemptState::kConnected, AttemptState::kConnected}},
                          absl::Seconds(5), &started);
  EXPECT_EQ(r.outcome, StaggeredResult::kConnected);
  EXPECT_EQ(r.index, 1u);
  EXPECT_EQ(started, (std::vector<size_t>{0, 1}));  // attempt 2 never needed
}

TEST(StaggeredTest, AFailureStartsTheNextAtOnce) {
  Pipes pipes(3);
  pipes.MakeReady(0);
  pipes.MakeReady(2);
  std::vector<size_t> started;
  const absl::Time t0 = absl::Now();
  StaggeredResult r = RunScript(pipes, {{AttemptState::kInProgress, AttemptState::kFailed, AttemptState::kInProgress},
                                  {AttemptState::kFailed, AttemptState::kFailed, AttemptState::kConnected}},
                          absl::Seconds(5), &started);
  EXPECT_EQ(r.outcome, StaggeredResult::kConnected);
  EXPECT_EQ(r.index, 2u);
  EXPECT_EQ(started, (std::vector<size_t>{0, 1, 2}));
  EXPECT_LT(absl::Now() - t0, kConnectStagger);  // no stagger was waited: each failed first
}

TEST(StaggeredTest, ADecisionStopsEverything) {
  Pipes pipes(2);
  pipes.MakeReady(0);
  std::vector<size_t> started;
  StaggeredResult r = RunScript(pipes, {{AttemptState::kInProgress, AttemptState::kInProgress},
                                  {AttemptState::kDecided, AttemptState::kConnected}},
                          absl::Seconds(5), &started);
  EXPECT_EQ(r.outcome, StaggeredResult::kDecided);
  EXPECT_EQ(r.index, 0u);
  EXPECT_EQ(started, (std::vector<size_t>{0}));
}

TEST(StaggeredTest, AllFailedAndTimedOut) {
  Pipes pipes(2);
  std::vector<size_t> started;
  EXPECT_EQ(RunScript(pipes, {{AttemptState::kFailed, AttemptState::kFailed}, {AttemptState::kFailed, AttemptState::kFailed}},
                absl::Seconds(5), &started)
                .outcome,
            StaggeredResult::kAllFailed);
  started.clear();
  StaggeredResult r = RunScript(pipes, {{AttemptState::kInProgress, AttemptState::kInProgress},
                                  {AttemptState::kConnected, AttemptState::kConnected}},
                          absl::Milliseconds(300), &started);
  EXPECT_EQ(r.outcome, StaggeredResult::kTimedOut);
  EXPECT_EQ(r.index, 0u);  // the oldest attempt names the phase it was stuck in
  EXPECT_EQ(started, (std::vector<size_t>{0, 1}));
}

}  // namespace
}  // namespace noshell
