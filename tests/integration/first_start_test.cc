// tests/integration/first_start_test.cc — a PostgreSQL volume's first start with no shell
// (entrypoint/first_start.h), on Debian's PostgreSQL 15 binaries, as the postgres user in a mount
// namespace where every shell is /dev/null: the official image's environment contract, init scripts,
// upstream's pg_hba line (a wrong password is refused over TCP), a restart that keeps the data, and a
// first start killed part-way that the next start clears and finishes.
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/env.h"
#include "common/target.h"
#include "entrypoint/first_start.h"
#include "entrypoint/pgdata.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "migrate/db.h"
#include "tests/integration/harness.h"

namespace noshell::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kBin = "/usr/lib/postgresql/15/bin";
const std::string kShim = NOSHELL_LIB_DIR "/libnoshell_popen.so";

// Runs FirstStart in a child: as the postgres user, where no shell can run. Returns its outcome.
std::string FirstStartAsPostgres(const std::map<std::string, std::string>& env, const std::string& scripts, const std::string& result_file) {
  pid_t pid = fork();
  if (pid == 0) {
    if (!HideShells()) _exit(125);
    passwd* pw = getpwnam("postgres");
    if (pw == nullptr || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) _exit(125);
    std::string outcome;
    absl::StatusOr<PostgresInit> init = ReadPostgresInit(MapEnv(env));
    if (!init.ok()) {
      outcome = std::string(init.status().message());
    } else {
      FirstStartTools t;
      t.initdb = absl::StrCat(kBin, "/initdb");
      t.postgres = absl::StrCat(kBin, "/postgres");
      t.popen_shim = kShim;
      t.scripts_dir = scripts;
      UseChildProcesses(&t);
      absl::Status s = FirstStart(*init, t);
      outcome = s.ok() ? "OK" : std::string(s.message());
    }
    std::ofstream(result_file) << outcome;
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  return ReadFile(result_file);
}

class FirstStartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (a mount namespace, and the postgres user)";
    RunOptions o;
    o.no_shell = true;
    if (RunCommand({"/usr/bin/true"}, o).exit_code == 125) GTEST_SKIP() << "mount namespaces are not permitted here";
    pw_ = getpwnam("postgres");
    ASSERT_NE(pw_, nullptr);
    ASSERT_EQ(chown(dir_.path().c_str(), pw_->pw_uid, pw_->pw_gid), 0);
    pgdata_ = dir_.Join("volume");
    ASSERT_EQ(mkdir(pgdata_.c_str(), 0755), 0);
    ASSERT_EQ(chown(pgdata_.c_str(), pw_->pw_uid, pw_->pw_gid), 0);
    scripts_ = dir_.Join("initdb.d");
    ASSERT_EQ(mkdir(scripts_.c_str(), 0755), 0);
  }
  std::map<std::string, std::string> Env() const {
    return {{"PGDATA", pgdata_}, {"POSTGRES_USER", "team admin"}, {"POSTGRES_PASSWORD", "s3cret 'pw'"}, {"POSTGRES_DB", "O'Brien's db"},
            {"POSTGRES_INITDB_ARGS", "--locale=C -E UTF8 --no-sync"}};
  }
  std::string Run(const std::map<std::string, std::string>& env) { return FirstStartAsPostgres(env, scripts_, dir_.Join("result")); }
  // Logs in over TCP on `port` as `user` with `password` to POSTGRES_DB (waiting for the server to
  // come up) and returns the first column of `sql`'s first row.
  absl::StatusOr<std::string> Query(int port, const std::string& user, const std::string& password, const std::string& sql) {
    absl::StatusOr<Target> target =
        ParseTarget(absl::StrCat("host=127.0.0.1 port=", port, " user=", QuoteConninfoValue(user), " password=", QuoteConninfoValue(password),
                                 " dbname=", QuoteConninfoValue("O'Brien's db"), " sslmode=disable"),
                    MapEnv{});
    if (!target.ok()) return target.status();
    absl::StatusOr<std::unique_ptr<Database>> db = absl::UnavailableError("not tried");
    for (int i = 0; i < 300; ++i) {
      db = Database::Connect(*target, absl::Now() + absl::Seconds(5));
      if (db.ok() || absl::StrContains(db.status().message(), "password authentication failed")) break;
      absl::SleepFor(absl::Milliseconds(100));
    }
    if (!db.ok()) return db.status();
    absl::StatusOr<std::vector<Row>> rows = (*db)->Query(sql);
    if (!rows.ok()) return rows.status();
    return rows->empty() ? "" : (*rows)[0][0];
  }
  // Starts the committed cluster on a TCP port and queries it.
  absl::StatusOr<std::string> QueryOverTcp(const std::string& user, const std::string& password, const std::string& sql) {
    const int port = FreePort();
    RunOptions o;
    o.uid = pw_->pw_uid;
    o.gid = pw_->pw_gid;
    Process server({absl::StrCat(kBin, "/postgres"), "-D", pgdata_, "-c", "listen_addresses=127.0.0.1", "-p", absl::StrCat(port), "-k",
                    dir_.path()},
                   o, dir_.Join("server.log"));
    return Query(port, user, password, sql);
  }

  TempDir dir_;
  passwd* pw_ = nullptr;
  std::string pgdata_, scripts_;
};

