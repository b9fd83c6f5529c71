// The fault-peer suite: every check kind and migrate against misbehaving servers (truncated,
// oversized, endless, silent, closing, garbage). Each case asserts the exit code, that the deadline
// held, a peak-RSS bound, and what the output says. Servers: tests/integration/fault_peer.py.
#include <algorithm>
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

std::string CaseName(const ::testing::TestParamInfo<FaultCase>& info) {
  std::string name = absl::StrCat(info.param.behaviour, "_", info.param.argv[0], "_", info.index);
  for (char& ch : name) {
    if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

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
    CaseName);

// Hostile-test H5: memory was bounded only by the deadline (a Redis bulk drove healthcheck to
// 2 GB, endless Postgres rows drove migrate to 4.4 GB). Every reply is capped at what the check
// needs; the 3 s deadlines give a peer time to send gigabytes.
const absl::Duration kLong = absl::Seconds(3) + absl::Milliseconds(300);
INSTANTIATE_TEST_SUITE_P(
    Oversized, FaultPeerTest,
    ::testing::Values(
        FaultCase{"redis-huge-bulk", {"healthcheck", "--timeout=3s", "redis://127.0.0.1:{PORT}/0"}, 1, kLong, 16,
                  "reply larger than 1 MiB"},
        FaultCase{"redis-huge-array", {"healthcheck", "--timeout=3s", "redis://127.0.0.1:{PORT}/0"}, 1, kLong, 16,
                  "reply larger than 1024 elements"},
        FaultCase{"redis-endless-status", {"healthcheck", "--timeout=3s", "redis://127.0.0.1:{PORT}/0"}, 1, kLong, 16,
                  "reply larger than 1 MiB"},
        FaultCase{"redis-huge-bulk", {"entrypoint", "--wait=redis://127.0.0.1:{PORT}/0", "--timeout=2s", "--", "true"}, 69,
                  absl::Seconds(3), 16, "reply larger than 1 MiB"},
        FaultCase{"pg-endless-rows", {"healthcheck", "--timeout=3s", "postgres://app:pw@127.0.0.1:{PORT}/app?sslmode=disable"},
                  1, kLong, 16, "reply larger than 1000 rows"},
        FaultCase{"pg-huge-row", {"healthcheck", "--timeout=3s", "postgres://app:pw@127.0.0.1:{PORT}/app?sslmode=disable"}, 1,
                  kLong, 16, "reply larger than 1 MiB"},
        FaultCase{"pg-endless-rows",
                  {"migrate", "--dir=" NOSHELL_TEST_SRC_DIR "/fixtures/migrations/golang-migrate", "--database-url=postgres://app:pw@127.0.0.1:{PORT}/app?sslmode=disable", "status"},
                  5, absl::Seconds(20), 64, "reply larger than 16 MiB"},
        FaultCase{"pg-huge-row",
                  {"migrate", "--dir=" NOSHELL_TEST_SRC_DIR "/fixtures/migrations/golang-migrate", "--database-url=postgres://app:pw@127.0.0.1:{PORT}/app?sslmode=disable", "status"},
                  5, absl::Seconds(20), 64, "reply larger than 16 MiB"},  // our own query's cap
        FaultCase{"http-endless-chunk-ext", {"healthcheck", "--timeout=3s", "--http-body=x", "http://127.0.0.1:{PORT}/"}, 1,
                  kLong, 16, "chunk line longer than 4 KiB"},
        FaultCase{"http-endless-chunk-size", {"healthcheck", "--timeout=3s", "--http-body=x", "http://127.0.0.1:{PORT}/"}, 1,
                  kLong, 16, "chunk line longer than 4 KiB"},
        FaultCase{"http-endless-body", {"healthcheck", "--timeout=3s", "--http-body=nothere", "http://127.0.0.1:{PORT}/"}, 1,
                  kLong, 16, "does not contain \"nothere\""},
        FaultCase{"http-endless-head", {"healthcheck", "--timeout=3s", "http://127.0.0.1:{PORT}/"}, 1, kLong, 16,
                  "HTTP response head larger than 16 KiB"}),
    CaseName);

// Hostile-test W3: a 1xx interim response was taken for the final status.
INSTANTIATE_TEST_SUITE_P(
    Interim, FaultPeerTest,
    ::testing::Values(FaultCase{"http-early-hints", {"healthcheck", "http://127.0.0.1:{PORT}/"}, 0, kHealthcheckDeadline, 16,
                                "ok   http://127.0.0.1:{PORT}/"},
                      FaultCase{"http-only-interim", {"healthcheck", "http://127.0.0.1:{PORT}/"}, 1, kHealthcheckDeadline, 16,
                                "more than 16 interim (1xx) responses"}),
    CaseName);

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


bool IsJson(const std::string& text) {
  TempDir dir;
  WriteFile(dir.Join("doc"), text);
  RunOptions o;
  o.stdin_path = dir.Join("doc");
  return RunCommand({"/usr/bin/python3", "-c", "import json, sys; json.loads(sys.stdin.buffer.read().decode('utf-8'))"}, o)
             .exit_code == 0;
}

// Hostile-test U1: server text (invalid UTF-8, ESC, control characters, 10 000 "é" cut in the
// middle of a character) broke JSON and reached terminals raw; a newline in an argument forged
// an output line.
TEST(OutputTest, PeerAndArgumentTextIsMadeSafe) {
  FaultPeer peer("http-bad-reason");
  const std::string url = absl::StrCat("http://127.0.0.1:", peer.port(), "/");
  RunResult json = RunCommand({BinaryPath("healthcheck"), "--format=json", url, url + "a", url + "b"});
  EXPECT_EQ(json.exit_code, 1);
  EXPECT_TRUE(IsJson(json.out)) << json.out;
  RunResult text = RunCommand({BinaryPath("healthcheck"), url});
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_EQ(text.out.find('\x1b'), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find('\x01'), std::string::npos) << text.out;
  EXPECT_THAT(text.out, HasSubstr("\\x1b[31mred\\x01"));
  EXPECT_EQ(std::count(text.out.begin(), text.out.end(), '\n'), 1);

  RunResult forged = RunCommand({BinaryPath("healthcheck"), "tcp://127.0.0.1:1\nok   FAKE"});
  EXPECT_EQ(forged.exit_code, 1);
  EXPECT_EQ(std::count(forged.err.begin(), forged.err.end(), '\n'), 1) << forged.err;
  EXPECT_THAT(forged.err, HasSubstr("\\nok   FAKE"));
}

// Hostile-test U2: --format=json printed nothing on stdout for a usage or target error.
TEST(OutputTest, JsonOnStdoutForUsageErrors) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--format=json", "nonsense"}, std::vector<std::string>{"--format=json", "--timeout=x", "tcp://h:1"},
        std::vector<std::string>{"--format", "json", "--bogus"}}) {
    std::vector<std::string> argv = {BinaryPath("healthcheck")};
    argv.insert(argv.end(), args.begin(), args.end());
    RunResult r = RunCommand(argv);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(IsJson(r.out)) << r.out;
    EXPECT_THAT(r.out, HasSubstr("\"healthy\":false"));
    EXPECT_THAT(r.out, HasSubstr("\"errors\":[\""));
    EXPECT_THAT(r.err, HasSubstr("healthcheck: "));
  }
}

