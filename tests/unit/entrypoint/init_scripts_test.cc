// tests/unit/entrypoint/init_scripts_test.cc — listing and reading /docker-entrypoint-initdb.d
// (entrypoint/init_scripts.h); running them is tested on a real server (popen_shim_test.cc).
#include "entrypoint/init_scripts.h"

#include <filesystem>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "migrate/split.h"
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

// A Kubernetes ConfigMap or Secret volume: each key is a symlink into ..data, itself a symlink to a
// hidden, timestamped folder. The keys are the scripts; the hidden entries are not.
TEST(InitScriptsTest, AConfigMapVolumeIsReadThroughItsSymlinks) {
  ScratchDir dir;
  dir.Write("..2026_11_30_06_00_00.123/10-schema.sql", "CREATE TABLE t (id int);\n");
  dir.Write("..2026_11_30_06_00_00.123/20-data.sql.gz", GzipForTests("INSERT INTO t VALUES (1);\n"));
  std::filesystem::create_directory_symlink("..2026_11_30_06_00_00.123", dir.Join("..data"));
  std::filesystem::create_symlink("..data/10-schema.sql", dir.Join("10-schema.sql"));
  std::filesystem::create_symlink("..data/20-data.sql.gz", dir.Join("20-data.sql.gz"));
  auto list = ListInitScripts(dir.path());
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "10-schema.sql");
  EXPECT_EQ((*list)[1].kind, InitScriptKind::kSqlGz);
  auto data = ReadInitScript((*list)[1]);
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(*data, "INSERT INTO t VALUES (1);\n");
}

// psql's meta-commands between statements: \connect (\c) cuts the script, \set ON_ERROR_STOP is
// what we do anyway, anything else is refused with its line; inside COPY data or a dollar-quoted
// body a backslash line is data.
TEST(PsqlScriptTest, ConnectCutsTheScriptAndDataStaysData) {
  auto parts = SplitPsqlScript(
      "\\set ON_ERROR_STOP 1\nCREATE DATABASE \"team db\";\n\\c \"team db\"\nCREATE TABLE t (v text);\n"
      "COPY t FROM stdin;\n\\N\n\\c not_a_command\n\\.\n"
      "CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $$\n\\connect x\n$$;\n  \\connect   other  \nSELECT 1;\n");
  ASSERT_TRUE(parts.ok()) << parts.status();
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_EQ((*parts)[0].sql, "CREATE DATABASE \"team db\";\n");
  EXPECT_EQ((*parts)[0].first_line, 2);  // line 1 was the \\set
  EXPECT_EQ((*parts)[0].connect_to, "team db");
  EXPECT_EQ((*parts)[1].first_line, 4);
  EXPECT_EQ((*parts)[1].sql, "CREATE TABLE t (v text);\nCOPY t FROM stdin;\n\\N\n\\c not_a_command\n\\.\n"
                             "CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $$\n\\connect x\n$$;\n");
  EXPECT_EQ((*parts)[1].connect_to, "other");
  EXPECT_EQ((*parts)[2].sql, "SELECT 1;\n");
  EXPECT_EQ((*parts)[2].first_line, 13);
  EXPECT_EQ((*parts)[2].connect_to, "");

  // A \set after statements keeps the lines of those after it (found by the migration_file fuzzer).
  auto set_inside = SplitPsqlScript("SELECT 1;\nCOPY t FROM stdin;\nx\n\\.\n\\set ON_ERROR_STOP on\nSELECT 2;\n");
  ASSERT_TRUE(set_inside.ok()) << set_inside.status();
  ASSERT_EQ(set_inside->size(), 1u);
  EXPECT_EQ((*set_inside)[0].first_line, 1);
  auto set_statements = SplitSql((*set_inside)[0].sql, (*set_inside)[0].first_line);
  ASSERT_TRUE(set_statements.ok()) << set_statements.status();
  ASSERT_EQ(set_statements->size(), 3u);
  EXPECT_EQ((*set_statements)[0].line, 1);
  EXPECT_EQ((*set_statements)[1].line, 2);
  EXPECT_EQ((*set_statements)[2].line, 6);

  auto plain = SplitPsqlScript("SELECT 1;\n");
  ASSERT_TRUE(plain.ok());
  ASSERT_EQ(plain->size(), 1u);
  EXPECT_EQ((*plain)[0].sql, "SELECT 1;\n");

  for (const char* bad : {"SELECT 1;\n\\i other.sql\n", "\\gexec\n", "\\set ON_ERROR_STOP off\n", "\\set foo bar\n",
                          "\\c\n", "\\c db user host\n"}) {
    auto r = SplitPsqlScript(bad);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(r.status().message()), ::testing::HasSubstr("line ")) << bad;
  }
  EXPECT_THAT(std::string(SplitPsqlScript("SELECT 1;\n\\i x.sql\n").status().message()),
              ::testing::HasSubstr("line 2: psql's \\i is not supported here"));
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
