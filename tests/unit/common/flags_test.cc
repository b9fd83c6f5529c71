// Option parsing from argv and environment.
#include "common/flags.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace noshell {
namespace {

Flags Make() {
  return Flags({{"timeout", "T_TIMEOUT", "DURATION", "deadline"},
                {"insecure", "T_INSECURE", "", "skip"},
                {"wait", "T_WAIT", "TARGET", "targets", true}});
}

TEST(FlagsTest, CommandLineFormsAndPositionals) {
  Flags f = Make();
  const char* argv[] = {"prog", "--timeout=2s", "a", "--wait", "x", "--wait=y", "--insecure", "b"};
  ASSERT_TRUE(f.Parse(8, argv, MapEnv()).ok());
  EXPECT_EQ(f.Get("timeout"), "2s");
  EXPECT_EQ(f.GetAll("wait"), (std::vector<std::string>{"x", "y"}));
  EXPECT_TRUE(*f.GetBool("insecure"));
  EXPECT_EQ(f.positional(), (std::vector<std::string>{"a", "b"}));
}

TEST(FlagsTest, EnvironmentFillsWhatCommandLineLeavesOut) {
  Flags f = Make();
  const char* argv[] = {"prog", "--timeout=1s"};
  MapEnv env{{"T_TIMEOUT", "9s"}, {"T_WAIT", "tcp://a:1  tcp://b:2\ntcp://c:3"}, {"T_INSECURE", "no"}};
  ASSERT_TRUE(f.Parse(2, argv, env).ok());
  EXPECT_EQ(f.Get("timeout"), "1s");
  EXPECT_EQ(f.GetAll("wait"), (std::vector<std::string>{"tcp://a:1", "tcp://b:2", "tcp://c:3"}));
  EXPECT_FALSE(*f.GetBool("insecure"));
}

TEST(FlagsTest, DoubleDashSeparatesCommand) {
  Flags f = Make();
  const char* argv[] = {"prog", "--wait=x", "--", "app", "--timeout=3"};
  ASSERT_TRUE(f.Parse(5, argv, MapEnv()).ok());
  EXPECT_EQ(f.after_dashes(), (std::vector<std::string>{"app", "--timeout=3"}));
  EXPECT_FALSE(f.Has("timeout"));
}

TEST(FlagsTest, ErrorsNameTheOption) {
  struct Case { std::vector<const char*> argv; const char* want; };
  for (const Case& c : {Case{{"p", "--nope"}, "unknown option --nope"}, Case{{"p", "-x"}, "unknown option -x"},
                        Case{{"p", "--timeout"}, "--timeout needs a value"},
                        Case{{"p", "--timeout=1s", "--timeout=2s"}, "--timeout given twice"}}) {
    Flags f = Make();
    absl::Status s = f.Parse(static_cast<int>(c.argv.size()), c.argv.data(), MapEnv());
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find(c.want), absl::string_view::npos) << s;
  }
  Flags f = Make();
  const char* argv[] = {"p", "--insecure=maybe"};
  ASSERT_TRUE(f.Parse(2, argv, MapEnv()).ok());
  EXPECT_THAT(f.GetBool("insecure"), StatusIs(absl::StatusCode::kInvalidArgument, "option --insecure=maybe: want true or false"));
}

TEST(FlagsTest, UsageListsEnvironmentVariables) {
  std::string usage = Make().Usage();
  EXPECT_NE(usage.find("--timeout=DURATION"), std::string::npos);
  EXPECT_NE(usage.find("[$T_TIMEOUT]"), std::string::npos);
}

}  // namespace
}  // namespace noshell