// Hostile-test U6: a 128 KB argument became a 128 KB error line.
TEST(OutputTest, LongArgumentsAreCutInMessages) {
  const std::string huge(128 * 1024 - 100, 'x');
  for (const std::vector<std::string>& argv :
       {std::vector<std::string>{BinaryPath("healthcheck"), "--" + huge}, std::vector<std::string>{BinaryPath("healthcheck"), "tcp://" + huge},
        std::vector<std::string>{BinaryPath("migrate"), "--" + huge}, std::vector<std::string>{BinaryPath("entrypoint"), "--" + huge}}) {
    RunResult r = RunCommand(argv);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_LT(r.out.size() + r.err.size(), 5000u) << argv[0];
    EXPECT_GT(r.err.size(), 0u) << argv[0];
  }
}

// Hostile-test U4: --wait=1s gave up after 0.7 s, one backoff short.
TEST(OutputTest, MigrateWaitsItsWholeWait) {
  TempDir dir;
  RunResult r = RunCommand({BinaryPath("migrate"), "--dir=" + dir.path(),
                            absl::StrCat("--database-url=postgres://app@127.0.0.1:", FreePort(), "/x"), "--wait=1s", "status"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_GE(r.elapsed, absl::Milliseconds(980));
  EXPECT_LT(r.elapsed, absl::Milliseconds(1500));
  EXPECT_THAT(r.err, HasSubstr("Connection refused"));
}


// Hostile-test H8: each https/rediss target built its own TLS context and loaded the CA bundle:
// 200 targets overran an 800 ms deadline by half. One context per process now.
TEST(FaultPeerManyTest, TwoHundredTlsTargetsKeepTheDeadline) {
  FaultPeer peer("silent");
  std::vector<std::string> argv = {BinaryPath("healthcheck"), "--timeout=800ms"};
  for (int i = 0; i < 200; ++i) argv.push_back(absl::StrCat(i % 2 ? "https" : "rediss", "://127.0.0.1:", peer.port(), "/", i));
  RunResult r = RunCommand(argv);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_LT(r.elapsed, absl::Milliseconds(800) + absl::Milliseconds(150)) << r.out;
  EXPECT_LT(r.max_rss_kb, 48 * 1024);
  EXPECT_THAT(r.out, HasSubstr("FAIL https://127.0.0.1:"));  // reasons are cut to fit 4 KiB
  std::printf("200 TLS targets against a silent peer: %lld ms, peak RSS %ld KB\n",
              static_cast<long long>(absl::ToInt64Milliseconds(r.elapsed)), r.max_rss_kb);
}

}  // namespace
}  // namespace noshell::testing
