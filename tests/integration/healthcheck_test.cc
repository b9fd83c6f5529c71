// healthcheck against real PostgreSQL 15, Redis 7, HTTP(S) servers, files and sockets.
// Every test runs the built (static) binary as a child process, as Docker would.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <fcntl.h>

#include <filesystem>

#include "absl/strings/match.h"
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
using ::testing::Not;

RunResult Hc(const std::vector<std::string>& args, std::map<std::string, std::string> env = {}) {
  std::vector<std::string> argv = {BinaryPath("healthcheck")};
  argv.insert(argv.end(), args.begin(), args.end());
  RunOptions o;
  o.env = std::move(env);
  return RunCommand(argv, o);
}

class HealthcheckTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pg_ = new PgServer();
    redis_ = new RedisServer();
  }
  static void TearDownTestSuite() {
    delete pg_;
    delete redis_;
  }
  static std::string RedisUrl() { return absl::StrCat("redis://127.0.0.1:", redis_->port()); }
  static PgServer* pg_;
  static RedisServer* redis_;
};
PgServer* HealthcheckTest::pg_ = nullptr;
RedisServer* HealthcheckTest::redis_ = nullptr;

// healthcheck --serve: the targets' readiness over HTTP from background probes, until TERM.
// Ready targets give 200; a wrong password 503 naming the target and why, never the password;
// /metrics has a line per target; TERM ends it with 0.
TEST_F(HealthcheckTest, ServeAnswersProbesFromTheBackground) {
  const int port = FreePort();
  TempDir dir;
  Process served({BinaryPath("healthcheck"), absl::StrCat("--serve=127.0.0.1:", port), "--ready-interval=1s", "--timeout=3s",
                  pg_->Url(), RedisUrl()},
                 RunOptions(), dir.Join("serve.log"));
  std::string ready;
  for (int i = 0; i < 200 && !absl::StartsWith(ready, "HTTP/1.1 200 "); ++i) {
    absl::SleepFor(absl::Milliseconds(50));
    ready = HttpGet(port, "/readyz");
  }
  EXPECT_THAT(ready, ::testing::StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(ready, HasSubstr(absl::StrCat("\r\n\r\nready\nok   postgres://app@127.0.0.1:", pg_->port(), "/app (since ")));
  EXPECT_THAT(HttpGet(port, "/livez"), HasSubstr("\r\n\r\nalive\n"));
  const std::string metrics = HttpGet(port, "/metrics");
  EXPECT_THAT(metrics, HasSubstr(absl::StrCat("\nnoshell_target_up{target=\"redis://127.0.0.1:", redis_->port(), "/0\"} 1\n")));
  EXPECT_THAT(metrics, HasSubstr("\nprocess_resident_memory_bytes "));
  EXPECT_THAT(HttpGet(port, "/nothing"), ::testing::StartsWith("HTTP/1.1 404 "));
  served.Signal(SIGTERM);
  EXPECT_EQ(served.Wait(), 0);

  // A wrong password: not ready, with the reason, and the password nowhere.
  const int port2 = FreePort();
  std::string wrong_url = pg_->Url();
  wrong_url.replace(wrong_url.find("apppass"), 7, "Wr0ng-pw-Qz");
  Process wrong({BinaryPath("healthcheck"), absl::StrCat("--serve=127.0.0.1:", port2), "--timeout=3s", wrong_url},
                RunOptions(), dir.Join("wrong.log"));
  std::string not_ready;
  for (int i = 0; i < 200 && !absl::StrContains(not_ready, "password"); ++i) {
    absl::SleepFor(absl::Milliseconds(50));
    not_ready = HttpGet(port2, "/readyz?format=json");
  }
  EXPECT_THAT(not_ready, ::testing::StartsWith("HTTP/1.1 503 Service Unavailable\r\n"));
  EXPECT_THAT(not_ready, HasSubstr("\"ready\":false"));
  EXPECT_THAT(not_ready, HasSubstr("password authentication failed"));
  EXPECT_THAT(not_ready + HttpGet(port2, "/metrics"), Not(HasSubstr("Wr0ng-pw-Qz")));
  wrong.Signal(SIGTERM);
  EXPECT_EQ(wrong.Wait(), 0);
  EXPECT_THAT(ReadFile(dir.Join("wrong.log")), Not(HasSubstr("Wr0ng-pw-Qz")));
}

TEST_F(HealthcheckTest, PostgresAndRedisHealthy) {
  RunResult r = Hc({pg_->Url(), RedisUrl()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr(absl::StrCat("ok   postgres://app@127.0.0.1:", pg_->port(), "/app ")));
  EXPECT_THAT(r.out, HasSubstr(absl::StrCat("ok   redis://127.0.0.1:", redis_->port(), "/0 ")));
  EXPECT_EQ(r.err, "");
}

// Hostile-test W2: a host list where a host has no port (the README's own postgres://h1,h2/db)
// was refused with invalid port "". An empty port is libpq's default, 5432: nothing listens
// there, so the first host fails and the second, with its port, answers.
TEST_F(HealthcheckTest, MultiHostUrlWithADefaultPort) {
  RunResult r = Hc({absl::StrCat("postgres://app:apppass@127.0.0.2,127.0.0.1:", pg_->port(), "/app")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr(absl::StrCat("ok   postgres://app@127.0.0.2,127.0.0.1:", pg_->port(), "/app ")));
}

TEST_F(HealthcheckTest, WrongPasswordIsUnhealthy) {
  RunResult r = Hc({absl::StrCat("postgres://app:wrongpass@127.0.0.1:", pg_->port(), "/app")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("FAIL postgres://app@127.0.0.1"));
  EXPECT_THAT(r.out, HasSubstr("password authentication failed for user \"app\" (SQLSTATE 28P01)"));
  // pg_isready calls the same server healthy: that is what --pg-check=ping is for.
  RunResult ping = Hc({"--pg-check=ping", absl::StrCat("postgres://app:wrongpass@127.0.0.1:", pg_->port(), "/app")});
  EXPECT_EQ(ping.exit_code, 0) << ping.out;
}

TEST_F(HealthcheckTest, UnknownDatabaseIsUnhealthy) {
  RunResult r = Hc({pg_->Url("nosuchdb")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("database \"nosuchdb\" does not exist (SQLSTATE 3D000)"));
}

TEST_F(HealthcheckTest, ServerDownIsUnhealthy) {
  int port = FreePort();
  RunResult r = Hc({absl::StrCat("postgres://app:apppass@127.0.0.1:", port, "/app"), absl::StrCat("redis://127.0.0.1:", port),
                    "--pg-check=ping"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr(absl::StrCat("FAIL postgres://app@127.0.0.1:", port)));
  EXPECT_THAT(r.out, HasSubstr("Connection refused"));
  RunResult login = Hc({absl::StrCat("postgres://app:apppass@127.0.0.1:", port, "/app")});
  EXPECT_EQ(login.exit_code, 1);
  EXPECT_THAT(login.out, HasSubstr("Connection refused"));
}

TEST_F(HealthcheckTest, CustomQueryMustReturnTrue) {
  pg_->Psql("CREATE TABLE IF NOT EXISTS flags (ready boolean); DELETE FROM flags; INSERT INTO flags VALUES (false)");
  const std::string q = "--pg-query=SELECT ready FROM flags";
  RunResult no = Hc({q, pg_->Url()});
  EXPECT_EQ(no.exit_code, 1);
  EXPECT_THAT(no.out, HasSubstr("query returned \"f\", want true"));
  pg_->Psql("UPDATE flags SET ready = true");
  RunResult yes = Hc({q, pg_->Url()});
  EXPECT_EQ(yes.exit_code, 0) << yes.out;
  // Per target, in the URL.
  RunResult url = Hc({pg_->Url() + "?query=SELECT%20count(*)%20%3E%2010%20FROM%20flags"});
  EXPECT_EQ(url.exit_code, 1);
  EXPECT_THAT(url.out, HasSubstr("query returned \"f\""));
  RunResult bad = Hc({"--pg-query=SELEC 1", pg_->Url()});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.out, HasSubstr("syntax error"));
}

TEST_F(HealthcheckTest, PrimaryVersusStandby) {
  std::unique_ptr<PgServer> standby = pg_->MakeStandby();
  std::string standby_url = absl::StrCat("postgres://app:apppass@127.0.0.1:", standby->port(), "/app");
  RunResult r = Hc({"--pg-role=primary", pg_->Url(), standby_url});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr(absl::StrCat("ok   postgres://app@127.0.0.1:", pg_->port())));
  EXPECT_THAT(r.out, HasSubstr("server is a standby, want primary"));
  EXPECT_EQ(Hc({"--pg-role=standby", standby_url}).exit_code, 0);
  EXPECT_EQ(Hc({"--pg-role=read-write", standby_url}).exit_code, 1);
  EXPECT_EQ(Hc({pg_->Url() + "?role=read-write", standby_url + "?role=standby"}).exit_code, 0);
  EXPECT_THAT(Hc({"--pg-role=standby", pg_->Url()}).out, HasSubstr("server is a primary, want standby"));
}

TEST_F(HealthcheckTest, LivenessAcceptsStartingUpServer) {
  // A standby with hot_standby=off refuses connections with SQLSTATE 57P03 for as long as it runs:
  // a real "not accepting connections yet" server.
  std::unique_ptr<PgServer> cold = pg_->MakeStandby("hot_standby = off");
  std::string url = absl::StrCat("postgres://app:apppass@127.0.0.1:", cold->port(), "/app");
  RunResult ready = Hc({url});
  EXPECT_EQ(ready.exit_code, 1);
  EXPECT_THAT(ready.out, HasSubstr("SQLSTATE 57P03"));
  RunResult alive = Hc({"--mode=liveness", url});
  EXPECT_EQ(alive.exit_code, 0) << alive.out;
  EXPECT_EQ(Hc({"--pg-check=ping", url}).exit_code, 1);
  EXPECT_EQ(Hc({"--pg-check=ping", "--mode=liveness", url}).exit_code, 0);
}

TEST(HealthcheckTlsTest, PostgresOverTlsWithGeneratedCa) {
  PgServer::Options o;
  o.tls = true;
  o.hba_lines = {"hostssl all all 127.0.0.1/32 scram-sha-256"};
  PgServer pg(o);
  std::string base = absl::StrCat("postgres://app:apppass@localhost:", pg.port(), "/app?sslmode=verify-full&sslrootcert=");
  RunResult ok = Hc({base + pg.certs().ca_cert});
  EXPECT_EQ(ok.exit_code, 0) << ok.out;
  TempDir other;
  Certs wrong = MakeCerts(other.path(), "some-other-ca");
  RunResult bad = Hc({base + wrong.ca_cert});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.out, HasSubstr("certificate verify failed"));
  RunResult plain = Hc({absl::StrCat("postgres://app:apppass@127.0.0.1:", pg.port(), "/app?sslmode=disable")});
  EXPECT_EQ(plain.exit_code, 1);
  EXPECT_THAT(plain.out, HasSubstr("no encryption"));
}

TEST(HealthcheckKerberosTest, GssapiIsReportedAsUnsupported) {
  PgServer::Options o;
  o.hba_lines = {"host all all 127.0.0.1/32 gss"};
  PgServer pg(o);
  RunResult r = Hc({pg.Url()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("Kerberos (GSSAPI) is not supported by this static build of noshell"));
}

TEST(HealthcheckLdapTest, LdapServiceLookupIsReportedAsUnsupported) {
  TempDir dir;
  WriteFile(dir.Join("pg_service.conf"), "[appdb]\nldap://127.0.0.1:389/dc=example?uniqueMember?one?(cn=appdb)\n");
  RunResult r = Hc({"service=appdb"}, {{"PGSERVICEFILE", dir.Join("pg_service.conf")}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("LDAP service lookup is not supported by this static build of noshell"));
}

TEST_F(HealthcheckTest, RedisAclUser) {
  redis_->Cli({"ACL", "SETUSER", "alice", "on", ">alicepass", "~*", "+@all"});
  std::string hostport = absl::StrCat("127.0.0.1:", redis_->port());
  EXPECT_EQ(Hc({"redis://alice:alicepass@" + hostport + "/2"}).exit_code, 0);
  RunResult bad = Hc({"redis://alice:nope@" + hostport});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.out, HasSubstr("AUTH: WRONGPASS"));
  // The password may come from the environment instead of the URL.
  EXPECT_EQ(Hc({"redis://alice@" + hostport}, {{"REDISCLI_AUTH", "alicepass"}}).exit_code, 0);
}

TEST_F(HealthcheckTest, RedisRequirePassAndNoAuth) {
  RedisServer locked({"--requirepass", "lockedpass"});
  std::string hostport = absl::StrCat("127.0.0.1:", locked.port());
  RunResult r = Hc({"redis://" + hostport});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("NOAUTH Authentication required"));
  EXPECT_EQ(Hc({"redis://:lockedpass@" + hostport}).exit_code, 0);
}

TEST(HealthcheckRedisTest, LoadingIsNotReadyButAlive) {
  TempDir data;
  {
    // A real dataset, saved to disk...
    RedisServer seed({"--enable-debug-command", "yes", "--dir", data.path()});
    seed.Cli({"DEBUG", "POPULATE", "300000", "key", "64"});
    ASSERT_EQ(seed.Cli({"SAVE"}), "OK");
    ASSERT_TRUE(std::filesystem::exists(data.Join("dump.rdb")));
  }
  // ...loaded by a new server; key-load-delay keeps it LOADING long enough to observe.
  RedisServer loading({"--dir", data.path(), "--key-load-delay", "50", "--loading-process-events-interval-bytes", "1024"},
                      false, false);
  std::string url = absl::StrCat("redis://127.0.0.1:", loading.port());
  RunResult ready = Hc({url});
  RunResult alive = Hc({"--mode=liveness", url});
  EXPECT_EQ(ready.exit_code, 1) << ready.out;
  EXPECT_THAT(ready.out, HasSubstr("LOADING Redis is loading the dataset in memory"));
  EXPECT_EQ(alive.exit_code, 0) << alive.out;
  // redis-cli ping reports the same server as up: exit 0.
  RunResult cli = RunCommand({"redis-cli", "-p", std::to_string(loading.port()), "ping"});
  EXPECT_EQ(cli.exit_code, 0);
  EXPECT_THAT(cli.out, HasSubstr("LOADING"));
}

TEST(HealthcheckRedisTest, ReplicaWhoseMasterIsDown) {
  auto master = std::make_unique<RedisServer>();
  RedisServer replica({"--replicaof", "127.0.0.1", std::to_string(master->port())});
  std::string url = absl::StrCat("redis://127.0.0.1:", replica.port());
  absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (!absl::StrContains(replica.Cli({"INFO", "replication"}), "master_link_status:up") && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  RunResult up = Hc({"--redis-role=replica", url});
  EXPECT_EQ(up.exit_code, 0) << up.out;
  RunResult wrong = Hc({url + "?role=master"});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_THAT(wrong.out, HasSubstr("role is replica, want master"));
  master->Stop();
  deadline = absl::Now() + absl::Seconds(20);
  while (!absl::StrContains(replica.Cli({"INFO", "replication"}), "master_link_status:down") && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  RunResult down = Hc({"--redis-role=replica", url});
  EXPECT_EQ(down.exit_code, 1);
  EXPECT_THAT(down.out, HasSubstr("link to master 127.0.0.1 is down"));
}

TEST(HealthcheckRedisTest, RedissWithGeneratedCa) {
  RedisServer tls({}, true);
  std::string url = absl::StrCat("rediss://localhost:", tls.port());
  EXPECT_EQ(Hc({url + "?ca_file=" + tls.certs().ca_cert}).exit_code, 0);
  EXPECT_EQ(Hc({"--ca-file=" + tls.certs().ca_cert, url}).exit_code, 0);
  RunResult unknown_ca = Hc({url});
  EXPECT_EQ(unknown_ca.exit_code, 1);
  EXPECT_THAT(unknown_ca.out, HasSubstr("certificate verification failed"));
  EXPECT_EQ(Hc({"--insecure", url}).exit_code, 0);
  // A plain-text client against the TLS port gets no PONG.
  EXPECT_EQ(Hc({absl::StrCat("redis://localhost:", tls.port()), "--timeout=500ms"}).exit_code, 1);
}

TEST(HealthcheckHttpTest, HttpStatusAndBody) {
  HttpServer http;
  std::string base = absl::StrCat("http://127.0.0.1:", http.port());
  EXPECT_EQ(Hc({base + "/ok"}).exit_code, 0);
  RunResult fail = Hc({base + "/fail"});
  EXPECT_EQ(fail.exit_code, 1);
  EXPECT_THAT(fail.out, HasSubstr("HTTP 503 Service Unavailable"));
  EXPECT_EQ(Hc({"--http-status=503", base + "/fail"}).exit_code, 0);
  EXPECT_EQ(Hc({"--http-body=status: ok", base + "/ok"}).exit_code, 0);
  EXPECT_EQ(Hc({"--http-body=status: ok", base + "/ok/chunked"}).exit_code, 0);
  RunResult body = Hc({"--http-body=all good", base + "/ok"});
  EXPECT_EQ(body.exit_code, 1);
  EXPECT_THAT(body.out, HasSubstr("does not contain \"all good\""));
}

TEST(HealthcheckHttpTest, HttpsVerifiedAgainstCaFile) {
  TempDir certs_dir;
  Certs certs = MakeCerts(certs_dir.path());
  HttpServer https(&certs);
  std::string url = absl::StrCat("https://localhost:", https.port(), "/ok");
  EXPECT_EQ(Hc({"--ca-file=" + certs.ca_cert, url}).exit_code, 0);
  RunResult untrusted = Hc({url});
  EXPECT_EQ(untrusted.exit_code, 1);
  EXPECT_THAT(untrusted.out, HasSubstr("certificate verification failed"));
  EXPECT_EQ(Hc({"--insecure", url}).exit_code, 0);
  EXPECT_EQ(Hc({"--ca-file=" + certs.ca_cert, absl::StrCat("https://127.0.0.1:", https.port(), "/ok")}).exit_code, 0);
}

TEST(HealthcheckFileTest, HeartbeatFreshAndStale) {
  TempDir dir;
  std::string beat = dir.Join("heartbeat");
  WriteFile(beat, "");
  EXPECT_EQ(Hc({"file://" + beat}).exit_code, 0);
  timespec times[2] = {{time(nullptr) - 120, 0}, {time(nullptr) - 120, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, beat.c_str(), times, 0), 0);
  RunResult stale = Hc({"file://" + beat});
  EXPECT_EQ(stale.exit_code, 1);
  EXPECT_THAT(stale.out, HasSubstr("stale: modified 2m"));
  EXPECT_EQ(Hc({"--max-age=5m", "file://" + beat}).exit_code, 0);
  EXPECT_EQ(Hc({"file://" + beat + "?max_age=30s", "--max-age=5m"}).exit_code, 1);
  RunResult missing = Hc({"file://" + dir.Join("nothing")});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.out, HasSubstr("No such file or directory"));
}

TEST(HealthcheckSocketTest, UnixSocket) {
  TempDir dir;
  std::string path = dir.Join("app.sock");
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path.c_str());
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  ASSERT_EQ(listen(fd, 8), 0);
  EXPECT_EQ(Hc({"unix://" + path}).exit_code, 0);
  close(fd);
  RunResult gone = Hc({"unix://" + path});
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_THAT(gone.out, HasSubstr("Connection refused"));
}

TEST(HealthcheckDeadlineTest, SilentListenerIsNamedAndDeadlineHolds) {
  BlackHole hole;
  HttpServer http;
  const std::string p = std::to_string(hole.port());
  for (const char* timeout : {"300ms", "700ms"}) {
    RunResult r = Hc({std::string("--timeout=") + timeout, "--format=json", "postgres://app:x@127.0.0.1:" + p + "/app",
                      "redis://127.0.0.1:" + p, "http://127.0.0.1:" + p + "/",
                      absl::StrCat("http://127.0.0.1:", http.port(), "/ok")});
    absl::Duration want;
    ASSERT_TRUE(absl::ParseDuration(timeout, &want));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_THAT(r.out, HasSubstr("\"target\":\"postgres://app@127.0.0.1:" + p + "/app\",\"healthy\":false"));
    EXPECT_THAT(r.out, HasSubstr("\"target\":\"redis://127.0.0.1:" + p + "/0\",\"healthy\":false"));
    EXPECT_THAT(r.out, HasSubstr("timed out waiting for the reply"));
    EXPECT_THAT(r.out, HasSubstr("timed out waiting for the HTTP response"));
    EXPECT_THAT(r.out, HasSubstr("\"code\":\"deadline_exceeded\""));
    EXPECT_THAT(r.out, HasSubstr(absl::StrCat("/ok\",\"healthy\":true")));
    // The binary's own clock: finished within 50 ms of the deadline.
    size_t at = r.out.find("\"elapsed_ms\":");
    ASSERT_NE(at, std::string::npos);
    int elapsed_ms = std::atoi(r.out.c_str() + at + 13);
    EXPECT_GE(elapsed_ms, absl::ToInt64Milliseconds(want) - 5);
    EXPECT_LE(elapsed_ms, absl::ToInt64Milliseconds(want) + 50) << r.out;
    std::printf("deadline %s: healthcheck reported %d ms, wall %lld ms including process start\n", timeout, elapsed_ms,
                static_cast<long long>(absl::ToInt64Milliseconds(r.elapsed)));
  }
}

TEST(HealthcheckUsageTest, BadUsageExitsOneNeverTwo) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{}, {"--bogus"}, {"ftp://x"}, {"--timeout=x", "tcp://a:1"}, {"env:UNSET"}}) {
    RunResult r = Hc(args);
    EXPECT_EQ(r.exit_code, 1) << absl::StrJoin(args, " ");
    EXPECT_THAT(r.err, HasSubstr("healthcheck: ")) << absl::StrJoin(args, " ");
  }
  EXPECT_EQ(Hc({"--help"}).exit_code, 0);
}