TEST_F(FirstStartTest, AnEmptyVolumeBecomesTheClusterTheEnvironmentAsksFor) {
  WriteFile(dir_.Join("initdb.d/10-schema.sql"), "CREATE TABLE notes (id int PRIMARY KEY, body text);\n");
  WriteFile(dir_.Join("initdb.d/20-data.sql"), "INSERT INTO notes VALUES (1, current_user || ' in ' || current_database());\n");
  ASSERT_EQ(Run(Env()), "OK");
  EXPECT_EQ(InspectPgdata(pgdata_)->state, PgdataState::kInitialized);
  EXPECT_FALSE(std::filesystem::exists(StagingDir(pgdata_)));
  EXPECT_THAT(ReadFile(pgdata_ + "/pg_hba.conf"), HasSubstr("\nhost all all all scram-sha-256\n"));
  absl::StatusOr<std::string> body = QueryOverTcp("team admin", "s3cret 'pw'", "SELECT body FROM notes");
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_EQ(*body, "team admin in O'Brien's db");
  absl::StatusOr<std::string> wrong = QueryOverTcp("team admin", "wrong", "SELECT 1");
  EXPECT_THAT(std::string(wrong.status().message()), HasSubstr("password authentication failed"));
  // A second start keeps the data and runs nothing again.
  WriteFile(dir_.Join("initdb.d/30-again.sql"), "INSERT INTO notes VALUES (2, 'must not run');\n");
  ASSERT_EQ(Run(Env()), "OK");
  body = QueryOverTcp("team admin", "s3cret 'pw'", "SELECT count(*)::text FROM notes");
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_EQ(*body, "1");
}

TEST_F(FirstStartTest, NoPasswordWritesNothing) {
  std::map<std::string, std::string> env = Env();
  env.erase("POSTGRES_PASSWORD");
  EXPECT_THAT(Run(env), HasSubstr("POSTGRES_PASSWORD is not set"));
  EXPECT_TRUE(std::filesystem::is_empty(pgdata_));
}

// A failed init script leaves an interrupted first start; fixed, the next start clears it and
// finishes. A *.sh script stops the start before anything is written.
TEST_F(FirstStartTest, AFailedOrKilledFirstStartIsStartedAgain) {
  WriteFile(dir_.Join("initdb.d/10-bad.sql"), "CREATE TABLE t (id int);\nINSERT INTO nowhere VALUES (1);\n");
  EXPECT_THAT(Run(Env()), HasSubstr("10-bad.sql, line 2: relation \"nowhere\" does not exist"));
  EXPECT_EQ(InspectPgdata(pgdata_)->state, PgdataState::kInterrupted);
  WriteFile(dir_.Join("initdb.d/10-bad.sql"), "CREATE TABLE t (id int);\n");
  WriteFile(dir_.Join("initdb.d/20-setup.sh"), "#!/bin/sh\n");
  EXPECT_THAT(Run(Env()), HasSubstr("20-setup.sh (a shell script"));
  EXPECT_EQ(InspectPgdata(pgdata_)->state, PgdataState::kInterrupted);  // untouched
  std::filesystem::remove(dir_.Join("initdb.d/20-setup.sh"));
  ASSERT_EQ(Run(Env()), "OK");
  absl::StatusOr<std::string> t = QueryOverTcp("team admin", "s3cret 'pw'", "SELECT to_regclass('t')::text");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(*t, "t");
}

