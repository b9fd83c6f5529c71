// tests/integration/noshell_test.cc — the three tools in one binary (noshell/main.cc): chosen by
// subcommand or by the name the file is called by (a hard link, a symlink), each doing its real job
// against a real PostgreSQL, and the dispatcher's own answers (help, version, an unknown tool).
#include <unistd.h>

#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"

namespace noshell::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(NoshellTest, TheDispatcherAnswersForItself) {
  RunResult help = RunCommand({BinaryPath("noshell"), "--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* tool : {"entrypoint", "healthcheck", "migrate"}) EXPECT_THAT(help.out, HasSubstr(absl::StrCat("  ", tool, " ")));
  RunResult version = RunCommand({BinaryPath("noshell"), "--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_THAT(version.out, StartsWith("noshell 0."));
  RunResult none = RunCommand({BinaryPath("noshell")});
  EXPECT_EQ(none.exit_code, 64);
  EXPECT_THAT(none.err, HasSubstr("usage: noshell TOOL"));
  RunResult unknown = RunCommand({BinaryPath("noshell"), "pg_isready"});
  EXPECT_EQ(unknown.exit_code, 64);
  EXPECT_THAT(unknown.err, HasSubstr("unknown tool \"pg_isready\""));
}

// Called by a tool's name (exec-form commands need no symlink made by a shell; a COPY that names
// the file healthcheck is enough), or with the tool as its first argument: the same program.
TEST(NoshellTest, ByNameOrBySubcommand) {
  TempDir dir;
  ASSERT_EQ(link(BinaryPath("noshell").c_str(), dir.Join("healthcheck").c_str()), 0);
  std::filesystem::create_symlink(BinaryPath("noshell"), dir.Join("migrate"));
  std::filesystem::copy_file(BinaryPath("noshell"), dir.Join("entrypoint"));
  std::filesystem::permissions(dir.Join("entrypoint"), std::filesystem::perms::owner_all);
  for (const char* tool : {"healthcheck", "migrate", "entrypoint"}) {
    RunResult by_name = RunCommand({dir.Join(tool), "--version"});
    EXPECT_EQ(by_name.exit_code, 0) << tool << by_name.err;
    EXPECT_THAT(by_name.out, StartsWith(absl::StrCat(tool, " (noshell) "))) << tool;
    RunResult by_arg = RunCommand({BinaryPath("noshell"), tool, "--version"});
    EXPECT_EQ(by_arg.out, by_name.out) << tool;
  }
  // The tool's own usage errors and exit codes, unchanged.
  RunResult bad = RunCommand({BinaryPath("noshell"), "healthcheck", "--no-such-flag", "tcp://127.0.0.1:1"});
  RunResult single = RunCommand({BinaryPath("healthcheck"), "--no-such-flag", "tcp://127.0.0.1:1"});
  EXPECT_EQ(bad.exit_code, single.exit_code);
  EXPECT_EQ(bad.err, single.err);
}

// Each tool through noshell on a real server: healthcheck logs in (and a wrong password fails as
// healthcheck's would), migrate applies a folder, entrypoint waits for the database and runs the app.
TEST(NoshellTest, EachToolDoesItsJob) {
  PgServer pg;
  const std::string url = pg.Url("app") + "?sslmode=disable";
  RunResult ok = RunCommand({BinaryPath("noshell"), "healthcheck", "--timeout=5s", url});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  std::string wrong_url = url;
  wrong_url.replace(wrong_url.find("apppass"), 7, "wrongpw");
  RunResult wrong = RunCommand({BinaryPath("noshell"), "healthcheck", "--timeout=5s", wrong_url});
  RunResult wrong_single = RunCommand({BinaryPath("healthcheck"), "--timeout=5s", wrong_url});
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_EQ(wrong.exit_code, wrong_single.exit_code);

  TempDir migrations;
  WriteFile(migrations.Join("20260101000000_notes.sql"), "-- migrate:up\nCREATE TABLE notes (body text);\n-- migrate:down\nDROP TABLE notes;\n");
  RunResult up = RunCommand({BinaryPath("noshell"), "migrate", "--database-url=" + url, "--dir=" + migrations.path(), "up"});
  EXPECT_EQ(up.exit_code, 0) << up.out << up.err;
  EXPECT_EQ(pg.Psql("SELECT to_regclass('notes') IS NOT NULL"), "t");

  RunResult app = RunCommand({BinaryPath("noshell"), "entrypoint", "--wait=" + url, "--timeout=10s", "--", "/bin/true"});
  EXPECT_EQ(app.exit_code, 0) << app.out << app.err;
  RunResult fails = RunCommand({BinaryPath("noshell"), "entrypoint", "--", "/bin/false"});
  EXPECT_EQ(fails.exit_code, 1);
}

}  // namespace
}  // namespace noshell::testing