TEST_F(HealthcheckTest, TargetsFromEnvironment) {
  std::map<std::string, std::string> env = {
      {"HEALTHCHECK_TARGETS", "env:REVIEWPOINT_DB_URL " + RedisUrl()},
      {"REVIEWPOINT_DB_URL", absl::StrCat("postgresql+asyncpg://app:apppass@127.0.0.1:", pg_->port(), "/app")}};
  RunResult r = Hc({}, env);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("ok   postgres://app@127.0.0.1"));
  EXPECT_THAT(r.out, HasSubstr("ok   redis://"));
  // PG* variables alone, with the password in a file.
  TempDir dir;
  WriteFile(dir.Join("pw"), "apppass\n");
  RunResult pgenv = Hc({"postgres://"}, {{"PGHOST", "127.0.0.1"}, {"PGPORT", std::to_string(pg_->port())},
                                         {"PGUSER", "app"}, {"PGDATABASE", "app"}, {"PGPASSWORD_FILE", dir.Join("pw")}});
  EXPECT_EQ(pgenv.exit_code, 0) << pgenv.out << pgenv.err;
  // A libpq key=value string.
  EXPECT_EQ(Hc({absl::StrCat("host=127.0.0.1 port=", pg_->port(), " user=app password=apppass dbname=app")}).exit_code, 0);
}