// The whole of it through the binary, as an image's ENTRYPOINT runs it: entrypoint --postgres does the
// first start (as itself, in its own mode), then runs the server; TERM stops it. The command's own
// server options reach the temporary server too (as upstream's: an init script may need a
// preloaded library), ours winning where they must (data directory, no TCP). A restart reads the
// version from the server and refuses a cluster of another major version.
TEST_F(FirstStartTest, EntrypointPostgresInitialisesThenRunsTheServer) {
  WriteFile(dir_.Join("initdb.d/10-schema.sql"), "CREATE TABLE notes (body text);\nINSERT INTO notes VALUES ('from init');\n");
  WriteFile(dir_.Join("initdb.d/20-preloaded.sql"),
            "CREATE EXTENSION pg_stat_statements;\nCREATE TABLE seen AS SELECT count(*) AS n FROM pg_stat_statements;\n");
  WriteFile(dir_.Join("pw"), "s3cret 'pw'\n", 0600);
  ASSERT_EQ(chown(dir_.Join("pw").c_str(), pw_->pw_uid, pw_->pw_gid), 0);
  const int port = FreePort();
  RunOptions o;
  o.no_shell = true;
  o.uid = pw_->pw_uid;
  o.gid = pw_->pw_gid;
  o.env = Env();
  o.env.erase("POSTGRES_PASSWORD");
  o.env["POSTGRES_PASSWORD_FILE"] = dir_.Join("pw");
  o.env["PATH"] = "/usr/bin:/bin";
  Process app({BinaryPath("entrypoint"), absl::StrCat("--postgres=", kBin), "--popen-shim=" + kShim, "--initdb-scripts=" + scripts_, "--",
               absl::StrCat(kBin, "/postgres"), "-D", pgdata_, "-c", "listen_addresses=127.0.0.1", "-p", absl::StrCat(port), "-k", dir_.path(),
               "-c", "shared_preload_libraries=pg_stat_statements"},
              o, dir_.Join("entrypoint.log"));
  absl::StatusOr<std::string> body = Query(port, "team admin", "s3cret 'pw'", "SELECT body FROM notes");
  ASSERT_TRUE(body.ok()) << body.status() << ReadFile(dir_.Join("entrypoint.log"));
  EXPECT_EQ(*body, "from init");
  body = Query(port, "team admin", "s3cret 'pw'", "SELECT (n >= 0)::text FROM seen");
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_EQ(*body, "true");
  EXPECT_EQ(InspectPgdata(pgdata_)->state, PgdataState::kInitialized);
  const std::string log = ReadFile(dir_.Join("entrypoint.log"));
  EXPECT_THAT(log, HasSubstr("first start: PostgreSQL cluster ready"));
  EXPECT_THAT(log, Not(HasSubstr("s3cret")));
  app.Signal(SIGTERM);
  EXPECT_EQ(app.Wait(), 0);
  // A restart needs no POSTGRES_* (as upstream's): the cluster is there.
  RunOptions restart = o;
  restart.env = {{"PGDATA", pgdata_}, {"PATH", "/usr/bin:/bin"}};
  Process again({BinaryPath("entrypoint"), absl::StrCat("--postgres=", kBin), "--popen-shim=" + kShim, "--initdb-scripts=" + scripts_, "--",
                 absl::StrCat(kBin, "/postgres"), "-D", pgdata_, "-c", "listen_addresses=127.0.0.1", "-p", absl::StrCat(port), "-k", dir_.path()},
                restart, dir_.Join("restart.log"));
  body = Query(port, "team admin", "s3cret 'pw'", "SELECT count(*)::text FROM notes");
  ASSERT_TRUE(body.ok()) << body.status() << ReadFile(dir_.Join("restart.log"));
  EXPECT_EQ(*body, "1");
  EXPECT_THAT(ReadFile(dir_.Join("restart.log")), HasSubstr("holds a PostgreSQL 15 cluster: starting it"));
  again.Signal(SIGTERM);
  EXPECT_EQ(again.Wait(), 0);

  WriteFile(pgdata_ + "/PG_VERSION", "14\n");
  Process older({BinaryPath("entrypoint"), absl::StrCat("--postgres=", kBin), "--popen-shim=" + kShim, "--initdb-scripts=" + scripts_, "--",
                 absl::StrCat(kBin, "/postgres"), "-D", pgdata_},
                restart, dir_.Join("older.log"));
  EXPECT_EQ(older.Wait(), 71);
  EXPECT_THAT(ReadFile(dir_.Join("older.log")), HasSubstr("the cluster in PGDATA is PostgreSQL 14, this server is 15"));
}

// A stop (TERM) while an init script runs: entrypoint forwards it to the first start, which ends,
// and its temporary server shuts down with it (nothing is left running on the volume); the exit
// code is 128+15, and the volume holds an interrupted first start, not a cluster.
TEST_F(FirstStartTest, AStopDuringTheFirstStartLeavesNoServerRunning) {
  WriteFile(dir_.Join("initdb.d/10-slow.sql"), "SELECT pg_sleep(60);\n");
  RunOptions o;
  o.no_shell = true;
  o.uid = pw_->pw_uid;
  o.gid = pw_->pw_gid;
  o.env = Env();
  o.env["PATH"] = "/usr/bin:/bin";
  Process app({BinaryPath("entrypoint"), absl::StrCat("--postgres=", kBin), "--popen-shim=" + kShim, "--initdb-scripts=" + scripts_,
               "--grace=10s", "--", absl::StrCat(kBin, "/postgres"), "-D", pgdata_, "-k", dir_.path()},
              o, dir_.Join("entrypoint.log"));
  bool running = false;
  for (int i = 0; i < 600 && !running; ++i) {
    running = absl::StrContains(ReadFile(dir_.Join("entrypoint.log")), "init script 10-slow.sql");
    if (!running) absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_TRUE(running) << ReadFile(dir_.Join("entrypoint.log"));
  const std::string pidfile = StagingDir(pgdata_) + "/postmaster.pid";
  ASSERT_TRUE(std::filesystem::exists(pidfile));
  const pid_t server = std::stoi(ReadFile(pidfile));
  app.Signal(SIGTERM);
  EXPECT_EQ(app.Wait(), 128 + SIGTERM);
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    gone = kill(server, 0) != 0;
    if (!gone) absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_TRUE(gone) << "the temporary server (pid " << server << ") still runs";
  EXPECT_FALSE(std::filesystem::exists(pidfile));  // a clean shutdown removes it
  EXPECT_EQ(InspectPgdata(pgdata_)->state, PgdataState::kInterrupted);
}

}  // namespace
}  // namespace noshell::testing
