// Logging: human and JSON lines on stderr, scrubbed of every known secret.
#include "common/logging.h"

#include <unistd.h>

#include <cstdio>
#include <string>

#include "common/redact.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"
#include "spdlog/spdlog.h"

namespace noshell {
namespace {

// Runs `log` with stderr redirected to a temp file and returns what was written.
template <typename F>
std::string CaptureStderr(F log) {
  std::fflush(stderr);
  char path[] = "/tmp/noshell_log_XXXXXX";
  int fd = mkstemp(path);
  int saved = dup(2);
  dup2(fd, 2);
  log();
  std::fflush(stderr);
  dup2(saved, 2);
  close(saved);
  std::string out;
  char buf[4096];
  lseek(fd, 0, SEEK_SET);
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  close(fd);
  std::remove(path);
  return out;
}

TEST(LoggingTest, JsonLinesWithSecretsScrubbed) {
  Redactor::Global().Add("log-secret-771");
  ASSERT_TRUE(InitLogging("healthcheck", OutputFormat::kJson, "info").ok());
  std::string out = CaptureStderr([] {
    spdlog::info("connecting with \"log-secret-771\"\n");
    spdlog::debug("not shown at info");
  });
  EXPECT_EQ(out.find("log-secret-771"), std::string::npos) << out;
  EXPECT_NE(out.find("\"level\":\"info\",\"program\":\"healthcheck\",\"msg\":\"connecting with \\\"***\\\"\\n\"}\n"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.rfind("{\"time\":\"", 0), 0u) << out;
  EXPECT_EQ(out.find("not shown"), std::string::npos);
}

TEST(LoggingTest, HumanLines) {
  ASSERT_TRUE(InitLogging("migrate", OutputFormat::kText, "debug").ok());
  std::string out = CaptureStderr([] { spdlog::debug("step {}", 2); });
  EXPECT_NE(out.find(" migrate debug: step 2\n"), std::string::npos) << out;
}

TEST(LoggingTest, RejectsUnknownLevelAndFormat) {
  EXPECT_THAT(InitLogging("x", OutputFormat::kText, "loud"),
              StatusIs(absl::StatusCode::kInvalidArgument, "log level \"loud\": want trace, debug, info, warn, error or off"));
  EXPECT_THAT(ParseOutputFormat("yaml"), StatusIs(absl::StatusCode::kInvalidArgument, "format \"yaml\": want text or json"));
  EXPECT_EQ(*ParseOutputFormat("json"), OutputFormat::kJson);
}

}  // namespace
}  // namespace noshell
