// migrate against a real PostgreSQL 15: every format, concurrency, failures, locks and signals.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <thread>

#include <libpq-fe.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"

namespace noshell::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kFixtures = std::string(NOSHELL_TEST_SRC_DIR) + "/fixtures/migrations/";

class MigrateTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pg_ = new PgServer(); }
  static void TearDownTestSuite() { delete pg_; }
  void SetUp() override {
    db_ = absl::StrCat("m", counter_++);
    pg_->Psql("CREATE DATABASE " + db_, "postgres");
  }
  std::string Url() const { return pg_->Url(db_); }
  RunResult Migrate(const std::vector<std::string>& args, std::map<std::string, std::string> env = {}) {
    std::vector<std::string> argv = {BinaryPath("migrate")};
    argv.insert(argv.end(), args.begin(), args.end());
    RunOptions o;
    o.env = std::move(env);
    if (!o.env.count("DATABASE_URL_FILE")) o.env.emplace("DATABASE_URL", Url());
    return RunCommand(argv, o);
  }
  std::string Sql(const std::string& sql) { return pg_->Psql(sql, db_); }
  std::string History() {
    return Sql("SELECT string_agg(coalesce(version, 'R') || ':' || status || ':' || statements_done || '/' || "
               "statements_total, ' ' ORDER BY id) FROM noshell_migrations");
  }

  static PgServer* pg_;
  static int counter_;
  std::string db_;
};
PgServer* MigrateTest::pg_ = nullptr;
int MigrateTest::counter_ = 0;

TEST_F(MigrateTest, EveryFormatAppliesOnceAndThenHasNothingToDo) {
  for (const char* format : {"golang-migrate", "dbmate", "goose", "flyway"}) {
    SetUp();
    RunResult up = Migrate({"--dir=" + kFixtures + format, "up"});
    ASSERT_EQ(up.exit_code, 0) << format << "\n" << up.out << up.err;
    EXPECT_THAT(up.out, HasSubstr("applied ")) << format;
    EXPECT_EQ(Sql("SELECT count(*) FROM pg_index WHERE indexrelid = 'users_email_idx'::regclass AND indisvalid"), "1") << format;
    RunResult again = Migrate({"--dir=" + kFixtures + format, "up"});
    EXPECT_EQ(again.exit_code, 0) << format;
    EXPECT_THAT(again.out, HasSubstr("nothing-to-do")) << format;
    EXPECT_EQ(Migrate({"--dir=" + kFixtures + format, "validate"}).exit_code, 0) << format;
  }
}

TEST_F(MigrateTest, DataAndBodiesArriveIntact) {
  ASSERT_EQ(Migrate({"--dir=" + kFixtures + "dbmate", "up"}).exit_code, 0);
  EXPECT_EQ(Sql("SELECT string_agg(email, ',' ORDER BY id) FROM users"),
            "a@example.com,semi;colon@example.com,quote's@example.com");
  SetUp();
  ASSERT_EQ(Migrate({"--dir=" + kFixtures + "golang-migrate", "up"}).exit_code, 0);
  EXPECT_EQ(Sql("SELECT normalize_email('  A@B.C ')"), "a@b.c");
  EXPECT_EQ(Sql("SELECT user_count()"), "0");
  EXPECT_EQ(History(), "1:applied:1/1 2:applied:2/2 3:applied:1/1");
}

TEST_F(MigrateTest, EightConcurrentMigratorsApplyEachMigrationExactlyOnce) {
  TempDir dir;
  for (const auto& e : std::filesystem::directory_iterator(kFixtures + "golang-migrate")) {
    std::filesystem::copy_file(e.path(), dir.Join(e.path().filename().string()));
  }
  // A slow migration keeps the others waiting on the lock while CREATE INDEX CONCURRENTLY runs.
  WriteFile(dir.Join("4_slow.up.sql"), "SELECT pg_sleep(0.5);\nCREATE TABLE audit (id int);\n");
  WriteFile(dir.Join("5_index_audit.up.sql"), "CREATE INDEX CONCURRENTLY audit_id_idx ON audit (id);\n");
  std::vector<std::unique_ptr<Process>> procs;
  std::vector<std::string> logs;
  TempDir logdir;
  for (int i = 0; i < 8; ++i) {
    RunOptions o;
    o.env = {{"DATABASE_URL", Url()}};
    logs.push_back(logdir.Join(absl::StrCat("log", i)));
    procs.push_back(std::make_unique<Process>(std::vector<std::string>{BinaryPath("migrate"), "--dir=" + dir.path(), "up"}, o, logs.back()));
  }
  int applied_lines = 0;
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(procs[i]->Wait(), 0) << ReadFile(logs[i]);
    for (absl::string_view line : absl::StrSplit(ReadFile(logs[i]), '\n')) applied_lines += absl::StartsWith(line, "applied ");
  }
  EXPECT_EQ(applied_lines, 5);
  EXPECT_EQ(History(), "1:applied:1/1 2:applied:2/2 3:applied:1/1 4:applied:2/2 5:applied:1/1");
  EXPECT_EQ(Sql("SELECT count(*) FROM pg_index WHERE NOT indisvalid"), "0");
}

TEST_F(MigrateTest, FailedTransactionalMigrationLeavesNothingBehind) {
  TempDir dir;
  WriteFile(dir.Join("1_ok.up.sql"), "CREATE TABLE one (id int);\n");
  WriteFile(dir.Join("2_bad.up.sql"), "CREATE TABLE two (id int);\n\nINSERT INTO nowhere VALUES (1);\n");
  RunResult r = Migrate({"--dir=" + dir.path(), "up"});
  EXPECT_EQ(r.exit_code, 5) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("2 bad (" + dir.Join("2_bad.up.sql") + ", line 3): relation \"nowhere\" does not exist (SQLSTATE 42P01)"));
  EXPECT_EQ(Sql("SELECT to_regclass('two') IS NULL"), "t");
  EXPECT_EQ(History(), "1:applied:1/1");
  // Fixed file: the next run applies it.
  WriteFile(dir.Join("2_bad.up.sql"), "CREATE TABLE two (id int);\n");
  EXPECT_EQ(Migrate({"--dir=" + dir.path(), "up"}).exit_code, 0);
  EXPECT_EQ(History(), "1:applied:1/1 2:applied:1/1");
}

TEST_F(MigrateTest, NonTransactionalFailureIsRecordedAndBlocksLaterRuns) {
  TempDir dir;
  WriteFile(dir.Join("20240101000000_steps.sql"),
            "-- migrate:up transaction:false\nCREATE TABLE a (id int);\nCREATE TABLE a (id int);\nCREATE TABLE c (id int);\n");
  RunResult r = Migrate({"--dir=" + dir.path(), "up"});
  EXPECT_EQ(r.exit_code, 5) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("failed at statement 2 of 3 (line 3): relation \"a\" already exists (SQLSTATE 42P07)"));
  EXPECT_EQ(History(), "20240101000000:failed:1/3");
  EXPECT_EQ(Sql("SELECT to_regclass('a') IS NOT NULL AND to_regclass('c') IS NULL"), "t");
  RunResult blocked = Migrate({"--dir=" + dir.path(), "up"});
  EXPECT_EQ(blocked.exit_code, 5);
  EXPECT_THAT(blocked.err, HasSubstr("is failed after 1 of 3 statements"));
  RunResult status = Migrate({"--dir=" + dir.path(), "status"});
  EXPECT_EQ(status.exit_code, 6);
  EXPECT_THAT(status.out, HasSubstr("failed 20240101000000 steps (1 of 3 statements: statement 2 of 3"));
}

// The login runs while the folder is read. A wrong folder ends the run at once, with its own
// error, even when the login hangs (a server that never answers) or cannot succeed.
TEST_F(MigrateTest, AFolderErrorDoesNotWaitForTheLogin) {
  BlackHole silent;
  TempDir dir;
  WriteFile(dir.Join("1_a.up.sql"), "CREATE TABLE a (id int);\n");
  WriteFile(dir.Join("1_b.up.sql"), "CREATE TABLE b (id int);\n");
  for (const std::string& url : {absl::StrCat("postgres://app:pw@127.0.0.1:", silent.port(), "/app?sslmode=disable"),
                                 absl::StrCat("postgres://app:pw@127.0.0.1:", FreePort(), "/app?sslmode=disable")}) {
    RunResult r = Migrate({"--dir=" + dir.path(), "--wait=30s", "up"}, {{"DATABASE_URL", url}});
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_THAT(r.err, HasSubstr("version 1 is also used by " + dir.Join("1_a.up.sql")));
    EXPECT_THAT(r.err, Not(HasSubstr("waiting")));
    EXPECT_LT(r.elapsed, absl::Seconds(3)) << url;
  }
}

