// tests/unit/entrypoint/init_scripts_test.cc — listing and reading /docker-entrypoint-initdb.d
// (entrypoint/init_scripts.h); running them is tested on a real server (popen_shim_test.cc).
#include "entrypoint/init_scripts.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/gzip_for_tests.h"
#include "tests/status_matchers.h"
#include "tests/unit/scratch_dir.h"

namespace noshell {
namespace {

using ::testing::HasSubstr;


TEST(InitScriptsTest, ListedInNameOrderHiddenOnesLeftOut) {
  ScratchDir dir;
  dir.Write("20-data.sql.gz", GzipForTests("SELECT 1;"));
  dir.Write("10-schema.sql", "SELECT 1;");
  dir.Write("README.md", "notes");
  dir.Write(".hidden.sql", "SELECT 1;");
  dir.Write("010-first.sql", "SELECT 1;");
  auto list = ListInitScripts(dir.path());
  ASSERT_TRUE(list.ok()) << list.status();
  std::vector<std::string> names;
  for (const InitScript& s : *list) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"010-first.sql", "10-schema.sql", "20-data.sql.gz", "README.md"}));
  EXPECT_EQ((*list)[2].kind, InitScriptKind::kSqlGz);
  EXPECT_EQ((*list)[3].kind, InitScriptKind::kOther);
  auto none = ListInitScripts(dir.Join("missing"));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

// A shell script (or a compression this build cannot read) stops the start before anything runs.
TEST(InitScriptsTest, ShellScriptsAreRefusedByName) {
  ScratchDir dir;
  dir.Write("10-schema.sql", "SELECT 1;");
  dir.Write("20-setup.sh", "#!/bin/sh\necho hi\n");
  dir.Write("30-data.sql.xz", "xz");
  EXPECT_THAT(ListInitScripts(dir.path()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::AllOf(HasSubstr(dir.Join("20-setup.sh") + " (a shell script: there is no shell to run it)"),
                                        HasSubstr(dir.Join("30-data.sql.xz") + " (compressed with what this build cannot read"),
                                        HasSubstr("Nothing was run"))));
}

TEST(InitScriptsTest, GzipAndLineEndsAreRead) {
  ScratchDir dir;
  const std::string sql = "CREATE TABLE t (id int);\nINSERT INTO t VALUES (1);\n";
  dir.Write("a.sql.gz", GzipForTests(sql));
  dir.Write("b.sql.gz", GzipForTests("SELECT 1;\n") + GzipForTests("SELECT 2;\n"));  // two members, as `cat a.gz b.gz`
  dir.Write("c.sql", "\xEF\xBB\xBFSELECT 1;\r\nSELECT 2;\r\n");
  auto list = ListInitScripts(dir.path());
  ASSERT_TRUE(list.ok()) << list.status();
  auto a = ReadInitScript((*list)[0]);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(*a, sql);
  auto b = ReadInitScript((*list)[1]);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(*b, "SELECT 1;\nSELECT 2;\n");
  auto c = ReadInitScript((*list)[2]);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(*c, "SELECT 1;\nSELECT 2;\n");
}

TEST(InitScriptsTest, BadOrHugeGzipIsAnError) {
  ScratchDir dir;
  const std::string full = GzipForTests(std::string(100000, 'x'));
  dir.Write("a-corrupt.sql.gz", "not gzip at all");
  dir.Write("b-truncated.sql.gz", full.substr(0, full.size() / 2));
  dir.Write("c-big.sql.gz", full);
  auto list = ListInitScripts(dir.path());
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_THAT(ReadInitScript((*list)[0]), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("a-corrupt.sql.gz: not a valid gzip file")));
  EXPECT_THAT(ReadInitScript((*list)[1]), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("b-truncated.sql.gz: truncated gzip file")));
  EXPECT_THAT(ReadInitScript((*list)[2], 50000), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("larger than 50000 bytes once decompressed")));
  auto ok = ReadInitScript((*list)[2], 200000);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->size(), 100000u);
}

}  // namespace
}  // namespace noshell