TEST_F(HealthcheckTest, PlantedSecretNeverAppearsInAnyOutput) {
  const std::string secret = "Pl4nted-S3cret-q8z";
  redis_->Cli({"ACL", "SETUSER", "planted", "on", ">" + secret, "~*", "+@all"});
  pg_->Psql("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'planted') THEN "
            "CREATE ROLE planted LOGIN PASSWORD '" + secret + "'; END IF; END $$");
  TempDir dir;
  WriteFile(dir.Join("secret"), secret + "\n");
  const std::string pg_ok = absl::StrCat("postgres://planted:", secret, "@127.0.0.1:", pg_->port(), "/app");
  const std::string pg_bad_db = absl::StrCat("postgres://planted:", secret, "@127.0.0.1:", pg_->port(), "/nodb");
  const std::string redis_ok = absl::StrCat("redis://planted:", secret, "@127.0.0.1:", redis_->port());
  const std::string down = absl::StrCat("postgres://planted:", secret, "@127.0.0.1:", FreePort(), "/app");
  std::vector<RunResult> runs = {
      Hc({pg_ok, redis_ok}),
      Hc({"--format=json", "--log-level=debug", pg_ok, redis_ok, pg_bad_db, down}),
      Hc({"--log-level=debug", pg_bad_db, down, absl::StrCat("http://u:", secret, "@127.0.0.1:1/")}),
      Hc({absl::StrCat("host=127.0.0.1 port=", pg_->port(), " user=planted password=", secret, " dbname=nodb")}),
      Hc({"env:DB"}, {{"DB", pg_bad_db}}),
      Hc({"env:DB"}, {{"DB_FILE", dir.Join("secret")}}),  // the file holds no URL: an error about it
      Hc({"redis://planted@127.0.0.1:1"}, {{"REDISCLI_AUTH_FILE", dir.Join("secret")}}),
      Hc({"postgres://planted@127.0.0.1:1/app"}, {{"PGPASSWORD", secret}, {"PGPASSWORD_FILE", dir.Join("secret")}}),
      Hc({absl::StrCat("postgres://planted:", secret, "@127.0.0.1:", pg_->port(), "/app?bogus=1")}),
      Hc({absl::StrCat("redis://planted:", secret, "@127.0.0.1:", redis_->port(), "/x")}),
      Hc({"--help"}, {{"HEALTHCHECK_TARGETS", pg_ok}}),
  };
  EXPECT_EQ(runs[0].exit_code, 0) << runs[0].out;  // the secret works, so the scenarios are real
  for (size_t i = 0; i < runs.size(); ++i) {
    EXPECT_THAT(runs[i].out + runs[i].err, Not(HasSubstr(secret))) << "run " << i;
    EXPECT_THAT(runs[i].out + runs[i].err, Not(HasSubstr("Pl4nted"))) << "run " << i;
  }
  EXPECT_THAT(runs[7].err, HasSubstr("both PGPASSWORD and PGPASSWORD_FILE are set"));
}