// The history is read with COPY's text format: tabs, newlines and backslashes in what it holds come
// back exactly as stored.
TEST_F(MigrateTest, HistoryTextComesBackExactly) {
  TempDir dir;
  WriteFile(dir.Join("20240101000001_back\\slash.sql"), "-- migrate:up\nSELECT 1;\n");
  WriteFile(dir.Join("20240101000002_raise.sql"),
            "-- migrate:up transaction:false\nDO $$BEGIN RAISE EXCEPTION E'one\\ntwo\\tthree \\\\ four'; END$$;\n");
  EXPECT_EQ(Migrate({"--dir=" + dir.path(), "up"}).exit_code, 5);
  EXPECT_EQ(Sql("SELECT description FROM noshell_migrations WHERE version = '20240101000001'"), "back\\slash");
  RunResult status = Migrate({"--dir=" + dir.path(), "--format=json", "status"});
  EXPECT_EQ(status.exit_code, 6) << status.out << status.err;
  EXPECT_THAT(status.out, HasSubstr("\"description\":\"back\\\\slash\",\"detail\":\"applied 20"));
  EXPECT_THAT(status.out, HasSubstr("one\\ntwo\\tthree \\\\ four (SQLSTATE P0001)"));
}

TEST_F(MigrateTest, FailedConcurrentIndexBuildReportsTheInvalidIndex) {
  TempDir dir;
  WriteFile(dir.Join("1_dups.up.sql"), "CREATE TABLE d (x int);\nINSERT INTO d VALUES (1), (1);\n");
  WriteFile(dir.Join("2_unique.up.sql"), "CREATE UNIQUE INDEX CONCURRENTLY d_x ON d (x);\n");
  RunResult r = Migrate({"--dir=" + dir.path(), "up"});
  EXPECT_EQ(r.exit_code, 5) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("failed at statement 1 of 1 (line 1): could not create unique index \"d_x\""));
  EXPECT_THAT(r.err, HasSubstr("INVALID indexes left behind: d_x"));
  EXPECT_EQ(History(), "1:applied:2/2 2:failed:0/1");
}

TEST_F(MigrateTest, LockTimeoutFiresAndTheRetrySucceeds) {
  Sql("CREATE TABLE busy (id int)");
  TempDir dir;
  WriteFile(dir.Join("1_alter.up.sql"), "ALTER TABLE busy ADD COLUMN note text;\n");
  PGconn* holder = PQconnectdb(absl::StrCat("host=", pg_->socket_dir(), " port=", pg_->port(), " user=app dbname=", db_).c_str());
  ASSERT_EQ(PQstatus(holder), CONNECTION_OK);
  PQclear(PQexec(holder, "BEGIN; LOCK TABLE busy IN ACCESS SHARE MODE"));
  std::thread release([holder] {
    absl::SleepFor(absl::Milliseconds(1500));
    PQclear(PQexec(holder, "COMMIT"));
  });
  RunResult r = Migrate({"--dir=" + dir.path(), "--lock-timeout=200ms", "--lock-retries=10", "up"});
  release.join();
  PQfinish(holder);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("retry 1 alter (lock_timeout (200ms) fired: canceling statement due to lock timeout; retry 1 of 10"));
  EXPECT_THAT(r.out, HasSubstr("applied 1 alter (transaction)"));
  EXPECT_EQ(Sql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'busy' AND column_name = 'note'"), "1");
}

