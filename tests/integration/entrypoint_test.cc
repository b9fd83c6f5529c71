// entrypoint as PID 1 in a fresh PID namespace (unshare --pid --fork, as root): exit codes,
// signals, zombies, the grace period, stop behaviour and exec failures. Real processes only.
#include <grp.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <thread>
#include <fstream>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"

namespace noshell::testing {
namespace {

using ::testing::HasSubstr;

const std::string kApp = std::string(NOSHELL_TEST_BIN_DIR) + "/fake_app";

std::vector<std::string> AsPid1(std::vector<std::string> args) {
  std::vector<std::string> argv = {"unshare", "--pid", "--fork", "--kill-child", BinaryPath("entrypoint"), "--log-level=warn"};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

// The host pid of the PID 1 that `unshare_pid` started.
pid_t Pid1Of(pid_t unshare_pid) {
  absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (absl::Now() < deadline) {
    std::ifstream children(absl::StrCat("/proc/", unshare_pid, "/task/", unshare_pid, "/children"));
    int pid = 0;
    if (children >> pid && pid > 0) return pid;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return -1;
}

std::vector<std::pair<pid_t, char>> ChildrenOf(pid_t parent) {
  std::vector<std::pair<pid_t, char>> out;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    int pid = 0;
    if (!absl::SimpleAtoi(e.path().filename().string(), &pid)) continue;
    std::ifstream f(e.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    size_t close = stat.rfind(')');
    if (close == std::string::npos) continue;
    char state = 0;
    int ppid = 0;
    if (std::sscanf(stat.c_str() + close + 1, " %c %d", &state, &ppid) == 2 && ppid == parent) out.push_back({pid, state});
  }
  return out;
}

TEST(EntrypointPid1Test, EveryExitCodePassesThrough) {
  for (int code = 0; code < 256; ++code) {
    RunResult r = RunCommand(AsPid1({"--", kApp, "exit", std::to_string(code)}));
    ASSERT_EQ(r.exit_code, code) << r.err;
  }
}

TEST(EntrypointPid1Test, KilledBySignalIs128PlusN) {
  for (int sig = 1; sig < 32; ++sig) {
    if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU || sig == SIGCHLD || sig == SIGCONT ||
        sig == SIGURG || sig == SIGWINCH) {
      continue;  // these stop the app or are ignored by default: it would not die
    }
    RunResult r = RunCommand(AsPid1({"--", kApp, "kill-self", std::to_string(sig)}));
    EXPECT_EQ(r.exit_code, 128 + sig) << "signal " << sig << ": " << r.err;
  }
}

TEST(EntrypointPid1Test, ExecFailures) {
  TempDir dir;
  WriteFile(dir.Join("not-a-program"), "echo hello\n", 0755);
  WriteFile(dir.Join("not-executable"), "\x7f" "ELF", 0644);
  EXPECT_EQ(RunCommand(AsPid1({"--", "/nonexistent/app"})).exit_code, 127);
  EXPECT_EQ(RunCommand(AsPid1({"--", "no-such-command-anywhere"})).exit_code, 127);
  EXPECT_EQ(RunCommand(AsPid1({"--", dir.Join("not-executable")})).exit_code, 126);
  RunResult script = RunCommand(AsPid1({"--", dir.Join("not-a-program")}));
  EXPECT_EQ(script.exit_code, 126);  // no /bin/sh fallback, ever
  EXPECT_THAT(script.out, ::testing::Not(HasSubstr("hello")));
  // Not PID 1: exec directly, same codes.
  EXPECT_EQ(RunCommand({BinaryPath("entrypoint"), "--", "/nonexistent/app"}).exit_code, 127);
  EXPECT_EQ(RunCommand({BinaryPath("entrypoint"), "--", dir.Join("not-a-program")}).exit_code, 126);
  EXPECT_EQ(RunCommand({BinaryPath("entrypoint"), "--", kApp, "exit", "42"}).exit_code, 42);
}

TEST(EntrypointPid1Test, EveryCatchableSignalReachesTheApp) {
  TempDir dir;
  const std::string log = dir.Join("signals");
  Process p(AsPid1({"--", kApp, "record", log}), RunOptions(), dir.Join("out"));
  pid_t init = Pid1Of(p.pid());
  ASSERT_GT(init, 0);
  absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (ReadFile(log).find("ready") == std::string::npos && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
  std::set<int> sent;
  for (int sig = 1; sig <= SIGRTMAX; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP || sig == SIGCHLD || sig == SIGTERM || (sig > 31 && sig < SIGRTMIN)) continue;
    kill(init, sig);
    sent.insert(sig);
    absl::SleepFor(absl::Milliseconds(2));  // standard signals do not queue: one at a time
  }
  absl::SleepFor(absl::Milliseconds(100));
  kill(init, SIGTERM);
  sent.insert(SIGTERM);
  EXPECT_EQ(p.Wait(), 0);
  std::set<int> got;
  for (absl::string_view line : absl::StrSplit(ReadFile(log), '\n', absl::SkipEmpty())) {
    int sig = 0;
    if (absl::SimpleAtoi(line, &sig)) got.insert(sig);
  }
  EXPECT_EQ(got, sent);
  EXPECT_TRUE(got.count(SIGRTMIN + 3) && got.count(SIGRTMAX));
}

TEST(EntrypointPid1Test, OrphanedGrandchildrenAreReaped) {
  TempDir dir;
  Process p(AsPid1({"--", kApp, "orphan-zombie"}), RunOptions(), dir.Join("out"));
  pid_t init = Pid1Of(p.pid());
  ASSERT_GT(init, 0);
  absl::SleepFor(absl::Milliseconds(700));  // the grandchild has exited and been orphaned by now
  int zombies = 0, children = 0;
  for (auto [pid, state] : ChildrenOf(init)) {
    ++children;
    zombies += state == 'Z';
  }
  EXPECT_EQ(zombies, 0);
  EXPECT_EQ(children, 1);  // only the app itself
  EXPECT_EQ(p.Wait(), 0);
}

TEST(EntrypointPid1Test, GrandchildIgnoringTermIsKilledAfterTheGrace) {
  TempDir dir;
  absl::Time start = absl::Now();
  RunResult r = RunCommand(AsPid1({"--grace=700ms", "--", kApp, "grandchild-ignores-term"}));
  absl::Duration took = absl::Now() - start;
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GE(took, absl::Milliseconds(650));
  EXPECT_LT(took, absl::Milliseconds(700) + absl::Seconds(1));
}

TEST(EntrypointPid1Test, GrandchildHandlingTermGetsToFinish) {
  TempDir dir;
  const std::string marker = dir.Join("finished");
  RunResult r = RunCommand(AsPid1({"--grace=5s", "--", kApp, "grandchild-handles-term", marker}));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(ReadFile(marker), "finished\n");
}

TEST(EntrypointPid1Test, StopOfAnAppIgnoringTermEndsWithinTheGrace) {
  TempDir dir;
  Process p(AsPid1({"--grace=800ms", "--", kApp, "ignore-term"}), RunOptions(), dir.Join("out"));
  pid_t init = Pid1Of(p.pid());
  ASSERT_GT(init, 0);
  absl::SleepFor(absl::Milliseconds(100));
  absl::Time sent = absl::Now();
  kill(init, SIGTERM);
  int code = p.Wait();
  absl::Duration took = absl::Now() - sent;
  EXPECT_EQ(code, 128 + SIGKILL);
  EXPECT_GE(took, absl::Milliseconds(750));
  EXPECT_LT(took, absl::Milliseconds(800) + absl::Seconds(1));
  std::printf("docker-stop style TERM to an app that ignores it: ended after %lld ms (grace 800 ms)\n",
              static_cast<long long>(absl::ToInt64Milliseconds(took)));
}

// --health-listen as PID 1: /readyz follows a real PostgreSQL (--ready) as it goes away and comes
// back; /livez and /metrics say what the supervisor knows; TERM turns /readyz to 503 at once and
// is held back from the app for --stop-delay; a second TERM during the delay goes at once.
TEST(EntrypointPid1Test, HealthEndpointsAndTheStopDelay) {
  PgServer pg;
  TempDir dir;
  const std::string log = dir.Join("signals");
  const int port = FreePort();
  Process p(AsPid1({absl::StrCat("--health-listen=127.0.0.1:", port), "--ready=" + pg.Url(), "--ready-interval=1s",
                    "--stop-delay=1s", "--", kApp, "record", log}),
            RunOptions(), dir.Join("out"));
  const pid_t init = Pid1Of(p.pid());
  auto eventually = [&](const std::string& path, const std::string& want) {
    std::string got;
    for (int i = 0; i < 200 && !absl::StrContains(got, want); ++i) {
      absl::SleepFor(absl::Milliseconds(50));
      got = HttpGet(port, path);
    }
    return got;
  };
  const std::string target = absl::StrCat("postgres://app@127.0.0.1:", pg.port(), "/app");
  EXPECT_THAT(eventually("/readyz", "HTTP/1.1 200"), HasSubstr(absl::StrCat("ready\nok   ", target)));
  EXPECT_THAT(HttpGet(port, "/livez"), HasSubstr("\r\n\r\nalive\n"));
  const std::string metrics = HttpGet(port, "/metrics");
  EXPECT_THAT(metrics, HasSubstr("\nnoshell_app_up 1\n"));
  EXPECT_THAT(metrics, HasSubstr(absl::StrCat("\nnoshell_target_up{target=\"", target, "\"} 1\n")));
  pg.Stop();
  EXPECT_THAT(eventually("/readyz", "HTTP/1.1 503"), HasSubstr(absl::StrCat("FAIL ", target, ": ")));
  EXPECT_THAT(HttpGet(port, "/livez"), HasSubstr("HTTP/1.1 200 "));  // liveness does not follow the database
  pg.Start();
  EXPECT_THAT(eventually("/readyz", "HTTP/1.1 200"), HasSubstr("\r\n\r\nready\n"));

  ASSERT_EQ(kill(init, SIGTERM), 0);
  EXPECT_THAT(eventually("/readyz", "stopping"), HasSubstr("HTTP/1.1 503 "));
  EXPECT_THAT(HttpGet(port, "/livez"), HasSubstr("not alive: stopping"));
  EXPECT_EQ(ReadFile(log), "ready\n");  // held back: the app has not seen the TERM yet
  EXPECT_EQ(p.Wait(), 0);                // then it has, and exited 0 on it
  EXPECT_EQ(ReadFile(log), absl::StrCat("ready\n", SIGTERM, "\n"));

  // A second TERM during a long delay goes to the app at once.
  const std::string log2 = dir.Join("signals2");
  const int port2 = FreePort();
  Process q(AsPid1({absl::StrCat("--health-listen=127.0.0.1:", port2), "--stop-delay=60s", "--", kApp, "record", log2}),
            RunOptions(), dir.Join("out2"));
  const pid_t init2 = Pid1Of(q.pid());
  absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (ReadFile(log2).find("ready") == std::string::npos && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
  kill(init2, SIGTERM);
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_EQ(ReadFile(log2), "ready\n");
  const absl::Time second = absl::Now();
  kill(init2, SIGTERM);
  EXPECT_EQ(q.Wait(), 0);
  EXPECT_LT(absl::Now() - second, absl::Seconds(30));
  EXPECT_EQ(ReadFile(log2), absl::StrCat("ready\n", SIGTERM, "\n"));
}

TEST(EntrypointPid1Test, SignalRewrite) {
  TempDir dir;
  const std::string log = dir.Join("signals");
  Process p(AsPid1({"--rewrite-signal=USR1:USR2", "--", kApp, "record", log}), RunOptions(), dir.Join("out"));
  pid_t init = Pid1Of(p.pid());
  absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (ReadFile(log).find("ready") == std::string::npos && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
  kill(init, SIGUSR1);
  absl::SleepFor(absl::Milliseconds(50));
  kill(init, SIGTERM);
  EXPECT_EQ(p.Wait(), 0);
  EXPECT_EQ(ReadFile(log), absl::StrCat("ready\n", SIGUSR2, "\n", SIGTERM, "\n"));
}

TEST(EntrypointPid1Test, DropsPrivilegesCapabilitiesAndChownsOnce) {
  TempDir dir;
  std::filesystem::create_directories(dir.Join("data/sub"));
  WriteFile(dir.Join("data/sub/file"), "x");
  RunResult r = RunCommand(AsPid1({"--user=nobody", "--chown=" + dir.Join("data"), "--", "/bin/cat", "/proc/self/status"}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, ::testing::ContainsRegex("Uid:\\s+65534\\s+65534\\s+65534\\s+65534"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("Gid:\\s+65534"));
  EXPECT_THAT(r.out, HasSubstr("Groups:\t65534 \n"));  // nobody's group only: root's are dropped
  EXPECT_THAT(r.out, HasSubstr("NoNewPrivs:\t1"));
  EXPECT_THAT(r.out, HasSubstr("CapBnd:\t0000000000000000"));
  EXPECT_THAT(r.out, HasSubstr("CapEff:\t0000000000000000"));
  struct stat st;
  ASSERT_EQ(stat(dir.Join("data/sub/file").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 65534u);
  RunResult keep = RunCommand(AsPid1({"--user=nobody", "--keep-caps=NET_BIND_SERVICE", "--", "/bin/cat", "/proc/self/status"}));
  EXPECT_THAT(keep.out, HasSubstr("CapBnd:\t0000000000000400"));
  // postgres is in ssl-cert on Debian: set by default, cleared on request.
  RunResult with_groups = RunCommand(AsPid1({"--user=postgres", "--", "/bin/cat", "/proc/self/status"}));
  RunResult without = RunCommand(AsPid1({"--user=postgres", "--no-supplementary-groups", "--", "/bin/cat", "/proc/self/status"}));
  const std::string pg_gid = std::to_string(ServerGid());
  const group* ssl_cert = getgrnam("ssl-cert");
  ASSERT_NE(ssl_cert, nullptr) << "postgresql-common puts postgres in ssl-cert";
  EXPECT_THAT(with_groups.out, ::testing::ContainsRegex("Groups:[^\n]*[^0-9]" + std::to_string(ssl_cert->gr_gid) + " "));
  EXPECT_THAT(without.out, HasSubstr("Groups:\t" + pg_gid + " \n"));
  EXPECT_EQ(RunCommand(AsPid1({"--user=no-such-user", "--", "true"})).exit_code, 77);
  EXPECT_EQ(RunCommand(AsPid1({"--refuse-root", "--", "true"})).exit_code, 77);
  EXPECT_EQ(RunCommand(AsPid1({"--refuse-root", "--user=nobody", "--", "true"})).exit_code, 0);
}

TEST(EntrypointTest, FileSecretsAndTemplates) {
  TempDir dir;
  WriteFile(dir.Join("pw"), "Ent-S3cret-55\n");
  WriteFile(dir.Join("app.conf.tmpl"), "password=${DB_PASSWORD}\nbuffers=$(( CONTAINER_MEMORY_LIMIT_MB / 4 ))MB\n");
  RunOptions o;
  o.env = {{"DB_PASSWORD_FILE", dir.Join("pw")}};
  RunResult r = RunCommand({BinaryPath("entrypoint"), "--template=" + dir.Join("app.conf.tmpl") + ":" + dir.Join("app.conf") + ":0600",
                            "--", "/usr/bin/env"},
                           o);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("DB_PASSWORD=Ent-S3cret-55\n"));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("DB_PASSWORD_FILE")));
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr("Ent-S3cret-55")));
  EXPECT_THAT(ReadFile(dir.Join("app.conf")), ::testing::StartsWith("password=Ent-S3cret-55\nbuffers="));
  struct stat st;
  ASSERT_EQ(stat(dir.Join("app.conf").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // Mode and owner, set before the rename.
  RunResult owned = RunCommand({BinaryPath("entrypoint"),
                                "--template=" + dir.Join("app.conf.tmpl") + ":" + dir.Join("owned.conf") + ":0640:nobody:nogroup",
                                "--", "true"},
                               o);
  EXPECT_EQ(owned.exit_code, 0) << owned.err;
  ASSERT_EQ(stat(dir.Join("owned.conf").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 65534u);
  EXPECT_EQ(st.st_gid, 65534u);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  // A template with a missing variable: exit 65, the line and column named, nothing written.
  WriteFile(dir.Join("bad.tmpl"), "a=1\nb=${NOT_SET}\n");
  RunResult bad = RunCommand({BinaryPath("entrypoint"), "--template=" + dir.Join("bad.tmpl") + ":" + dir.Join("bad.out"), "--", "true"});
  EXPECT_EQ(bad.exit_code, 65);
  EXPECT_THAT(bad.err, HasSubstr("bad.tmpl:2:3: ${NOT_SET} is not set"));
  EXPECT_FALSE(std::filesystem::exists(dir.Join("bad.out")));
  // Both X and X_FILE: exit 66.
  RunOptions both;
  both.env = {{"DB_PASSWORD_FILE", dir.Join("pw")}, {"DB_PASSWORD", "x"}};
  RunResult conflict = RunCommand({BinaryPath("entrypoint"), "--", "true"}, both);
  EXPECT_EQ(conflict.exit_code, 66);
  EXPECT_THAT(conflict.err, HasSubstr("both DB_PASSWORD and DB_PASSWORD_FILE are set"));
}

TEST(EntrypointTest, PreStartCommandsRunInOrderAndMustSucceed) {
  TempDir dir;
  const std::string marker = dir.Join("marker");
  RunOptions o;
  o.env = {{"ENTRYPOINT_PRE_START", "/usr/bin/touch " + marker + "\n/bin/true"}};
  RunResult ok = RunCommand({BinaryPath("entrypoint"), "--", "/usr/bin/test", "-f", marker}, o);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  RunResult bad = RunCommand({BinaryPath("entrypoint"), "--pre-start=/bin/false", "--pre-start=/usr/bin/touch " + dir.Join("never"),
                              "--", "/usr/bin/touch", dir.Join("app-ran")});
  EXPECT_EQ(bad.exit_code, 71);
  EXPECT_THAT(bad.err, HasSubstr("pre-start command /bin/false exited with 1"));
  EXPECT_FALSE(std::filesystem::exists(dir.Join("never")));
  EXPECT_FALSE(std::filesystem::exists(dir.Join("app-ran")));
}

TEST(EntrypointTest, FirstStartRunsOnlyUntilItsPathExists) {
  TempDir dir;
  const std::string data = dir.Join("data");
  const std::string log = dir.Join("runs");
  // First start: each command runs and creates its path, in order.
  const std::vector<std::string> argv = {BinaryPath("entrypoint"), "--first-start=" + data + ":/bin/mkdir -p " + data,
                                         "--first-start=" + data + "/PG_VERSION:/usr/bin/touch " + data + "/PG_VERSION",
                                         "--pre-start=/usr/bin/touch " + log, "--", "/usr/bin/test", "-f", data + "/PG_VERSION"};
  RunResult first = RunCommand(argv);
  EXPECT_EQ(first.exit_code, 0) << first.err;
  EXPECT_THAT(first.err, HasSubstr("does not exist, running /usr/bin/touch"));
  // Later starts skip it.
  WriteFile(data + "/PG_VERSION", "15\n");
  RunResult again = RunCommand(argv);
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.err, HasSubstr(data + " exists, /bin/mkdir skipped"));
  EXPECT_THAT(again.err, HasSubstr(data + "/PG_VERSION exists, /usr/bin/touch skipped"));
  EXPECT_EQ(ReadFile(data + "/PG_VERSION"), "15\n");

  // A command that succeeds without creating its path is an error, and the app does not start.
  RunResult lying = RunCommand({BinaryPath("entrypoint"), "--first-start=" + dir.Join("never") + ":/bin/true", "--", "/usr/bin/touch",
                                dir.Join("app-ran")});
  EXPECT_EQ(lying.exit_code, 71);
  EXPECT_THAT(lying.err, HasSubstr("first-start command /bin/true exited 0 but did not create " + dir.Join("never")));
  RunResult failing = RunCommand({BinaryPath("entrypoint"), "--first-start=" + dir.Join("never") + ":/bin/false", "--", "/usr/bin/touch",
                                  dir.Join("app-ran")});
  EXPECT_EQ(failing.exit_code, 71);
  EXPECT_THAT(failing.err, HasSubstr("first-start command /bin/false exited with 1"));
  EXPECT_FALSE(std::filesystem::exists(dir.Join("app-ran")));
  RunResult bad = RunCommand({BinaryPath("entrypoint"), "--first-start=relative:/bin/true", "--", "/bin/true"});
  EXPECT_EQ(bad.exit_code, 64);
  EXPECT_THAT(bad.err, HasSubstr("--first-start=relative:/bin/true: want /ABSOLUTE/PATH:COMMAND"));
}

TEST(EntrypointTest, MigratesInProcessBeforeTheApp) {
  PgServer pg;
  const std::string fixtures = std::string(NOSHELL_TEST_SRC_DIR) + "/fixtures/migrations/goose";
  RunOptions o;
  o.env = {{"DATABASE_URL", pg.Url("app")}};
  RunResult r = RunCommand({BinaryPath("entrypoint"), "--wait=env:DATABASE_URL", "--migrate=" + fixtures, "--", kApp, "exit", "0"}, o);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("applied 00003 index users email"));
  EXPECT_THAT(r.err, ::testing::ContainsRegex("ready after [0-9.]+m?s"));  // a unit even when it took 0
  EXPECT_EQ(pg.Psql("SELECT count(*) FROM noshell_migrations"), "3");
  TempDir bad;
  WriteFile(bad.Join("99_broken.up.sql"), "CREATE TABLE x (;\n");
  RunResult failed = RunCommand({BinaryPath("entrypoint"), "--migrate=" + bad.path(), "--", "/usr/bin/touch", bad.Join("app-ran")}, o);
  EXPECT_EQ(failed.exit_code, 70);
  EXPECT_THAT(failed.err, HasSubstr("migrations failed (migrate exit code 5)"));
  EXPECT_FALSE(std::filesystem::exists(bad.Join("app-ran")));

  // TERM while a migration runs, as PID 1: migrate's cancel path rolls it back, then 143.
  TempDir slow, logs;
  WriteFile(slow.Join("1_slow.up.sql"), "CREATE TABLE slow (id int);\nSELECT pg_sleep(30);\n");
  pg.Psql("CREATE DATABASE slowdb", "postgres");
  o.env = {{"DATABASE_URL", pg.Url("slowdb")}};
  Process p(AsPid1({"--migrate=" + slow.path(), "--", "/usr/bin/touch", slow.Join("app-ran")}), o,
            logs.Join("out"));
  pid_t init = Pid1Of(p.pid());
  ASSERT_GT(init, 0);
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (pg.Psql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()") != "1" &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  absl::Time sent = absl::Now();
  kill(init, SIGTERM);
  EXPECT_EQ(p.Wait(), 128 + SIGTERM) << ReadFile(logs.Join("out"));
  EXPECT_LT(absl::Now() - sent, absl::Seconds(1));
  EXPECT_THAT(ReadFile(logs.Join("out")), HasSubstr("stopped by signal 15 during migrations (migrate exit code 7)"));
  EXPECT_EQ(pg.Psql("SELECT to_regclass('slow') IS NULL", "slowdb"), "t");
  EXPECT_EQ(pg.Psql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"), "0");
  EXPECT_FALSE(std::filesystem::exists(slow.Join("app-ran")));
}

TEST(EntrypointTest, WaitsForLateServersThenRunsTheApp) {
  const int port = FreePort();
  TempDir dir;
  Process late({"/bin/sh", "-c", absl::StrCat("sleep 0.7; exec redis-server --port ", port, " --bind 127.0.0.1 --save ''")},
               RunOptions(), dir.Join("redis.log"));
  absl::Time start = absl::Now();
  RunResult r = RunCommand({BinaryPath("entrypoint"), absl::StrCat("--wait=redis://127.0.0.1:", port), "--timeout=10s", "--",
                            kApp, "exit", "0"});
  absl::Duration took = absl::Now() - start;
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr(absl::StrCat("redis://127.0.0.1:", port, "/0 ready after")));
  EXPECT_GE(took, absl::Milliseconds(700));
  // A wait that cannot succeed: exit 69, naming what it waited for and the last error.
  RunResult never = RunCommand({BinaryPath("entrypoint"), absl::StrCat("--wait=tcp://127.0.0.1:", FreePort()), "--timeout=300ms",
                                "--", "true"});
  EXPECT_EQ(never.exit_code, 69);
  EXPECT_THAT(never.err, HasSubstr("not ready after"));
  EXPECT_THAT(never.err, HasSubstr("Connection refused"));
}

TEST(EntrypointTest, WaitsForALatePostgresAndFailsAtOnceOnAWrongPassword) {
  PgServer pg;
  pg.Stop();
  std::thread restart([&pg] {
    absl::SleepFor(absl::Milliseconds(800));
    pg.Start();
  });
  absl::Time start = absl::Now();
  RunResult r = RunCommand({BinaryPath("entrypoint"), "--wait=" + pg.Url("app"), "--timeout=30s", "--", kApp, "exit", "0"});
  restart.join();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(800));
  EXPECT_THAT(r.err, HasSubstr("ready after"));
  absl::Time wrong_start = absl::Now();
  RunResult wrong = RunCommand({BinaryPath("entrypoint"), "--wait=" + absl::StrCat("postgres://app:wrong@127.0.0.1:", pg.port(), "/app"),
                                "--timeout=30s", "--", kApp, "exit", "0"});
  EXPECT_EQ(wrong.exit_code, 69);
  EXPECT_THAT(wrong.err, HasSubstr("password authentication failed"));
  EXPECT_LT(absl::Now() - wrong_start, absl::Seconds(5));  // at once, not after the 30 s timeout
}

// --wait takes healthcheck's per-target options: a CA file for https, status ranges, roles; and
// the server sees who is waiting.
TEST(EntrypointTest, WaitsTakeHealthchecksTargetOptions) {
  TempDir certs_dir;
  Certs certs = MakeCerts(certs_dir.path());
  HttpServer https(&certs);
  const std::string url = absl::StrCat("https://localhost:", https.port(), "/ok");
  RunResult trusted = RunCommand({BinaryPath("entrypoint"), "--wait=" + url, "--ca-file=" + certs.ca_cert, "--timeout=5s", "--", kApp,
                                  "exit", "0"});
  EXPECT_EQ(trusted.exit_code, 0) << trusted.err;
  RunResult untrusted = RunCommand({BinaryPath("entrypoint"), "--wait=" + url, "--timeout=500ms", "--", kApp, "exit", "0"});
  EXPECT_EQ(untrusted.exit_code, 69);
  EXPECT_THAT(untrusted.err, HasSubstr("certificate verification failed"));
  HttpServer http;
  const std::string failing = absl::StrCat("http://127.0.0.1:", http.port(), "/fail");
  RunOptions env;
  env.env = {{"ENTRYPOINT_HTTP_STATUS", "503"}};
  EXPECT_EQ(RunCommand({BinaryPath("entrypoint"), "--wait=" + failing, "--timeout=5s", "--", kApp, "exit", "0"}, env).exit_code, 0);
  RunResult bad = RunCommand({BinaryPath("entrypoint"), "--wait=" + failing, "--pg-role=leader", "--", kApp, "exit", "0"});
  EXPECT_EQ(bad.exit_code, 64);
  EXPECT_THAT(bad.err, HasSubstr("--pg-role=leader: want primary, standby or read-write"));

  PgServer pg;
  RunResult standby = RunCommand({BinaryPath("entrypoint"), "--wait=" + pg.Url("app"), "--pg-role=standby", "--timeout=500ms", "--",
                                  kApp, "exit", "0"});
  EXPECT_EQ(standby.exit_code, 69);
  EXPECT_THAT(standby.err, HasSubstr("server is a primary, want standby"));
  // A wait that holds its session long enough to be seen (a query that sleeps) says who it is.
  std::thread waiter([&] {
    RunCommand({BinaryPath("entrypoint"), "--wait=" + pg.Url("app"), "--pg-query=SELECT pg_sleep(1) IS NOT NULL", "--timeout=10s",
                "--", kApp, "exit", "0"});
  });
  std::string seen;
  for (int i = 0; i < 100 && seen.empty(); ++i) {
    absl::SleepFor(absl::Milliseconds(20));
    seen = pg.Psql("SELECT application_name FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(1)%'");
  }
  waiter.join();
  EXPECT_EQ(seen, "noshell-entrypoint");
}

// The whole chain as PID 1 in a root that holds only static binaries and the /etc files:
// secrets -> waits -> template -> migrations -> privilege drop -> app.
TEST(EntrypointPid1Test, WholeChainInAnEmptyRoot) {
  PgServer pg;
  TempDir root;
  namespace fs = std::filesystem;
  fs::copy_file(BinaryPath("entrypoint"), root.Join("entrypoint"));
  fs::copy_file(std::string(NOSHELL_TEST_BIN_DIR) + "/fake_app_static", root.Join("app"));
  fs::copy(std::string(NOSHELL_TEST_SRC_DIR) + "/fixtures/migrations/dbmate", root.Join("migrations"));
  fs::create_directories(root.Join("etc"));
  fs::create_directories(root.Join("run/secrets"));
  fs::create_directories(root.Join("conf"));
  WriteFile(root.Join("etc/passwd"), "root:x:0:0:root:/root:/nonexistent\nnonroot:x:65532:65532:nonroot:/home/nonroot:/nonexistent\n");
  WriteFile(root.Join("etc/group"), "root:x:0:\nnonroot:x:65532:\n");
  WriteFile(root.Join("etc/hosts"), "127.0.0.1 db.internal\n");
  WriteFile(root.Join("run/secrets/db_password"), "apppass\n");
  WriteFile(root.Join("conf/app.conf.tmpl"), "workers = $(( CONTAINER_CPU_COUNT * 2 ))\ndb = ${DB_HOST}\n");
  std::vector<std::string> argv = {
      "unshare", "--pid", "--fork", "--kill-child", "chroot", root.path(), "/entrypoint", "--log-level=warn",
      "--wait=postgres://app@db.internal:" + std::to_string(pg.port()) + "/app",
      "--template=/conf/app.conf.tmpl:/conf/app.conf:0644", "--migrate=/migrations", "--user=nonroot", "--chown=/conf",
      "--", "/app", "expect-user", "65532", "65532"};
  RunOptions o;
  o.env = {{"PGPASSWORD_FILE", "/run/secrets/db_password"}, {"DB_HOST", "db.internal"},
           {"DATABASE_URL", "postgres://app@db.internal:" + std::to_string(pg.port()) + "/app"}};
  RunResult r = RunCommand(argv, o);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(pg.Psql("SELECT count(*) FROM noshell_migrations"), "3");
  EXPECT_THAT(ReadFile(root.Join("conf/app.conf")), HasSubstr("db = db.internal"));
  struct stat st;
  ASSERT_EQ(stat(root.Join("conf/app.conf").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 65532u);
}


// Hostile-test W1: HUP (reload) and QUIT (thread dump) were taken for stop signals, and an app
// that handled them and kept running was killed when the grace period ran out.
TEST(EntrypointPid1Test, HupAndQuitAreForwardedWithoutKillingTheApp) {
  TempDir dir;
  const std::string log = dir.Join("signals");
  Process p(AsPid1({"--grace=300ms", "--", kApp, "record", log}), RunOptions(), dir.Join("out"));
  pid_t init = Pid1Of(p.pid());
  ASSERT_GT(init, 0);
  absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (ReadFile(log).find("ready") == std::string::npos && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
  kill(init, SIGHUP);
  absl::SleepFor(absl::Milliseconds(20));
  kill(init, SIGQUIT);
  absl::SleepFor(absl::Milliseconds(900));  // three grace periods
  kill(init, SIGTERM);
  EXPECT_EQ(p.Wait(), 0);  // the app's own exit on TERM, not 137
  EXPECT_EQ(ReadFile(log), absl::StrCat("ready\n", SIGHUP, "\n", SIGQUIT, "\n", SIGTERM, "\n"));
}

// Hostile-test H2: with a terminal (docker run -it) the app was a background job on it and was
// stopped by SIGTTIN the moment it read stdin.
TEST(EntrypointPid1Test, AppOwnsTheTerminal) {
  TempDir dir;
  WriteFile(dir.Join("in"), "hello from the terminal\n");
  const std::string got = dir.Join("got");
  RunOptions o;
  o.stdin_path = dir.Join("in");
  o.timeout = absl::Seconds(20);
  const std::string cmd = absl::StrJoin(AsPid1({"--", kApp, "read-line", got}), " ");
  RunResult r = RunCommand({"/usr/bin/script", "-qfec", cmd, "/dev/null"}, o);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(ReadFile(got), "hello from the terminal\n");
}

// Hostile-test H1 and "signals at every phase": before the app runs, TERM and INT were dropped (as
// PID 1) and `docker stop` waited for the SIGKILL. Each phase now ends promptly with 128+N.
TEST(EntrypointPid1Test, TermOrIntBeforeTheAppStartsEndsAtOnce) {
  BlackHole hole;
  TempDir dir;
  struct Phase {
    std::string name;
    std::vector<std::string> args;
    int sig;
  };
  // Rendering: eight copies of a 5 MB template take a few seconds.
  std::string big;
  for (int i = 0; i < 160000; ++i) big += "v=$((1+2*3-4/2)) ${A:-${B:-x}}\n";
  WriteFile(dir.Join("big.tmpl"), big);
  std::vector<std::string> rendering;
  for (int i = 0; i < 8; ++i) rendering.push_back(absl::StrCat("--template=", dir.Join("big.tmpl"), ":", dir.Join("big.out"), i));
  rendering.insert(rendering.end(), {"--", kApp, "exit", "0"});
  const std::vector<Phase> phases = {
      {"rendering", rendering, SIGTERM},
      {"waiting", {"--wait=tcp://127.0.0.1:1", "--timeout=60s", "--", kApp, "exit", "0"}, SIGTERM},
      {"waiting", {absl::StrCat("--wait=postgres://app:pw@127.0.0.1:", hole.port(), "/app"), "--", kApp, "exit", "0"}, SIGINT},
      {"pre-start", {"--pre-start=/bin/sleep 30", "--", kApp, "exit", "0"}, SIGTERM},
      {"first-start", {"--first-start=" + dir.Join("never") + ":/bin/sleep 30", "--", kApp, "exit", "0"}, SIGINT},
  };
  for (const Phase& phase : phases) {
    Process p(AsPid1(phase.args), RunOptions(), dir.Join("out"));
    pid_t init = Pid1Of(p.pid());
    ASSERT_GT(init, 0);
    if (phase.name == "rendering") {
      // Once the first template is written beside its destination, seven are still to render.
      absl::Time deadline = absl::Now() + absl::Seconds(20);
      auto staged = [&] {
        for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
          if (e.path().filename().string().rfind("big.out0.tmp-", 0) == 0) return true;
        }
        return false;
      };
      while (!staged() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(1));
    } else {
      absl::SleepFor(absl::Milliseconds(400));
    }
    absl::Time sent = absl::Now();
    kill(init, phase.sig);
    EXPECT_EQ(p.Wait(), 128 + phase.sig) << phase.name << ": " << ReadFile(dir.Join("out"));
    EXPECT_LT(absl::Now() - sent, absl::Seconds(1)) << phase.name;
  }
  EXPECT_THAT(ReadFile(dir.Join("out")), HasSubstr("stopped by SIGTERM before the app started"));
  EXPECT_FALSE(std::filesystem::exists(dir.Join("big.out0"))) << "nothing rendered is put in place";
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << "left behind: " << e.path();
  }
  EXPECT_THAT(ReadFile(dir.Join("out")), HasSubstr("during pre-start command /bin/sleep"));
}

// The secrets phase: 30 000 X_FILE variables take a moment to read; TERM as soon as the first is
// logged ends entrypoint with 143 and the app never starts.
TEST(EntrypointPid1Test, TermWhileReadingSecretsEndsAtOnce) {
  TempDir dir;
  WriteFile(dir.Join("secret"), "a-secret-value\n");
  RunOptions o;
  for (int i = 0; i < 30000; ++i) o.env[absl::StrCat("S", i, "_FILE")] = dir.Join("secret");
  std::vector<std::string> argv = AsPid1({"--", "/usr/bin/touch", dir.Join("app-ran")});
  argv.erase(std::find(argv.begin(), argv.end(), std::string("--log-level=warn")));  // the secret lines show progress
  Process p(argv, o, dir.Join("out"));
  pid_t init = Pid1Of(p.pid());
  ASSERT_GT(init, 0);
  absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (ReadFile(dir.Join("out")).find("secret S") == std::string::npos && absl::Now() < deadline) {
    absl::SleepFor(absl::Microseconds(200));
  }
  ASSERT_LT(absl::Now(), deadline) << ReadFile(dir.Join("out"));
  absl::Time sent = absl::Now();
  kill(init, SIGTERM);
  EXPECT_EQ(p.Wait(), 128 + SIGTERM) << ReadFile(dir.Join("out")).substr(0, 2000);
  EXPECT_LT(absl::Now() - sent, absl::Seconds(1));
  EXPECT_THAT(ReadFile(dir.Join("out")), HasSubstr("stopped by SIGTERM before the app started"));
  EXPECT_FALSE(std::filesystem::exists(dir.Join("app-ran")));
}

// Hostile-test W5: option handling.
TEST(EntrypointTest, OptionMistakesHaveTheirExitCodes) {
  struct Case {
    std::vector<std::string> args;
    int exit_code;
    std::string err;
  };
  for (const Case& c : {Case{{"--user=4294967295", "--", kApp, "exit", "0"}, 77, "4294967295 is not a valid uid"},
                        Case{{"--", ""}, 64, "the command is an empty string"},
                        Case{{"--keep-caps=NET_BIND_SERVICE", "--", kApp, "exit", "0"}, 64, "--keep-caps needs --user"},
                        Case{{"--chown=/tmp", "--", kApp, "exit", "0"}, 64, "--chown needs --user"},
                        Case{{"--no-supplementary-groups", "--", kApp, "exit", "0"}, 64, "--no-supplementary-groups needs --user"},
                        Case{{"--format=yaml", "--", kApp, "exit", "0"}, 64, "format \"yaml\": want text or json"},
                        Case{{"--log-level=loud", "--", kApp, "exit", "0"}, 64, "log level \"loud\": want trace, debug"},
                        Case{{"--version"}, 0, ""}}) {
    std::vector<std::string> argv = {BinaryPath("entrypoint")};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    RunResult r = RunCommand(argv);
    EXPECT_EQ(r.exit_code, c.exit_code) << absl::StrJoin(c.args, " ") << ": " << r.err;
    EXPECT_THAT(r.err, HasSubstr(c.err));
    if (c.exit_code == 0) {
      EXPECT_EQ(r.out, "entrypoint (noshell) 0.1.0\n");
    }
  }
}

// Hostile-test D2, D3, D6 through the binary: as PID 1 a planted DST.tmp.1 symlink is not
// followed; a directory is not a template; one bad template leaves every destination as it was.
TEST(EntrypointPid1Test, TemplatesAreWrittenSafelyAndAllOrNothing) {
  TempDir dir;
  WriteFile(dir.Join("a.tmpl"), "x=${A}\n");
  WriteFile(dir.Join("victim"), "ORIGINAL\n", 0644);
  ASSERT_EQ(symlink(dir.Join("victim").c_str(), dir.Join("app.conf.tmp.1").c_str()), 0);
  RunOptions o;
  o.env = {{"A", "rendered"}};
  RunResult r = RunCommand(AsPid1({"--template=" + dir.Join("a.tmpl") + ":" + dir.Join("app.conf") + ":0600", "--", kApp, "exit", "0"}), o);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ReadFile(dir.Join("victim")), "ORIGINAL\n");
  EXPECT_EQ(ReadFile(dir.Join("app.conf")), "x=rendered\n");
  struct stat st;
  ASSERT_EQ(lstat(dir.Join("app.conf").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  ASSERT_EQ(stat(dir.Join("victim").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);

  WriteFile(dir.Join("out.conf"), "KEEP\n");
  r = RunCommand(AsPid1({"--template=" + dir.path() + ":" + dir.Join("out.conf"), "--", kApp, "exit", "0"}));
  EXPECT_EQ(r.exit_code, 65);
  EXPECT_THAT(r.err, HasSubstr("read template " + dir.path() + ": is a directory"));
  EXPECT_EQ(ReadFile(dir.Join("out.conf")), "KEEP\n");

  WriteFile(dir.Join("1.tmpl"), "one=${A}\n");
  WriteFile(dir.Join("2.tmpl"), "two=${MISSING}\n");
  WriteFile(dir.Join("1.out"), "OLD1\n");
  WriteFile(dir.Join("2.out"), "OLD2\n");
  r = RunCommand(AsPid1({"--template=" + dir.Join("1.tmpl") + ":" + dir.Join("1.out"),
                         "--template=" + dir.Join("2.tmpl") + ":" + dir.Join("2.out"), "--", kApp, "exit", "0"}), o);
  EXPECT_EQ(r.exit_code, 65);
  EXPECT_EQ(ReadFile(dir.Join("1.out")), "OLD1\n");
  EXPECT_EQ(ReadFile(dir.Join("2.out")), "OLD2\n");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), std::filesystem::directory_iterator()), 9)
      << "no temp file left behind";
}

}  // namespace
}  // namespace noshell::testing
