// tests/integration/popen_shim_test.cc — libnoshell_popen.so (entrypoint/popen_shim.c) where no
// shell can run: popen/pclose/system as a program sees them, and PostgreSQL's own initdb creating
// a cluster that works. Each child runs in a mount namespace whose shells are /dev/null (as root).
#include <pwd.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "entrypoint/pgdata.h"
#include "entrypoint/postgres_init.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"

namespace noshell::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kShim = NOSHELL_LIB_DIR "/libnoshell_popen.so";
const std::string kProbe = NOSHELL_TEST_BIN_DIR "/popen_probe";
constexpr const char* kPgBin = "/usr/lib/postgresql/15/bin";

class PopenShimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "a mount namespace without shells needs root";
    // A machine (or container) that forbids mount namespaces cannot host these tests.
    RunOptions o;
    o.no_shell = true;
    if (RunCommand({"/usr/bin/true"}, o).exit_code == 125) GTEST_SKIP() << "unshare(CLONE_NEWNS) or mount is not permitted here";
  }
  // Runs argv with no shell runnable; with the shim preloaded unless `shim` is false.
  RunResult NoShell(const std::vector<std::string>& argv, bool shim = true, bool as_postgres = false) {
    RunOptions o;
    o.no_shell = true;
    if (shim) o.env["LD_PRELOAD"] = kShim;
    o.env["PATH"] = "/usr/bin:/bin";
    if (as_postgres) {
      passwd* pw = getpwnam("postgres");
      EXPECT_NE(pw, nullptr);
      o.uid = pw->pw_uid;
      o.gid = pw->pw_gid;
    }
    return RunCommand(argv, o);
  }
  // `sql` run by the single-user backend on the cluster in `data`, as postgres, where no shell runs.
  RunResult SingleUser(const TempDir& dir, const std::string& data, const std::string& sql) {
    passwd* pw = getpwnam("postgres");
    EXPECT_NE(pw, nullptr);
    WriteFile(dir.Join("q.sql"), sql + "\n");
    RunOptions o;
    o.no_shell = true;
    o.uid = pw->pw_uid;
    o.gid = pw->pw_gid;
    o.stdin_path = dir.Join("q.sql");
    return RunCommand({std::string(kPgBin) + "/postgres", "--single", "-D", data, "postgres"}, o);
  }
  RunResult Probe(const std::string& mode, const std::string& command, const std::string& text = "") {
    std::vector<std::string> argv = {kProbe, mode, command};
    if (!text.empty()) argv.push_back(text);
    return NoShell(argv);
  }
};

// The control: in these mounts no shell runs, so glibc's popen and system fail.
TEST_F(PopenShimTest, WithoutTheShimNothingRuns) {
  RunResult r = NoShell({kProbe, "system", "/usr/bin/true"}, /*shim=*/false);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr("status=0")));
  r = NoShell({kProbe, "r", "/usr/bin/printf hello"}, /*shim=*/false);
  EXPECT_THAT(r.out, Not(HasSubstr("hello")));
}

TEST_F(PopenShimTest, PopenReadsAndWritesWithoutAShell) {
  TempDir dir;
  RunResult r = Probe("r", "printf 'hello world'");
  EXPECT_EQ(r.out, "hello worldstatus=0\n") << r.err;
  r = Probe("w", absl::StrCat("cat > \"", dir.Join("out"), "\""), "piped in");
  EXPECT_EQ(r.out, "status=0\n") << r.err;
  EXPECT_EQ(ReadFile(dir.Join("out")), "piped in");
  WriteFile(dir.Join("in"), "from a file\n");
  r = Probe("r", absl::StrCat("cat < ", dir.Join("in")));
  EXPECT_EQ(r.out, "from a file\nstatus=0\n") << r.err;
  r = Probe("r", "ls /no/such/path 2>&1");  // stderr joins the pipe, after the pipe is set up
  EXPECT_THAT(r.out, HasSubstr("No such file or directory"));
  EXPECT_THAT(r.out, HasSubstr(absl::StrCat("status=", 2 << 8)));
}

TEST_F(PopenShimTest, SystemRedirectsAndReportsExitCodes) {
  TempDir dir;
  const std::string out = dir.Join("out file");
  EXPECT_EQ(Probe("system", absl::StrCat("printf one > \"", out, "\"")).out, "status=0\n");
  EXPECT_EQ(Probe("system", absl::StrCat("printf two >> \"", out, "\"")).out, "status=0\n");
  EXPECT_EQ(ReadFile(out), "onetwo");
  EXPECT_EQ(Probe("system", "false").out, absl::StrCat("status=", 1 << 8, "\n"));
  EXPECT_EQ(Probe("system", "ls /no/such/path > /dev/null 2>&1").out, absl::StrCat("status=", 2 << 8, "\n"));
}

// A program that is not there exits 127 as under sh: initdb's `locale -a` reads nothing.
TEST_F(PopenShimTest, AMissingProgramExits127) {
  RunResult r = Probe("r", "no-such-program -a");
  EXPECT_EQ(r.out, absl::StrCat("status=", 127 << 8, "\n"));
  EXPECT_THAT(r.err, HasSubstr("no-such-program"));
  EXPECT_EQ(Probe("system", "/no/such/program").out, absl::StrCat("status=", 127 << 8, "\n"));
}