// The no-shell promise: the static binary in an empty root holding only itself, /etc/hosts and
// /etc/passwd, reaching the servers by a host name from /etc/hosts, and by "localhost", which is
// both ::1 (where nothing listens) and 127.0.0.1: every address is tried.
TEST_F(HealthcheckTest, RunsInEmptyRootByHostName) {
  ASSERT_EQ(geteuid(), 0u) << "chroot needs root";
  TempDir root;
  std::filesystem::copy_file(BinaryPath("healthcheck"), root.Join("healthcheck"));
  std::filesystem::create_directory(root.Join("etc"));
  WriteFile(root.Join("etc/hosts"), "127.0.0.1 dbhost\n::1 localhost ip6-localhost\n127.0.0.1 localhost\n");
  WriteFile(root.Join("etc/passwd"), "root:x:0:0:root:/:/nonexistent\nnonroot:x:65532:65532:nonroot:/:/nonexistent\n");
  size_t entries = 0;
  for (auto it = std::filesystem::recursive_directory_iterator(root.path()); it != std::filesystem::recursive_directory_iterator(); ++it) ++entries;
  ASSERT_EQ(entries, 4u);  // healthcheck, etc/, etc/hosts, etc/passwd: no shell, no libraries
  RunOptions o;
  o.chroot_dir = root.path();
  o.uid = 65532;
  o.gid = 65532;
  RunResult r = RunCommand({"/healthcheck", absl::StrCat("postgres://app:apppass@dbhost:", pg_->port(), "/app"),
                     absl::StrCat("redis://dbhost:", redis_->port()), absl::StrCat("tcp://localhost:", redis_->port()),
                     absl::StrCat("postgres://app:apppass@localhost:", pg_->port(), "/app")},
                    o);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr(absl::StrCat("ok   tcp://localhost:", redis_->port())));
  const int closed = FreePort();
  RunResult both = RunCommand({"/healthcheck", absl::StrCat("tcp://localhost:", closed)}, o);
  EXPECT_THAT(both.out, HasSubstr(absl::StrCat("connect localhost:", closed, ": ::1: Connection refused; 127.0.0.1: Connection refused")));
  EXPECT_THAT(r.out, HasSubstr(absl::StrCat("ok   postgres://app@dbhost:", pg_->port(), "/app")));
  EXPECT_THAT(r.out, HasSubstr(absl::StrCat("ok   redis://dbhost:", redis_->port(), "/0")));
  RunResult no_shell = RunCommand({"/bin/sh", "-c", "true"}, o);
  EXPECT_EQ(no_shell.exit_code, 127);
}

}  // namespace
}  // namespace noshell::testing
