// The supervisor's names: capabilities and signals, as --keep-caps and --rewrite-signal give them.
#include "entrypoint/supervisor.h"

#include <signal.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace noshell {
namespace {

TEST(SupervisorNamesTest, CapabilitiesAndSignals) {
  EXPECT_EQ(*ParseCapability("NET_BIND_SERVICE"), 10);
  EXPECT_EQ(*ParseCapability("cap_chown"), 0);
  EXPECT_EQ(*ParseCapability("21"), 21);
  EXPECT_THAT(ParseCapability("FLY"), StatusIs(absl::StatusCode::kInvalidArgument, "unknown capability \"FLY\""));
  EXPECT_EQ(*ParseSignal("TERM"), SIGTERM);
  EXPECT_EQ(*ParseSignal("SIGQUIT"), SIGQUIT);
  EXPECT_EQ(*ParseSignal("rtmin+3"), SIGRTMIN + 3);
  EXPECT_EQ(*ParseSignal("RTMAX"), SIGRTMAX);
  EXPECT_THAT(ParseSignal("NOPE"), StatusIs(absl::StatusCode::kInvalidArgument, "unknown signal \"NOPE\""));
  auto rewrite = ParseSignalRewrite("TERM:QUIT,HUP:USR1");
  ASSERT_TRUE(rewrite.ok());
  EXPECT_EQ(rewrite->at(SIGTERM), SIGQUIT);
  EXPECT_EQ(rewrite->at(SIGHUP), SIGUSR1);
  EXPECT_THAT(ParseSignalRewrite("TERM"), StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("want FROM:TO")));
}

}  // namespace
}  // namespace noshell
