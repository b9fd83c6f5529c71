// The fault-peer suite: every check kind and migrate against misbehaving servers (truncated,
// oversized, endless, silent, closing, garbage). Each case asserts the exit code, that the deadline
// held, a peak-RSS bound, and what the output says. Servers: tests/integration/fault_peer.py.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"

namespace noshell::testing {
namespace {

using ::testing::HasSubstr;

struct FaultCase {
  std::string behaviour;
  std::vector<std::string> argv;  // "{PORT}" is replaced by the peer's port; argv[0] a binary name
  int exit_code;
  absl::Duration max_elapsed;     // the deadline plus what the report allows for returning
  long max_rss_mb;
  std::string output;             // a substring of stdout + stderr
};

void PrintTo(const FaultCase& c, std::ostream* os) { *os << c.behaviour << " " << c.argv[0] << " " << c.argv.back(); }

class FaultPeerTest : public ::testing::TestWithParam<FaultCase> {};

TEST_P(FaultPeerTest, DeadlineExitCodeAndMemoryHold) {
  const FaultCase& c = GetParam();
  FaultPeer peer(c.behaviour);
  std::vector<std::string> argv;
  for (const std::string& a : c.argv) argv.push_back(absl::StrReplaceAll(a, {{"{PORT}", std::to_string(peer.port())}}));
  argv[0] = BinaryPath(argv[0]);
  RunOptions o;
  o.timeout = c.max_elapsed + absl::Seconds(10);
  RunResult r = RunCommand(argv, o);
  const std::string all = r.out + r.err;
  EXPECT_EQ(r.exit_code, c.exit_code) << all;
  EXPECT_LE(r.elapsed, c.max_elapsed) << all;
  EXPECT_LE(r.max_rss_kb, c.max_rss_mb * 1024) << all;
  EXPECT_THAT(all, HasSubstr(absl::StrReplaceAll(c.output, {{"{PORT}", std::to_string(peer.port())}})));
}

const absl::Duration kHealthcheckDeadline = absl::Milliseconds(800) + absl::Milliseconds(250);

INSTANTIATE_TEST_SUITE_P(
    Transport, FaultPeerTest,
    ::testing::Values(
        // Hostile-test C1: a TLS peer that closes killed healthcheck and entrypoint with SIGPIPE.
        FaultCase{"close", {"healthcheck", "https://127.0.0.1:{PORT}/"}, 1, kHealthcheckDeadline, 16,
                  "FAIL https://127.0.0.1:{PORT}/"},
        FaultCase{"rst", {"healthcheck", "https://127.0.0.1:{PORT}/"}, 1, kHealthcheckDeadline, 16, "FAIL https://"},
        FaultCase{"close", {"healthcheck", "rediss://127.0.0.1:{PORT}/0"}, 1, kHealthcheckDeadline, 16, "FAIL rediss://"},
        FaultCase{"close", {"entrypoint", "--wait=https://127.0.0.1:{PORT}/", "--timeout=1s", "--", "true"}, 69,
                  absl::Seconds(2), 16, "https://127.0.0.1:{PORT}/"},
        FaultCase{"garbage", {"healthcheck", "https://127.0.0.1:{PORT}/"}, 1, kHealthcheckDeadline, 16, "FAIL https://"},
        FaultCase{"silent", {"healthcheck", "postgres://app@127.0.0.1:{PORT}/app"}, 1, kHealthcheckDeadline, 16,
                  "FAIL postgres://"},
        FaultCase{"endless", {"healthcheck", "redis://127.0.0.1:{PORT}/0"}, 1, kHealthcheckDeadline, 16, "FAIL redis://"},
        FaultCase{"drip", {"healthcheck", "http://127.0.0.1:{PORT}/"}, 1, kHealthcheckDeadline, 16, "FAIL http://"}),
    [](const ::testing::TestParamInfo<FaultCase>& info) {
      std::string name = absl::StrCat(info.param.behaviour, "_", info.param.argv[0], "_", info.index);
      for (char& ch : name) {
        if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return name;
    });

// Hostile-test S2: notices sent during login went to stderr through libpq's default processor,
// unscrubbed. The peer asks for a cleartext password and echoes it in a notice and an error.
TEST(FaultPeerSecretTest, LoginNoticesAreScrubbed) {
  FaultPeer peer("pg-notice-echo");
  TempDir migrations;
  const std::string secret = "Zq9PlantedPgSecretXk7";
  const std::string url = absl::StrCat("postgres://app:", secret, "@127.0.0.1:", peer.port(), "/app?sslmode=disable");
  for (const std::vector<std::string>& argv :
       {std::vector<std::string>{BinaryPath("healthcheck"), "--format=json", "--log-level=debug", url},
        std::vector<std::string>{BinaryPath("healthcheck"), "--log-level=info", url},
        std::vector<std::string>{BinaryPath("migrate"), "--dir=" + migrations.path(), "--database-url=" + url, "status"}}) {
    RunOptions o;
    o.timeout = absl::Seconds(20);
    RunResult r = RunCommand(argv, o);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_EQ((r.out + r.err).find(secret), std::string::npos) << r.out << r.err;
  }
  // The notice itself still reaches the log, scrubbed, through our logger.
  RunResult r = RunCommand({BinaryPath("healthcheck"), "--log-level=info", url});
  EXPECT_THAT(r.err, HasSubstr("server: WARNING:  01000: notice with ***"));
}

}  // namespace
}  // namespace noshell::testing
