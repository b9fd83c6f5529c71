// tests/integration/init_scripts_test.cc — /docker-entrypoint-initdb.d scripts run by our own client
// on a real PostgreSQL 15 (entrypoint/init_scripts.h): psql-grade statements, COPY data, *.sql.gz,
// and ON_ERROR_STOP: the first error stops the script and names its file and line.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/env.h"
#include "common/target.h"
#include "entrypoint/init_scripts.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/gzip_for_tests.h"
#include "tests/integration/harness.h"

namespace noshell::testing {
namespace {

using ::testing::HasSubstr;


class InitScriptsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pg_ = new PgServer(); }
  static void TearDownTestSuite() { delete pg_; }
  void SetUp() override {
    db_ = absl::StrCat("init", counter_++);
    pg_->Psql(absl::StrCat("CREATE DATABASE ", db_), "postgres");
    absl::StatusOr<Target> target = ParseTarget(pg_->Url(db_) + "?sslmode=disable", MapEnv{});
    ASSERT_TRUE(target.ok()) << target.status();
    absl::StatusOr<std::unique_ptr<Database>> db = Database::Connect(*target, absl::Now() + absl::Seconds(10));
    ASSERT_TRUE(db.ok()) << db.status();
    session_ = *std::move(db);
  }
  // Lists `dir` and runs every script, as a first start does; the first failure ends it.
  absl::Status RunAll(const std::string& dir, const ConnectTo& connect = nullptr) {
    absl::StatusOr<std::vector<InitScript>> scripts = ListInitScripts(dir);
    if (!scripts.ok()) return scripts.status();
    for (const InitScript& s : *scripts) {
      if (s.kind == InitScriptKind::kOther) continue;
      absl::StatusOr<std::string> sql = ReadInitScript(s);
      if (!sql.ok()) return sql.status();
      if (absl::Status run = RunInitScript(session_.get(), s, *sql, connect); !run.ok()) return run;
    }
    return absl::OkStatus();
  }
  std::string Sql(const std::string& sql) { return pg_->Psql(sql, db_); }

  static PgServer* pg_;
  static inline int counter_ = 0;
  std::string db_;
  std::unique_ptr<Database> session_;
};
PgServer* InitScriptsTest::pg_ = nullptr;

TEST_F(InitScriptsTest, SqlAndGzippedScriptsRunInNameOrder) {
  TempDir dir;
  WriteFile(dir.Join("10-schema.sql"),
            "CREATE TABLE users (id int PRIMARY KEY, name text);\n"
            "CREATE FUNCTION greet(n text) RETURNS text LANGUAGE plpgsql AS $$\nBEGIN\n  RETURN 'hi ' || n; -- ; inside\nEND\n$$;\n");
  WriteFile(dir.Join("20-data.sql.gz"), GzipForTests("COPY users (id, name) FROM stdin;\n1\tada\n2\tO'Brien\n\\.\nINSERT INTO users VALUES (3, greet('x'));\n"));
  WriteFile(dir.Join("30-notes.txt"), "not SQL: skipped");
  ASSERT_TRUE(RunAll(dir.path()).ok());
  EXPECT_EQ(Sql("SELECT string_agg(id || ':' || name, ',' ORDER BY id) FROM users"), "1:ada,2:O'Brien,3:hi x");
}

// The psql meta-commands init scripts use: \set ON_ERROR_STOP, and \connect to a database the
// script made, for the rest of that file only; the next file starts in the first database again.
// COPY data whose lines start with a backslash stays data.
TEST_F(InitScriptsTest, ConnectSwitchesDatabaseForTheRestOfTheFile) {
  TempDir dir;
  const std::string other = db_ + "_other";
  WriteFile(dir.Join("10-two-dbs.sql"), absl::StrCat("\\set ON_ERROR_STOP on\nCREATE DATABASE ", other,
                                                     ";\n\\connect ", other, "\nCREATE TABLE here (v text);\n"
                                                     "COPY here FROM stdin;\n\\N\n\\connect nowhere\n\\.\n"
                                                     "INSERT INTO here VALUES (current_database());\n"));
  WriteFile(dir.Join("20-back.sql"), "CREATE TABLE back_home (v text);\n");
  const ConnectTo connect = [&](const std::string& name) -> absl::StatusOr<std::unique_ptr<Database>> {
    absl::StatusOr<Target> target = ParseTarget(pg_->Url(name) + "?sslmode=disable", MapEnv{});
    if (!target.ok()) return target.status();
    return Database::Connect(*target, absl::Now() + absl::Seconds(10));
  };
  const absl::Status run = RunAll(dir.path(), connect);
  ASSERT_TRUE(run.ok()) << run;
  EXPECT_EQ(pg_->Psql("SELECT string_agg(coalesce(v, 'NULL'), ',' ORDER BY v NULLS FIRST) FROM here", other),
            absl::StrCat("NULL,connect nowhere,", other));  // COPY's text format reads \c as c
  EXPECT_EQ(Sql("SELECT to_regclass('back_home') IS NOT NULL AND to_regclass('here') IS NULL"), "t");
  // \connect to a database that does not exist is an error naming it.
  absl::Status missing = RunInitScript(session_.get(), InitScript{dir.Join("10-two-dbs.sql"), "10-two-dbs.sql", InitScriptKind::kSql},
                                       "\\c missing_db\nSELECT 1;\n", connect);
  EXPECT_THAT(std::string(missing.message()), HasSubstr("10-two-dbs.sql, \\connect missing_db: "));
  EXPECT_THAT(std::string(missing.message()), HasSubstr("does not exist"));
}

// ON_ERROR_STOP: the statement that fails is named by file and line; nothing after it runs.
TEST_F(InitScriptsTest, TheFirstErrorStopsAndNamesFileAndLine) {
  TempDir dir;
  WriteFile(dir.Join("10-a.sql"), "CREATE TABLE a (id int);\n\nINSERT INTO nowhere VALUES (1);\nCREATE TABLE after_error (id int);\n");
  WriteFile(dir.Join("20-b.sql"), "CREATE TABLE b (id int);\n");
  absl::Status s = RunAll(dir.path());
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted);
  EXPECT_THAT(std::string(s.message()), HasSubstr("10-a.sql, line 3: relation \"nowhere\" does not exist (SQLSTATE 42P01)"));
  EXPECT_EQ(Sql("SELECT to_regclass('a') IS NOT NULL AND to_regclass('after_error') IS NULL AND to_regclass('b') IS NULL"), "t");
}

TEST_F(InitScriptsTest, AShellScriptStopsEverythingBeforeAnythingRuns) {
  TempDir dir;
  WriteFile(dir.Join("10-a.sql"), "CREATE TABLE never (id int);\n");
  WriteFile(dir.Join("20-setup.sh"), "#!/bin/sh\npsql -c 'SELECT 1'\n");
  absl::Status s = RunAll(dir.path());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("20-setup.sh (a shell script: there is no shell to run it)"));
  EXPECT_EQ(Sql("SELECT to_regclass('never') IS NULL"), "t");
}

}  // namespace
}  // namespace noshell::testing