// What only a shell could do is refused and says so: nothing else runs in its place.
TEST_F(PopenShimTest, ShellSyntaxIsRefused) {
  TempDir dir;
  const std::string marker = dir.Join("ran");
  for (const std::string& command : {absl::StrCat("printf x > ", marker, " | cat"), absl::StrCat("touch ", marker, "; true"),
                                     absl::StrCat("touch $HOME", marker), absl::StrCat("touch ", marker, " && true")}) {
    RunResult r = Probe("system", command);
    EXPECT_EQ(r.out, "status=-1 errno=Invalid argument\n") << command;
    EXPECT_THAT(r.err, HasSubstr("not run (no shell here)")) << command;
    EXPECT_FALSE(std::filesystem::exists(marker)) << command;
  }
  EXPECT_EQ(Probe("r", "echo `id`").out, "popen=NULL errno=Invalid argument\n");
}

// Debian's own, unmodified initdb, where no shell can run: a cluster that then answers queries.
TEST_F(PopenShimTest, InitdbMakesAWorkingClusterWithoutAShell) {
  TempDir dir;
  passwd* pw = getpwnam("postgres");
  ASSERT_NE(pw, nullptr) << "needs the postgres user (postgresql-15)";
  ASSERT_EQ(chown(dir.path().c_str(), pw->pw_uid, pw->pw_gid), 0);
  const std::string data = dir.Join("pg");
  const std::vector<std::string> initdb = {std::string(kPgBin) + "/initdb", "-D", data, "-U", "app", "--auth=trust",
                                           "--no-sync", "--locale=C", "-E", "UTF8"};
  RunResult without = NoShell(initdb, /*shim=*/false, /*as_postgres=*/true);
  EXPECT_NE(without.exit_code, 0);
  EXPECT_THAT(without.err, HasSubstr("popen failure"));
  std::filesystem::remove_all(data);

  RunResult r = NoShell(initdb, /*shim=*/true, /*as_postgres=*/true);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("Success."));
  EXPECT_EQ(ReadFile(data + "/PG_VERSION"), "15\n");
  // The single-user backend (no shell either) reads the catalog initdb wrote.
  RunResult q = SingleUser(dir, data, "SELECT count(*) AS databases FROM pg_database");
  EXPECT_EQ(q.exit_code, 0) << q.err;
  EXPECT_THAT(q.out, HasSubstr("databases = \"3\""));  // postgres, template0, template1
}

// A first start as entrypoint makes it: initdb (no shell) into PGDATA's staging folder, then the
// cluster moved in with PG_VERSION last. A start killed before that move is found, cleared and run
// again; the committed cluster answers.
TEST_F(PopenShimTest, AStagedClusterIsCommittedIntoPgdata) {
  TempDir dir;
  passwd* pw = getpwnam("postgres");
  ASSERT_NE(pw, nullptr) << "needs the postgres user (postgresql-15)";
  const std::string pgdata = dir.Join("volume");
  ASSERT_EQ(mkdir(pgdata.c_str(), 0700), 0);
  ASSERT_EQ(mkdir((pgdata + "/lost+found").c_str(), 0700), 0);
  ASSERT_EQ(chown(pgdata.c_str(), pw->pw_uid, pw->pw_gid), 0);
  WriteFile(dir.Join("pw"), "s3cret\n", 0600);
  ASSERT_EQ(chown(dir.Join("pw").c_str(), pw->pw_uid, pw->pw_gid), 0);
  absl::StatusOr<PostgresInit> init = ReadPostgresInit(MapEnv{{"POSTGRES_PASSWORD", "s3cret"}, {"PGDATA", pgdata},
                                                              {"POSTGRES_INITDB_ARGS", "--locale=C -E UTF8 --no-sync"}});
  ASSERT_TRUE(init.ok()) << init.status();
  std::vector<std::string> initdb = {std::string(kPgBin) + "/initdb"};
  for (const std::string& a : InitdbArguments(*init, StagingDir(pgdata), dir.Join("pw"))) initdb.push_back(a);

  ASSERT_EQ(InspectPgdata(pgdata)->state, PgdataState::kEmpty);
  RunResult r = NoShell(initdb, /*shim=*/true, /*as_postgres=*/true);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // Killed here, before the commit: the next start sees an interrupted first start.
  ASSERT_EQ(InspectPgdata(pgdata)->state, PgdataState::kInterrupted);
  ASSERT_TRUE(ClearInterruptedStart(pgdata, "").ok());
  ASSERT_EQ(InspectPgdata(pgdata)->state, PgdataState::kEmpty);
  r = NoShell(initdb, /*shim=*/true, /*as_postgres=*/true);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  ASSERT_TRUE(CommitStagedCluster(pgdata).ok());
  absl::StatusOr<Pgdata> done = InspectPgdata(pgdata);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->state, PgdataState::kInitialized);
  EXPECT_TRUE(CheckMajorVersion(*done, "15").ok());
  EXPECT_FALSE(std::filesystem::exists(StagingDir(pgdata)));

  RunResult q = SingleUser(dir, pgdata, "SELECT rolname, rolpassword IS NOT NULL AS has_password FROM pg_authid WHERE rolsuper");
  EXPECT_EQ(q.exit_code, 0) << q.err;
  EXPECT_THAT(q.out, HasSubstr("rolname = \"postgres\""));
  EXPECT_THAT(q.out, HasSubstr("has_password = \"t\""));
}

}  // namespace
}  // namespace noshell::testing