TEST_F(MigrateTest, SigtermCancelsRollsBackAndUnlocks) {
  TempDir dir;
  WriteFile(dir.Join("1_slow.up.sql"), "CREATE TABLE slow (id int);\nSELECT pg_sleep(30);\n");
  TempDir logdir;
  RunOptions o;
  o.env = {{"DATABASE_URL", Url()}};
  Process p({BinaryPath("migrate"), "--dir=" + dir.path(), "up"}, o, logdir.Join("log"));
  // Wait until the migration is running on the server.
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (Sql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()") != "1" &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  absl::Time sent = absl::Now();
  p.Signal(SIGTERM);
  int code = p.Wait();
  absl::Duration took = absl::Now() - sent;
  EXPECT_EQ(code, 7) << ReadFile(logdir.Join("log"));
  EXPECT_LT(took, absl::Seconds(1));
  EXPECT_THAT(ReadFile(logdir.Join("log")), HasSubstr("interrupted"));
  EXPECT_EQ(Sql("SELECT to_regclass('slow') IS NULL"), "t");
  EXPECT_EQ(History(), "");
  EXPECT_EQ(Sql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"), "0");
  std::printf("SIGTERM to exit: %lld ms\n", static_cast<long long>(absl::ToInt64Milliseconds(took)));
}

TEST_F(MigrateTest, LockNotObtainedNamesTheHolder) {
  TempDir dir;
  WriteFile(dir.Join("1_a.up.sql"), "CREATE TABLE a (id int);\n");
  PGconn* holder = PQconnectdb(absl::StrCat("host=", pg_->socket_dir(), " port=", pg_->port(),
                                            " user=app application_name=other-migrator dbname=", db_).c_str());
  ASSERT_EQ(PQstatus(holder), CONNECTION_OK);
  PQclear(PQexec(holder, "SELECT pg_advisory_lock(1852797800, hashtext('public.noshell_migrations'))"));
  RunResult r = Migrate({"--dir=" + dir.path(), "--lock-wait=1s", "up"});
  PQfinish(holder);
  EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("migration lock not obtained within 1s: held by pid"));
  EXPECT_THAT(r.err, HasSubstr("application other-migrator"));
  EXPECT_EQ(Sql("SELECT to_regclass('a') IS NULL"), "t");
}

TEST_F(MigrateTest, ChangedFileIsDrift) {
  TempDir dir;
  WriteFile(dir.Join("1_a.up.sql"), "CREATE TABLE a (id int);\n");
  ASSERT_EQ(Migrate({"--dir=" + dir.path(), "up"}).exit_code, 0);
  // CRLF and a BOM are not a change...
  WriteFile(dir.Join("1_a.up.sql"), "\xEF\xBB\xBF" "CREATE TABLE a (id int);\r\n");
  EXPECT_EQ(Migrate({"--dir=" + dir.path(), "validate"}).exit_code, 0);
  // ...a different statement is.
  WriteFile(dir.Join("1_a.up.sql"), "CREATE TABLE a (id bigint);\n");
  RunResult v = Migrate({"--dir=" + dir.path(), "validate"});
  EXPECT_EQ(v.exit_code, 6);
  EXPECT_THAT(v.out, HasSubstr("changed: " + dir.Join("1_a.up.sql")));
  EXPECT_EQ(Migrate({"--dir=" + dir.path(), "up"}).exit_code, 6);
}

TEST_F(MigrateTest, BadInputChangesNothing) {
  TempDir dir;
  WriteFile(dir.Join("1_a.up.sql"), "CREATE TABLE a (id int);\n");
  WriteFile(dir.Join("notes.sql"), "SELECT 1;\n");
  RunResult r = Migrate({"--dir=" + dir.path(), "up"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr(dir.Join("notes.sql") + ": not a migration file name"));
  EXPECT_EQ(Sql("SELECT to_regclass('noshell_migrations') IS NULL AND to_regclass('a') IS NULL"), "t");
  EXPECT_EQ(Migrate({"--dir=" + dir.path(), "sideways"}).exit_code, 2);
  EXPECT_EQ(Migrate({"--dir=/nonexistent", "up"}).exit_code, 2);
}

TEST_F(MigrateTest, ConnectionProblemsAndSecrets) {
  TempDir dir;
  WriteFile(dir.Join("1_a.up.sql"), "CREATE TABLE a (id int);\n");
  const std::string secret = "Mig-S3cret-77x";
  RunResult wrong = Migrate({"--dir=" + dir.path(), "up"},
                            {{"DATABASE_URL", absl::StrCat("postgres://app:", secret, "@127.0.0.1:", pg_->port(), "/", db_)}});
  EXPECT_EQ(wrong.exit_code, 3);
  EXPECT_THAT(wrong.err, HasSubstr("password authentication failed"));
  EXPECT_THAT(wrong.out + wrong.err, Not(HasSubstr(secret)));
  RunResult down = Migrate({"--dir=" + dir.path(), "--wait=300ms", "up"},
                           {{"DATABASE_URL", absl::StrCat("postgres://app:", secret, "@127.0.0.1:", FreePort(), "/x")}});
  EXPECT_EQ(down.exit_code, 3);
  EXPECT_THAT(down.out + down.err, Not(HasSubstr(secret)));
  // The URL from a named variable, SQLAlchemy style, as the seed project's backend has it.
  RunResult named = Migrate({"--dir=" + dir.path(), "--database-url=env:REVIEWPOINT_DB_URL", "up"},
                            {{"REVIEWPOINT_DB_URL", absl::StrCat("postgresql+asyncpg://app:apppass@127.0.0.1:", pg_->port(), "/", db_)},
                             {"DATABASE_URL", "postgres://nobody@127.0.0.1:1/none"}});
  EXPECT_EQ(named.exit_code, 0) << named.out << named.err;
  // By default from DATABASE_URL_FILE, a mounted secret (Kubernetes, compose secrets).
  WriteFile(dir.Join("2_b.up.sql"), "CREATE TABLE b (id int);\n");
  WriteFile(dir.Join("url"), absl::StrCat("postgres://app:apppass@127.0.0.1:", pg_->port(), "/", db_, "\n"), 0600);
  RunResult from_file = Migrate({"--dir=" + dir.path(), "up"}, {{"DATABASE_URL_FILE", dir.Join("url")}});
  EXPECT_EQ(from_file.exit_code, 0) << from_file.out << from_file.err;
  EXPECT_THAT(History(), HasSubstr("2:applied"));
  RunResult both = Migrate({"--dir=" + dir.path(), "up"}, {{"DATABASE_URL_FILE", dir.Join("url")}, {"DATABASE_URL", "postgres://x@y/z"}});
  EXPECT_EQ(both.exit_code, 2) << both.out << both.err;
  EXPECT_THAT(both.err, HasSubstr("both DATABASE_URL and DATABASE_URL_FILE are set"));
}

// Taking over: the fixture is applied up to a version with migrate itself, then our history table
// is swapped for the other tool's (as that tool creates it): the schema is as the tool left it,
// and only its table records it. Re-running anything would fail on "already exists".
TEST_F(MigrateTest, TakesOverGolangMigrate) {
  ASSERT_EQ(Migrate({"--dir=" + kFixtures + "golang-migrate", "up", "2"}).exit_code, 0);
  Sql("DROP TABLE noshell_migrations; DROP TABLE IF EXISTS schema_migrations; CREATE TABLE IF NOT EXISTS schema_migrations (version bigint NOT NULL PRIMARY KEY, "
      "dirty boolean NOT NULL); INSERT INTO schema_migrations VALUES (2, false)");
  RunResult plan = Migrate({"--dir=" + kFixtures + "golang-migrate", "plan"});
  EXPECT_THAT(plan.out, HasSubstr("would-adopt (2 migrations recorded by golang-migrate in schema_migrations)"));
  EXPECT_THAT(plan.out, HasSubstr("would-apply 3 index users email"));
  EXPECT_THAT(plan.out, Not(HasSubstr("would-apply 1 ")));
  RunResult up = Migrate({"--dir=" + kFixtures + "golang-migrate", "up"});
  EXPECT_EQ(up.exit_code, 0) << up.out << up.err;
  EXPECT_THAT(up.out, HasSubstr("adopted (2 migrations recorded by golang-migrate in schema_migrations)"));
  EXPECT_EQ(Sql("SELECT string_agg(version || ':' || type, ' ' ORDER BY id) FROM noshell_migrations"),
            "1:adopted 2:adopted 3:versioned");
}

TEST_F(MigrateTest, DirtyGolangMigrateVersionNeedsAnOperator) {
  ASSERT_EQ(Migrate({"--dir=" + kFixtures + "golang-migrate", "up", "2"}).exit_code, 0);
  Sql("DROP TABLE noshell_migrations; DROP TABLE IF EXISTS schema_migrations; CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL); "
      "INSERT INTO schema_migrations VALUES (2, true)");
  RunResult up = Migrate({"--dir=" + kFixtures + "golang-migrate", "up"});
  EXPECT_EQ(up.exit_code, 5) << up.out << up.err;
  EXPECT_THAT(up.err, HasSubstr("golang-migrate left this version dirty"));
  RunResult repair = Migrate({"--dir=" + kFixtures + "golang-migrate", "repair", "2", "applied"});
  EXPECT_EQ(repair.exit_code, 0) << repair.out << repair.err;
  RunResult again = Migrate({"--dir=" + kFixtures + "golang-migrate", "up"});
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_THAT(again.out, HasSubstr("applied 3 index users email"));
}

TEST_F(MigrateTest, TakesOverARealDbmateDatabase) {
  const std::string dbmate = "/opt/noshell-peers/node_modules/@dbmate/linux-x64/bin/dbmate";
  ASSERT_EQ(access(dbmate.c_str(), X_OK), 0) << dbmate << " is missing: scripts/install-deps.sh installs it from npm";
  // dbmate sends each file as one query, so it cannot run the fixture's COPY FROM stdin seed
  // ("syntax error at or near ..."): its folder here seeds with INSERT instead.
  TempDir dir;
  for (const char* f : {"20240101000000_create_users.sql", "20240103000000_index_users_email.sql"}) {
    std::filesystem::copy_file(kFixtures + "dbmate/" + f, dir.Join(f));
  }
  WriteFile(dir.Join("20240102000000_seed_users.sql"),
            "-- migrate:up\nINSERT INTO users (email) VALUES ('a@example.com'), ('b@example.com'), ('c@example.com');\n"
            "-- migrate:down\nDELETE FROM users;\n");
  RunResult peer = RunCommand({dbmate, "--url", Url() + "?sslmode=disable", "--migrations-dir", dir.path(),
                               "--no-dump-schema", "up"});
  ASSERT_EQ(peer.exit_code, 0) << peer.out << peer.err;
  RunResult up = Migrate({"--dir=" + dir.path(), "up"});
  EXPECT_EQ(up.exit_code, 0) << up.out << up.err;
  EXPECT_THAT(up.out, HasSubstr("adopted (3 migrations recorded by dbmate in schema_migrations)"));
  EXPECT_THAT(up.out, HasSubstr("nothing-to-do"));
  EXPECT_EQ(Sql("SELECT count(*) FROM users"), "3");  // the seed ran once
  EXPECT_EQ(Migrate({"--dir=" + dir.path(), "validate"}).exit_code, 0);
}

// Issue 11.1: the folder's tool's own table is kept as that tool writes it, so folders that touch it
// work, and the tool itself, run afterwards, finds everything applied.
TEST_F(MigrateTest, KeepsTheToolsOwnTableSoTheToolCanTakeOverAgain) {
  const std::string dbmate = "/opt/noshell-peers/node_modules/@dbmate/linux-x64/bin/dbmate";
  ASSERT_EQ(access(dbmate.c_str(), X_OK), 0) << dbmate << " is missing: scripts/install-deps.sh installs it from npm";
  // dbmate: a folder that edits dbmate's table, then the real dbmate finds nothing to do.
  TempDir dm;
  WriteFile(dm.Join("20240101000000_create_users.sql"), "-- migrate:up\nCREATE TABLE users (id int);\n-- migrate:down\nDROP TABLE users;\n");
  WriteFile(dm.Join("20240102000000_forget_old.sql"),
            "-- migrate:up\nDELETE FROM public.schema_migrations WHERE version = '20230101000000';\n-- migrate:down\n\n");
  WriteFile(dm.Join("20240103000000_create_orders.sql"), "-- migrate:up\nCREATE TABLE orders (id int);\n-- migrate:down\nDROP TABLE orders;\n");
  RunResult up = Migrate({"--dir=" + dm.path(), "up"});
  ASSERT_EQ(up.exit_code, 0) << up.out << up.err;
  EXPECT_EQ(Sql("SELECT string_agg(version, ' ' ORDER BY version) FROM schema_migrations"), "20240101000000 20240102000000 20240103000000");
  RunResult status = RunCommand({dbmate, "--url", Url() + "?sslmode=disable", "--migrations-dir", dm.path(), "--no-dump-schema",
                                 "status", "--exit-code"});
  EXPECT_EQ(status.exit_code, 0) << status.out << status.err;  // dbmate: nothing pending
  RunResult peer_up = RunCommand({dbmate, "--url", Url() + "?sslmode=disable", "--migrations-dir", dm.path(), "--no-dump-schema", "up"});
  EXPECT_EQ(peer_up.exit_code, 0) << peer_up.out << peer_up.err;
  EXPECT_THAT(peer_up.out + peer_up.err, Not(HasSubstr("Applying")));
  ASSERT_EQ(Migrate({"--dir=" + dm.path(), "down"}).exit_code, 0);
  EXPECT_EQ(Sql("SELECT string_agg(version, ' ' ORDER BY version) FROM schema_migrations"), "20240101000000 20240102000000");

  // golang-migrate: a migration that alters golang-migrate's table works on a fresh database; its
  // one row follows every up and down.
  SetUp();
  TempDir gm;
  WriteFile(gm.Join("1_users.up.sql"), "CREATE TABLE users (id int);\n");
  WriteFile(gm.Join("1_users.down.sql"), "DROP TABLE users;\n");
  WriteFile(gm.Join("2_data_version.up.sql"), "ALTER TABLE schema_migrations ADD COLUMN data_version int;\n");
  WriteFile(gm.Join("2_data_version.down.sql"), "ALTER TABLE schema_migrations DROP COLUMN data_version;\n");
  WriteFile(gm.Join("3_index.up.sql"), "CREATE INDEX CONCURRENTLY users_id ON users (id);\n");
  WriteFile(gm.Join("3_index.down.sql"), "DROP INDEX users_id;\n");
  RunResult golang = Migrate({"--dir=" + gm.path(), "up"});
  ASSERT_EQ(golang.exit_code, 0) << golang.out << golang.err;
  EXPECT_EQ(Sql("SELECT version || ':' || dirty FROM schema_migrations"), "3:false");
  ASSERT_EQ(Migrate({"--dir=" + gm.path(), "down"}).exit_code, 0);
  EXPECT_EQ(Sql("SELECT version || ':' || dirty FROM schema_migrations"), "2:false");
  // A non-transactional file that fails leaves the version dirty, as golang-migrate would.
  WriteFile(gm.Join("3_index.up.sql"), "CREATE INDEX CONCURRENTLY users_id ON nosuch (id);\n");
  EXPECT_EQ(Migrate({"--dir=" + gm.path(), "up"}).exit_code, 5);
  EXPECT_EQ(Sql("SELECT version || ':' || dirty FROM schema_migrations"), "3:true");

  // goose: its version-0 row, then a row per migration; a down removes the row, as goose v3 does.
  SetUp();
  ASSERT_EQ(Migrate({"--dir=" + kFixtures + "goose", "up"}).exit_code, 0);
  EXPECT_EQ(Sql("SELECT string_agg(version_id || ':' || is_applied, ' ' ORDER BY id) FROM goose_db_version"),
            "0:true 1:true 2:true 3:true");
  ASSERT_EQ(Migrate({"--dir=" + kFixtures + "goose", "down"}).exit_code, 0);
  EXPECT_EQ(Sql("SELECT string_agg(version_id::text, ' ' ORDER BY id) FROM goose_db_version"), "0 1 2");

  // Flyway: installed_rank, version, description, type, script, Flyway's checksum, success.
  SetUp();
  ASSERT_EQ(Migrate({"--dir=" + kFixtures + "flyway", "up"}).exit_code, 0);
  EXPECT_EQ(Sql("SELECT string_agg(concat_ws('|', installed_rank, coalesce(version, 'NULL'), description, type, script, checksum, "
                "success, installed_by = current_user), ' ' ORDER BY installed_rank) FROM flyway_schema_history"),
            "1|1|create users|SQL|V1__create_users.sql|2069122789|t|t "
            "2|1.1|add display name|SQL|V1_1__add_display_name.sql|1713241727|t|t "
            "3|2|backfill|SQL|sub/V2__backfill.sql|-626949460|t|t "
            "4|3|index users email|SQL|V3__index_users_email.sql|-328777415|t|t "
            "5|NULL|user emails|SQL|R__user_emails.sql|1666975027|t|t");

  // Our table keeps its own name: under the tool's, it would be read as the tool's.
  RunResult clash = Migrate({"--dir=" + kFixtures + "golang-migrate", "--table=schema_migrations", "up"});
  EXPECT_EQ(clash.exit_code, 2);
  EXPECT_THAT(clash.err, HasSubstr("--table=schema_migrations is golang-migrate's own history table"));
  // --mirror=false: only our table.
  SetUp();
  ASSERT_EQ(Migrate({"--dir=" + kFixtures + "goose", "--mirror=false", "up"}).exit_code, 0);
  EXPECT_EQ(Sql("SELECT to_regclass('goose_db_version') IS NULL"), "t");
}

// flyway_schema_history rows as Flyway 9 writes them for the fixture's V1, V1.1 and V2, with the
// checksums Flyway computes for those files (its ChecksumCalculator, run in Java on them).
const std::string kFlywayRows =
    "(1, '1', 'create users', 'SQL', 'V1__create_users.sql', 2069122789, 'app', now(), 5, true), "
    "(2, '1.1', 'add display name', 'SQL', 'V1_1__add_display_name.sql', 1713241727, 'app', now(), 5, true), "
    "(3, '2', 'backfill', 'SQL', 'sub/V2__backfill.sql', -626949460, 'app', now(), 5, true)";
const std::string kFlywayTable =
    "DROP TABLE IF EXISTS flyway_schema_history; CREATE TABLE flyway_schema_history (installed_rank INT NOT NULL PRIMARY KEY, version VARCHAR(50), "
    "description VARCHAR(200) NOT NULL, type VARCHAR(20) NOT NULL, script VARCHAR(1000) NOT NULL, checksum INTEGER, "
    "installed_by VARCHAR(100) NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT now(), execution_time INTEGER NOT NULL, "
    "success BOOLEAN NOT NULL); ";

TEST_F(MigrateTest, TakesOverGooseAndFlyway) {
  ASSERT_EQ(Migrate({"--dir=" + kFixtures + "goose", "up", "00002"}).exit_code, 0);
  Sql("DROP TABLE noshell_migrations; DROP TABLE IF EXISTS goose_db_version; CREATE TABLE goose_db_version (id serial NOT NULL, version_id bigint NOT NULL, "
      "is_applied boolean NOT NULL, tstamp timestamp NULL default now(), PRIMARY KEY(id)); "
      "INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, true), (1, true), (2, true), (3, true), (3, false)");
  RunResult goose = Migrate({"--dir=" + kFixtures + "goose", "up"});
  EXPECT_EQ(goose.exit_code, 0) << goose.out << goose.err;
  EXPECT_THAT(goose.out, HasSubstr("adopted (2 migrations recorded by goose in goose_db_version)"));
  EXPECT_THAT(goose.out, HasSubstr("applied 00003 index users email"));

  SetUp();
  ASSERT_EQ(Migrate({"--dir=" + kFixtures + "flyway", "up", "2"}).exit_code, 0);
  Sql("DROP TABLE noshell_migrations; " + kFlywayTable + "INSERT INTO flyway_schema_history VALUES " + kFlywayRows);
  RunResult flyway = Migrate({"--dir=" + kFixtures + "flyway", "up"});
  EXPECT_EQ(flyway.exit_code, 0) << flyway.out << flyway.err;
  EXPECT_THAT(flyway.out, HasSubstr("adopted (3 migrations recorded by flyway in flyway_schema_history)"));
  EXPECT_THAT(flyway.out, HasSubstr("applied 3 index users email"));
  EXPECT_THAT(flyway.out, HasSubstr("applied user emails"));
}

// Issue 11.2: Flyway's checksums on takeover, as Flyway's validate-on-migrate compares them.
TEST_F(MigrateTest, FlywayTakeoverComparesFlywaysChecksums) {
  // Flyway ran V1, V1.1, V2 and the repeatable view, the view at an older version of its file.
  TempDir dir;
  std::filesystem::copy(kFixtures + "flyway", dir.path(), std::filesystem::copy_options::recursive);
  ASSERT_EQ(Migrate({"--dir=" + dir.path(), "up", "2"}).exit_code, 0);
  Sql("DROP VIEW user_emails; CREATE VIEW user_emails AS SELECT id FROM users");  // what the old R file made
  Sql("DROP TABLE noshell_migrations; " + kFlywayTable + "INSERT INTO flyway_schema_history VALUES " + kFlywayRows +
      ", (4, NULL, 'user emails', 'SQL', 'R__user_emails.sql', 12345, 'app', now(), 5, true)");
  // A versioned file edited since Flyway applied it is drift, found before anything runs.
  TempDir edited;
  std::filesystem::copy(dir.path(), edited.path(), std::filesystem::copy_options::recursive);
  WriteFile(edited.Join("V1_1__add_display_name.sql"), ReadFile(edited.Join("V1_1__add_display_name.sql")) + "-- reviewed\n");
  RunResult drift = Migrate({"--dir=" + edited.path(), "up"});
  EXPECT_EQ(drift.exit_code, 6) << drift.out << drift.err;
  EXPECT_THAT(drift.err, HasSubstr("V1_1__add_display_name.sql (version 1.1)"));
  EXPECT_EQ(Sql("SELECT to_regclass('users_email_idx') IS NULL"), "t");  // V3 did not run
  EXPECT_EQ(Sql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'user_emails'"), "1");
  EXPECT_EQ(Migrate({"--dir=" + edited.path(), "validate"}).exit_code, 6);
  // With the files as Flyway saw them: V3 runs, and the repeatable changed since its last run runs again.
  Sql("DROP TABLE noshell_migrations");
  RunResult up = Migrate({"--dir=" + dir.path(), "up"});
  EXPECT_EQ(up.exit_code, 0) << up.out << up.err;
  EXPECT_THAT(up.out, HasSubstr("applied 3 index users email"));
  EXPECT_THAT(up.out, HasSubstr("applied user emails"));
  EXPECT_EQ(Sql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'user_emails'"), "2");
  EXPECT_THAT(Migrate({"--dir=" + dir.path(), "up"}).out, HasSubstr("nothing-to-do"));
  // Flyway's table now records V3 and the repeatable's new run, as Flyway would have (the mirror):
  // taken over again from it alone, nothing runs.
  EXPECT_EQ(Sql("SELECT string_agg(installed_rank || ':' || coalesce(version, 'R') || ':' || checksum, ' ' ORDER BY installed_rank) "
                "FROM flyway_schema_history WHERE installed_rank > 4"),
            "5:3:-328777415 6:R:1666975027");
  Sql("DROP TABLE noshell_migrations");
  RunResult again = Migrate({"--dir=" + dir.path(), "up"});
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_THAT(again.out, HasSubstr("nothing-to-do"));
  EXPECT_THAT(again.out, Not(HasSubstr("applied user emails")));
}

// Issue 11.4: goose files without a Down, adopted rows in status, a doubled extension, and a
// stdout closed by `| head`.
TEST_F(MigrateTest, GooseDownsStatusOfAdoptedRowsAndAClosedStdout) {
  TempDir dir;
  std::filesystem::copy(kFixtures + "goose", dir.path());
  WriteFile(dir.Join("00004_add_notes.sql.sql"), "-- +goose Up\nALTER TABLE users ADD COLUMN notes text;\n");
  ASSERT_EQ(Migrate({"--dir=" + dir.path(), "up"}).exit_code, 0);
  RunResult down = Migrate({"--dir=" + dir.path(), "down"});
  EXPECT_EQ(down.exit_code, 0) << down.out << down.err;
  EXPECT_THAT(down.out, HasSubstr("reverted 00004 add notes"));  // no ".sql" in the description
  EXPECT_EQ(Sql("SELECT count(*) FROM noshell_migrations WHERE version = '00004'"), "0");

  // Rows another tool recorded, before they are ours, say whose they are.
  Sql("DROP TABLE noshell_migrations; DROP TABLE IF EXISTS goose_db_version; CREATE TABLE goose_db_version (id serial NOT NULL, version_id bigint NOT NULL, "
      "is_applied boolean NOT NULL, tstamp timestamp NULL default now(), PRIMARY KEY(id)); "
      "INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, true), (1, true), (2, true), (3, true)");
  RunResult status = Migrate({"--dir=" + dir.path(), "status"});
  EXPECT_EQ(status.exit_code, 0) << status.out << status.err;
  EXPECT_THAT(status.out, HasSubstr("applied 00001 create users (recorded by goose (goose_db_version))"));
  EXPECT_THAT(status.out, HasSubstr("pending 00004 add notes"));
  EXPECT_THAT(status.out, Not(HasSubstr("(applied )")));

  // `migrate up | head -1`: the reader goes away after one line; the work is finished regardless.
  Sql("ALTER TABLE users DROP COLUMN notes");  // the empty down left it, as goose's would
  for (int i = 5; i < 45; ++i) WriteFile(dir.Join(absl::StrCat("000", i, "_t", i, ".sql")), absl::StrCat("-- +goose Up\nCREATE TABLE t", i, " (id int);\n"));
  RunOptions o;
  o.env = {{"DATABASE_URL", Url()}, {"PATH", "/usr/bin:/bin"}};
  RunResult piped = RunCommand({"/bin/bash", "-c", absl::StrCat(BinaryPath("migrate"), " --dir=", dir.path(),
                                                                " up | head -1; exit ${PIPESTATUS[0]}")}, o);
  EXPECT_EQ(piped.exit_code, 0) << piped.out << piped.err;
  EXPECT_EQ(Sql("SELECT count(*) FROM noshell_migrations WHERE status = 'applied'"), "44");
}

// Issue 11.4: goose migrations written in Go are in the order and the history, never skipped.
TEST_F(MigrateTest, GooseGoMigrationsAreRefusedByNameThenRecorded) {
  TempDir dir;
  std::filesystem::copy(kFixtures + "goose", dir.path());
  WriteFile(dir.Join("00004_seed_users.go"), "package migrations\n");
  WriteFile(dir.Join("00004_seed_users_test.go"), "package migrations\n");  // goose's tests: not migrations
  WriteFile(dir.Join("main.go"), "package main\n");
  WriteFile(dir.Join("00005_add_notes.sql"), "-- +goose Up\nALTER TABLE users ADD COLUMN notes text;\n");
  RunResult up = Migrate({"--dir=" + dir.path(), "up"});
  EXPECT_EQ(up.exit_code, 2) << up.out << up.err;
  EXPECT_THAT(up.err, HasSubstr("00004_seed_users.go (version 00004)"));
  EXPECT_THAT(up.err, HasSubstr("`migrate repair VERSION applied`"));
  EXPECT_EQ(Sql("SELECT to_regclass('users') IS NULL"), "t");  // nothing applied, not even 00001-00003
  RunResult plan = Migrate({"--dir=" + dir.path(), "plan"});
  EXPECT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_THAT(plan.out, HasSubstr("would-apply 00004 seed users (a Go migration: only goose can run it"));
  // What comes before it applies; goose runs it; repair records it; the rest follows.
  EXPECT_EQ(Migrate({"--dir=" + dir.path(), "up", "00003"}).exit_code, 0);
  RunResult repaired = Migrate({"--dir=" + dir.path(), "repair", "00004", "applied"});
  EXPECT_EQ(repaired.exit_code, 0) << repaired.out << repaired.err;
  EXPECT_THAT(repaired.out, HasSubstr("repaired 00004 seed users"));
  RunResult rest = Migrate({"--dir=" + dir.path(), "up"});
  EXPECT_EQ(rest.exit_code, 0) << rest.out << rest.err;
  EXPECT_THAT(rest.out, HasSubstr("applied 00005 add notes"));
  EXPECT_EQ(Migrate({"--dir=" + dir.path(), "validate"}).exit_code, 0);
  // goose's own table follows, the repaired Go migration included.
  EXPECT_EQ(Sql("SELECT string_agg(version_id::text, ' ' ORDER BY id) FROM goose_db_version"), "0 1 2 3 4 5");
  RunResult down = Migrate({"--dir=" + dir.path(), "down", "2"});
  EXPECT_EQ(down.exit_code, 2);
  EXPECT_THAT(down.err, HasSubstr("00004_seed_users.go (version 00004) is a Go migration: only goose can revert it"));

  // Taking over a goose database whose history holds the Go migration: applied, not missing.
  Sql("DROP TABLE noshell_migrations; DROP TABLE IF EXISTS goose_db_version; CREATE TABLE goose_db_version (id serial NOT NULL, version_id bigint NOT NULL, "
      "is_applied boolean NOT NULL, tstamp timestamp NULL default now(), PRIMARY KEY(id)); "
      "INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, true), (1, true), (2, true), (3, true), (4, true), "
      "(5, true)");
  RunResult status = Migrate({"--dir=" + dir.path(), "status"});
  EXPECT_EQ(status.exit_code, 0) << status.out << status.err;
  EXPECT_THAT(status.out, HasSubstr("applied 00004 seed users"));
  EXPECT_THAT(status.out, Not(HasSubstr("missing")));
  EXPECT_THAT(Migrate({"--dir=" + dir.path(), "up"}).out, HasSubstr("nothing-to-do"));
}

// Issue 11.3: what a non-transactional file does to its own session (its own transaction block,
// SET ROLE, search_path, timeouts) neither breaks the bookkeeping nor is changed by it.
TEST_F(MigrateTest, BookkeepingSurvivesWhatAFileDoesToItsSession) {
  Sql("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'lowpriv') THEN CREATE ROLE lowpriv; END IF; END $$; "
      "GRANT lowpriv TO CURRENT_USER");
  TempDir dir;
  WriteFile(dir.Join("1_t.sql"), "-- migrate:up transaction:false\nCREATE TABLE t (id int);\n"
                                 "BEGIN;\nSET TRANSACTION ISOLATION LEVEL SERIALIZABLE;\nINSERT INTO t VALUES (1);\nCOMMIT;\n");
  WriteFile(dir.Join("2_role.sql"), "-- migrate:up transaction:false\nSET ROLE lowpriv;\nSELECT current_user;\nRESET ROLE;\n"
                                    "SET SESSION AUTHORIZATION DEFAULT;\n");
  WriteFile(dir.Join("3_paths.sql"), "-- migrate:up transaction:false\nSELECT set_config('search_path', '', false);\n"
                                     "SET statement_timeout = 0;\nCREATE TABLE public.u (id int);\n");
  WriteFile(dir.Join("4_after.sql"), "-- migrate:up\nCREATE TABLE public.v (id int);\n");
  RunResult up = Migrate({"--dir=" + dir.path(), "up"});
  EXPECT_EQ(up.exit_code, 0) << up.out << up.err;
  EXPECT_EQ(History(), "1:applied:5/5 2:applied:4/4 3:applied:3/3 4:applied:1/1");
  EXPECT_EQ(Sql("SELECT count(*) FROM t"), "1");

  // A failure inside the file's own block: the block is rolled back, the record says so and only
  // what committed counts; the lock is released.
  WriteFile(dir.Join("5_fails.sql"), "-- migrate:up transaction:false\nCREATE TABLE w (id int);\n"
                                     "BEGIN;\nINSERT INTO t VALUES (2);\nINSERT INTO nosuch VALUES (1);\nCOMMIT;\n");
  RunResult failed = Migrate({"--dir=" + dir.path(), "up"});
  EXPECT_EQ(failed.exit_code, 5) << failed.out << failed.err;
  EXPECT_THAT(failed.err, HasSubstr("statement 4 of 5"));
  EXPECT_THAT(failed.err, HasSubstr("statements 2-3 ran inside the file's own transaction block and were rolled back"));
  EXPECT_THAT(failed.err, HasSubstr("statement 1 is applied and recorded"));
  EXPECT_EQ(History(), "1:applied:5/5 2:applied:4/4 3:applied:3/3 4:applied:1/1 5:failed:1/5");
  EXPECT_THAT(Sql("SELECT error FROM noshell_migrations WHERE version = '5'"), HasSubstr("relation \"nosuch\" does not exist"));
  EXPECT_EQ(Sql("SELECT count(*) FROM t"), "1");
  EXPECT_EQ(Sql("SELECT to_regclass('w') IS NOT NULL"), "t");
  EXPECT_EQ(Sql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"), "0");

  // A file that opens a block and never commits it: rolled back, on record, as psql would leave it.
  TempDir open;
  WriteFile(open.Join("1_open.sql"), "-- migrate:up transaction:false\nCREATE TABLE x (id int);\nBEGIN;\nCREATE TABLE y (id int);\n");
  SetUp();  // a fresh database
  Sql("CREATE SCHEMA other");
  RunResult unterminated = Migrate({"--dir=" + open.path(), "--schema=other", "up"});
  EXPECT_EQ(unterminated.exit_code, 5) << unterminated.out << unterminated.err;
  EXPECT_THAT(unterminated.err, HasSubstr("ends inside a transaction block it opened"));
  EXPECT_EQ(Sql("SELECT status || ':' || statements_done FROM other.noshell_migrations"), "failed:1");
  EXPECT_EQ(Sql("SELECT to_regclass('y') IS NULL"), "t");
}

TEST_F(MigrateTest, DownBaselineRepairAndNew) {
  ASSERT_EQ(Migrate({"--dir=" + kFixtures + "golang-migrate", "up"}).exit_code, 0);
  RunResult one = Migrate({"--dir=" + kFixtures + "golang-migrate", "down"});
  EXPECT_EQ(one.exit_code, 0) << one.out << one.err;
  EXPECT_THAT(one.out, HasSubstr("reverted 3 index users email"));
  EXPECT_EQ(Sql("SELECT to_regclass('users_email_idx') IS NULL"), "t");
  RunResult rest = Migrate({"--dir=" + kFixtures + "golang-migrate", "down", "5"});
  EXPECT_EQ(rest.exit_code, 0) << rest.out << rest.err;
  EXPECT_EQ(Sql("SELECT to_regclass('users') IS NULL"), "t");
  EXPECT_EQ(History(), "");
  EXPECT_EQ(Migrate({"--dir=" + kFixtures + "golang-migrate", "up"}).exit_code, 0);
  RunResult no_down = Migrate({"--dir=" + kFixtures + "flyway", "down"});
  EXPECT_EQ(no_down.exit_code, 2);
  EXPECT_THAT(no_down.err, HasSubstr("V3__index_users_email.sql: version 3 has no down part"));

  SetUp();
  TempDir dir;
  WriteFile(dir.Join("1_a.up.sql"), "CREATE TABLE a (id int);\n");
  WriteFile(dir.Join("2_b.up.sql"), "CREATE TABLE b (id int);\n");
  WriteFile(dir.Join("3_c.up.sql"), "BEGIN;\nCREATE TABLE c (id int);\nCOMMIT;\n");
  Sql("CREATE TABLE a (id int); CREATE TABLE b (id int)");  // an existing database
  RunResult baseline = Migrate({"--dir=" + dir.path(), "baseline", "2"});
  EXPECT_EQ(baseline.exit_code, 0) << baseline.out << baseline.err;
  EXPECT_THAT(baseline.out, HasSubstr("baselined 2 b"));
  EXPECT_EQ(Sql("SELECT version || ':' || dirty FROM schema_migrations"), "2:false");  // golang-migrate's row follows
  RunResult up = Migrate({"--dir=" + dir.path(), "up"});
  EXPECT_EQ(up.exit_code, 0) << up.out << up.err;  // 3 wraps itself in BEGIN/COMMIT: ours replaces it
  EXPECT_EQ(History(), "1:applied:0/0 2:applied:0/0 3:applied:1/1");

  WriteFile(dir.Join("4_d.up.sql"), "CREATE INDEX CONCURRENTLY a_id ON a (id);\nCREATE TABLE a (id int);\n");
  EXPECT_EQ(Migrate({"--dir=" + dir.path(), "up"}).exit_code, 5);
  EXPECT_EQ(Sql("SELECT version || ':' || dirty FROM schema_migrations"), "4:true");
  EXPECT_EQ(Migrate({"--dir=" + dir.path(), "repair", "9", "applied"}).exit_code, 2);
  RunResult repair = Migrate({"--dir=" + dir.path(), "repair", "4", "applied"});
  EXPECT_EQ(repair.exit_code, 0) << repair.out << repair.err;
  EXPECT_EQ(Sql("SELECT version || ':' || dirty FROM schema_migrations"), "4:false");
  EXPECT_EQ(Migrate({"--dir=" + dir.path(), "up"}).exit_code, 0);

  RunResult made = Migrate({"--dir=" + kFixtures + "../../nonexistent-new", "--source-format=dbmate", "new", "Add Orders!"});
  EXPECT_EQ(made.exit_code, 0) << made.err;
  std::string path(absl::StripTrailingAsciiWhitespace(made.out));
  EXPECT_THAT(path, ::testing::MatchesRegex(".*/[0-9]{14}_add_orders_\\.sql"));
  EXPECT_EQ(ReadFile(path), "-- migrate:up\n\n\n-- migrate:down\n\n");
  std::filesystem::remove_all(std::filesystem::path(path).parent_path());
}

TEST_F(MigrateTest, PlaceholdersOnlyWhenAskedAndMissingOnesAreErrors) {
  TempDir dir;
  WriteFile(dir.Join("1_role.up.sql"),
            "CREATE TABLE settings (k text, v text);\nINSERT INTO settings VALUES ('owner', '${APP_OWNER}'), ('pw', '${APP_PW}');\n");
  WriteFile(dir.Join("pw"), "Ph-S3cret-991\n");
  // Off by default: the text goes in as written.
  ASSERT_EQ(Migrate({"--dir=" + dir.path(), "up"}).exit_code, 0);
  EXPECT_EQ(Sql("SELECT v FROM settings WHERE k = 'owner'"), "${APP_OWNER}");
  SetUp();
  RunResult missing = Migrate({"--dir=" + dir.path(), "--placeholders", "up"}, {{"APP_PW_FILE", dir.Join("pw")}});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("1_role.up.sql: line 2: placeholder ${APP_OWNER} but APP_OWNER is not set"));
  EXPECT_EQ(Sql("SELECT to_regclass('settings') IS NULL"), "t");
  RunResult ok = Migrate({"--dir=" + dir.path(), "--placeholders", "up"}, {{"APP_OWNER", "alice"}, {"APP_PW_FILE", dir.Join("pw")}});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(Sql("SELECT string_agg(v, ',' ORDER BY k) FROM settings"), "alice,Ph-S3cret-991");
  // The values are not the file: no drift, and the secret never shows.
  RunResult validate = Migrate({"--dir=" + dir.path(), "--placeholders", "validate"}, {{"APP_OWNER", "bob"}, {"APP_PW_FILE", dir.Join("pw")}});
  EXPECT_EQ(validate.exit_code, 0);
  EXPECT_THAT(ok.out + ok.err + validate.out + validate.err, Not(HasSubstr("Ph-S3cret-991")));
}

TEST_F(MigrateTest, KillNineLeavesATruthfulStateAndTheNextRunFinishes) {
  TempDir dir;
  WriteFile(dir.Join("1_tx.up.sql"), "CREATE TABLE t1 (id int);\nSELECT pg_sleep(1.5);\n");
  TempDir logdir;
  RunOptions o;
  o.env = {{"DATABASE_URL", Url()}};
  auto wait_for_sleep = [&] {
    absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (Sql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(1.5)%' AND pid <> pg_backend_pid()") == "0" &&
           absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(10));
    }
  };
  {
    Process p({BinaryPath("migrate"), "--dir=" + dir.path(), "up"}, o, logdir.Join("log1"));
    wait_for_sleep();
    p.Signal(SIGKILL);
    EXPECT_EQ(p.Wait(), 128 + SIGKILL);
  }
  // The transaction died with its session: nothing recorded, nothing applied; the next run (which
  // waits for the dead session's lock to go) applies it.
  RunResult next = Migrate({"--dir=" + dir.path(), "up"});
  EXPECT_EQ(next.exit_code, 0) << next.out << next.err;
  EXPECT_EQ(History(), "1:applied:2/2");

  WriteFile(dir.Join("2_steps.up.sql"),
            "CREATE INDEX CONCURRENTLY t1_id ON t1 (id);\nSELECT pg_sleep(1.5);\nCREATE TABLE IF NOT EXISTS t3 (id int);\n");
  {
    Process p({BinaryPath("migrate"), "--dir=" + dir.path(), "up"}, o, logdir.Join("log2"));
    wait_for_sleep();
    p.Signal(SIGKILL);
    p.Wait();
  }
  RunResult blocked = Migrate({"--dir=" + dir.path(), "up"});
  EXPECT_EQ(blocked.exit_code, 5);
  EXPECT_THAT(blocked.err, HasSubstr("migration 2 steps is interrupted after 1 of 3 statements"));
  EXPECT_EQ(History(), "1:applied:2/2 2:running:1/3");
  ASSERT_EQ(Migrate({"--dir=" + dir.path(), "repair", "2", "pending"}).exit_code, 0);
  WriteFile(dir.Join("2_steps.up.sql"),
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS t1_id ON t1 (id);\nSELECT pg_sleep(0);\nCREATE TABLE IF NOT EXISTS t3 (id int);\n");
  RunResult finished = Migrate({"--dir=" + dir.path(), "up"});
  EXPECT_EQ(finished.exit_code, 0) << finished.out << finished.err;
  EXPECT_EQ(History(), "1:applied:2/2 2:applied:3/3");
}

TEST_F(MigrateTest, ConcurrentMigratorsThroughPgBouncerTransactionPooling) {
  PgBouncer bouncer(*pg_, 2);
  std::vector<std::unique_ptr<Process>> procs;
  std::vector<std::string> logs;
  TempDir logdir;
  for (int i = 0; i < 6; ++i) {
    RunOptions o;
    o.env = {{"DATABASE_URL", bouncer.Url(db_)}};
    logs.push_back(logdir.Join(absl::StrCat("log", i)));
    procs.push_back(std::make_unique<Process>(
        std::vector<std::string>{BinaryPath("migrate"), "--dir=" + kFixtures + "golang-migrate", "--lock-mode=table", "up"}, o,
        logs.back()));
  }
  int applied_lines = 0, table_lock_lines = 0;
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(procs[i]->Wait(), 0) << ReadFile(logs[i]);
    for (absl::string_view line : absl::StrSplit(ReadFile(logs[i]), '\n')) {
      applied_lines += absl::StartsWith(line, "applied ");
      table_lock_lines += absl::StartsWith(line, "locked (table lock)");
    }
  }
  EXPECT_EQ(applied_lines, 3);
  EXPECT_EQ(table_lock_lines, 6);
  EXPECT_EQ(History(), "1:applied:1/1 2:applied:2/2 3:applied:1/1");
  EXPECT_EQ(Sql("SELECT count(*) FROM noshell_migrations_lock"), "0");
  EXPECT_EQ(Sql("SELECT count(*) FROM pg_index WHERE NOT indisvalid"), "0");
}

// No shell, no libraries: the static binary in a root holding only itself, its migrations,
// /etc/hosts and /etc/passwd, reaching the server by a host name, as a non-root user.
TEST_F(MigrateTest, RunsInEmptyRootByHostName) {
  ASSERT_EQ(geteuid(), 0u) << "chroot needs root";
  TempDir root;
  std::filesystem::copy_file(BinaryPath("migrate"), root.Join("migrate"));
  std::filesystem::create_directories(root.Join("etc"));
  std::filesystem::copy(kFixtures + "goose", root.Join("migrations"));
  WriteFile(root.Join("etc/hosts"), "127.0.0.1 db.internal\n");
  WriteFile(root.Join("etc/passwd"), "nonroot:x:65532:65532:nonroot:/:/nonexistent\n");
  RunOptions o;
  o.chroot_dir = root.path();
  o.uid = 65532;
  o.gid = 65532;
  o.env = {{"DATABASE_URL", absl::StrCat("postgres://app:apppass@db.internal:", pg_->port(), "/", db_)}};
  RunResult r = RunCommand({"/migrate", "--dir=/migrations", "up"}, o);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(History(), "00001:applied:1/1 00002:applied:3/3 00003:applied:1/1");
}


// Hostile-test D1, D4, W7: bad files and arguments are refused with exit 2 before anything
// touches the database (no history table, no lock, nothing applied).
TEST_F(MigrateTest, BadFilesAndVersionsAreRefusedBeforeTheDatabaseIsTouched) {
  struct Case {
    std::vector<std::pair<std::string, std::string>> files;
    std::vector<std::string> args;
    std::string want;
  };
  const std::vector<Case> cases = {
      {{{"1_a.up.sql", std::string("create table nb1(x int);\n\0\ncreate table nb2(x int);\n", 51)}}, {"up"},
       "NUL byte at line 2"},
      {{{"1_a.up.sql", "create table nb1(x int);"}, {"2_b.up.sql", "create table nb2(x int);"}}, {"up", "v2"},
       "up v2: not a version"},
      {{{"1_a.up.sql", "create table nb1(x int);"}}, {"baseline", "xyz"}, "baseline xyz: not a version"},
      {{{"1_a.up.sql", "create table nb1(x int);"}}, {"up", "5"}, "up 5: no migration in"},
      {{{"1_a.up.sql", "create table nb1(x int);\nCOMMIT;\ncreate table nb2(x int);\n"}}, {"up"},
       "manages transactions inside a migration"},
      {{{"1_a.up.sql", "create table nb1(x text);\nCOPY nb1 FROM stdin;\nrow\n"}}, {"up"},
       "COPY FROM stdin data is not ended"},
      {{{"1_a.up.sql", "create table nb1(x int);"}}, {"--table=", "up"}, "--table=: want a name of 1 to 58 bytes"},
  };
  for (const Case& c : cases) {
    SetUp();
    TempDir dir;
    for (const auto& [name, content] : c.files) WriteFile(dir.Join(name), content);
    std::vector<std::string> args = {"--dir=" + dir.path()};
    args.insert(args.end(), c.args.begin(), c.args.end());
    RunResult r = Migrate(args);
    EXPECT_EQ(r.exit_code, 2) << c.want << "\n" << r.out << r.err;
    EXPECT_THAT(r.err, HasSubstr(c.want));
    EXPECT_EQ(Sql("SELECT count(*) FROM pg_class WHERE relname IN ('nb1', 'nb2', 'noshell_migrations')"), "0") << c.want;
  }
}

// "Signals at every phase": SIGTERM while connecting, while waiting for the lock, while files are
// split, during a statement, and between the statements of a non-transactional file. Each ends
// with exit 7, nothing half-applied, the history truthful and no lock left.
TEST_F(MigrateTest, SigtermAtEveryPhaseExitsSevenAndLeavesTheDatabaseClean) {
  TempDir logdir;
  auto run = [&](const std::string& dir, const std::string& url, const std::function<void()>& until) {
    RunOptions o;
    o.env = {{"DATABASE_URL", url}};
    Process p({BinaryPath("migrate"), "--dir=" + dir, "up"}, o, logdir.Join("log"));
    until();
    absl::Time sent = absl::Now();
    p.Signal(SIGTERM);
    int code = p.Wait();
    if (code != 7) ADD_FAILURE() << "exit " << code << ":\n" << ReadFile(logdir.Join("log"));
    EXPECT_LT(absl::Now() - sent, absl::Seconds(2)) << ReadFile(logdir.Join("log"));
    EXPECT_EQ(Sql("SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
                  "WHERE l.locktype = 'advisory' AND a.application_name = 'noshell-migrate'"),
              "0");
    return code;
  };
  auto wait_for = [&](const std::string& sql) {
    return [this, sql] {
      absl::Time deadline = absl::Now() + absl::Seconds(20);
      while (Sql(sql) != "1" && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(10));
      ASSERT_LT(absl::Now(), deadline) << sql;
    };
  };
  const std::string ours = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'noshell-migrate'";

  // Connecting: the database is not up (a closed port) and migrate waits for it.
  TempDir small;
  WriteFile(small.Join("1_a.up.sql"), "CREATE TABLE a (id int);\n");
  EXPECT_EQ(run(small.path(), absl::StrCat("postgres://app:apppass@127.0.0.1:", FreePort(), "/x"),
                [] { absl::SleepFor(absl::Milliseconds(300)); }),
            7);

  // Waiting for the lock another migrator holds.
  PGconn* holder = PQconnectdb(absl::StrCat("host=", pg_->socket_dir(), " port=", pg_->port(), " user=app dbname=", db_).c_str());
  ASSERT_EQ(PQstatus(holder), CONNECTION_OK);
  PQclear(PQexec(holder, "SELECT pg_advisory_lock(1852797800, hashtext('public.noshell_migrations'))"));
  EXPECT_EQ(run(small.path(), Url(), [&] {
    absl::SleepFor(absl::Milliseconds(100));
    wait_for(ours)();
    absl::SleepFor(absl::Milliseconds(200));
  }), 7);
  PQfinish(holder);
  EXPECT_EQ(Sql("SELECT to_regclass('a') IS NULL"), "t");

  // Splitting and sending a large seed file (about 40 MB, 100 000 statements): TERM as soon as
  // migrate is connected, while it reads, splits or sends the file.
  TempDir seed;
  {
    std::string sql = "CREATE TABLE seed (id int, pad text);\n";
    for (int i = 0; i < 100000; ++i) {
      absl::StrAppend(&sql, "INSERT INTO seed VALUES (", i, ", '", std::string(380, 'x'), "');\n");
    }
    WriteFile(seed.Join("1_seed.up.sql"), sql);
  }
  EXPECT_EQ(run(seed.path(), Url(), wait_for(ours)), 7);
  EXPECT_EQ(Sql("SELECT to_regclass('seed') IS NULL"), "t");
  if (Sql("SELECT to_regclass('noshell_migrations') IS NOT NULL") == "t") {
    EXPECT_EQ(History(), "");
  }

  // Between the statements of a non-transactional file: what ran is recorded, and the record says
  // exactly where it stopped.
  TempDir steps;
  {
    std::string sql = "-- migrate:up transaction:false\nCREATE TABLE steps (id int);\n";
    for (int i = 0; i < 400; ++i) absl::StrAppend(&sql, "INSERT INTO steps VALUES (", i, "); SELECT pg_sleep(0.005);\n");
    WriteFile(steps.Join("1_steps.sql"), sql);
  }
  EXPECT_EQ(run(steps.path(), Url(), [&] {
    wait_for("SELECT (to_regclass('steps') IS NOT NULL)::int")();
    wait_for("SELECT (count(*) > 20)::int FROM steps")();
  }), 7);
  const std::string done = Sql("SELECT statements_done FROM noshell_migrations WHERE status = 'failed'");
  const std::string rows = Sql("SELECT count(*) FROM steps");
  // statements_done counts CREATE TABLE plus an INSERT and a pg_sleep per row.
  const int done_n = std::stoi(done), rows_n = std::stoi(rows);
  EXPECT_TRUE(done_n == 2 * rows_n || done_n == 2 * rows_n + 1) << done << " statements done, " << rows << " rows";
  RunResult blocked = Migrate({"--dir=" + steps.path(), "up"});
  EXPECT_EQ(blocked.exit_code, 5) << blocked.err;
}

// Hostile-test H4: a server that goes silent after login held migrate for ever, and SIGTERM did
// not end it (the cancel request went to the same silent server).
TEST_F(MigrateTest, SigtermEndsAWaitOnASilentServer) {
  FaultPeer peer("pg-silent-after-login");
  TempDir dir, logdir;
  WriteFile(dir.Join("1_a.up.sql"), "CREATE TABLE a (id int);\n");
  RunOptions o;
  o.env = {{"DATABASE_URL", absl::StrCat("postgres://app:pw@127.0.0.1:", peer.port(), "/app?sslmode=disable")}};
  for (int signals : {1, 2}) {
    Process p({BinaryPath("migrate"), "--dir=" + dir.path(), "up"}, o, logdir.Join("log"));
    absl::SleepFor(absl::Milliseconds(700));
    absl::Time sent = absl::Now();
    p.Signal(SIGTERM);
    if (signals == 2) {
      absl::SleepFor(absl::Milliseconds(100));
      p.Signal(SIGTERM);
    }
    EXPECT_EQ(p.Wait(), 7);
    const absl::Duration took = absl::Now() - sent;
    EXPECT_LT(took, signals == 1 ? absl::Seconds(6) : absl::Seconds(1));
    EXPECT_GT(took, signals == 1 ? absl::Seconds(4) : absl::ZeroDuration());
  }
  EXPECT_THAT(ReadFile(logdir.Join("log")), HasSubstr("did not end the cancelled statement within 5s"));
  EXPECT_THAT(ReadFile(logdir.Join("log")), HasSubstr("a second signal arrived"));
}

}  // namespace
}  // namespace noshell::testing
