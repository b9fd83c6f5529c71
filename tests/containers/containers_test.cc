// Container tests (label "containers"): the images, compose file and Kubernetes manifests of
// docker/, built and run with podman (runc) and a real compose implementation (docker-compose
// against podman's Docker API socket).
//
// Once per run the environment below builds, from this checkout:
//   - a Debian 12 base image made with debootstrap + podman import (no registry is reachable);
//   - the toolbox, with the full multi-stage docker/Dockerfile on that base;
//   - a stand-in for the distroless base the app example builds FROM (tests/containers/
//     stand-in-bases.sh: the same files, no shell); the postgres and redis examples are FROM
//     scratch and take Debian's postgresql-15 and redis-server from the Debian image above in a
//     build stage;
//   - the three example images from docker/examples, via their documented build arguments.
// Needs root, podman, runc, catatonit, debootstrap, docker-compose (scripts/install-deps.sh).
// Podman here has no systemd, so nothing runs health checks on a timer: the tests run
// `podman healthcheck run` themselves where Docker's timer would.
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"

namespace noshell::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kRepo = NOSHELL_SOURCE_DIR;
const std::string kPrefix = "localhost/noshell-test";
const std::string kDebian = kPrefix + "/debian:12";
const std::string kToolbox = kPrefix + "/toolbox:test";
const std::string kBuilder = kPrefix + "/builder:test";
const std::string kDistroless = kPrefix + "/distroless-static:nonroot";
const std::string kApp = kPrefix + "/example-app:test";
const std::string kPostgres = kPrefix + "/example-postgres:test";
const std::string kRedis = kPrefix + "/example-redis:test";
// No user: healthcheck logs in as POSTGRES_USER when the container sets it, else as the OS user postgres.
const std::string kPgHealth = "postgres:///postgres?host=/var/run/postgresql";

std::string g_conf;  // CONTAINERS_CONF: runc, cgroupfs, no default ulimits (../shared/TOOLCHAIN.md)

std::map<std::string, std::string> PodmanEnv() { return {{"CONTAINERS_CONF", g_conf}, {"HOME", "/root"}}; }

RunResult Podman(std::vector<std::string> args, absl::Duration timeout = absl::Minutes(3)) {
  args.insert(args.begin(), "podman");
  RunOptions o;
  o.env = PodmanEnv();
  o.timeout = timeout;
  return RunCommand(args, o);
}

// Runs podman and fails the test (not fatally) unless it exits 0; returns stdout, trimmed.
std::string MustPodman(const std::vector<std::string>& args, absl::Duration timeout = absl::Minutes(3)) {
  RunResult r = Podman(args, timeout);
  EXPECT_EQ(r.exit_code, 0) << "podman " << absl::StrJoin(args, " ") << "\n" << r.out << r.err;
  return std::string(absl::StripAsciiWhitespace(r.out));
}

// A unique name for this run's containers, networks and pods.
std::string Name(const std::string& what) { return absl::StrCat("nst", getpid(), "-", what); }

// Podman commands run (in reverse order) when the scope ends, whatever the test did.
class Cleanup {
 public:
  ~Cleanup() {
    for (auto it = cmds_.rbegin(); it != cmds_.rend(); ++it) Podman(*it);
  }
  void Add(std::vector<std::string> cmd) { cmds_.push_back(std::move(cmd)); }

 private:
  std::vector<std::vector<std::string>> cmds_;
};

std::string HealthLog(const std::string& container) {
  return Podman({"inspect", container, "--format", "{{json .State.Health.Log}}"}).out;
}

// Runs the container's health check the way Docker's timer would, until it passes.
bool WaitHealthy(const std::string& container, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (Podman({"healthcheck", "run", container}).exit_code == 0) return true;
    absl::SleepFor(absl::Milliseconds(300));
  }
  ADD_FAILURE() << container << " not healthy within " << timeout << "\nhealth log: " << HealthLog(container)
                << "\nlogs: " << Podman({"logs", container}).err;
  return false;
}

int ExitCode(const std::string& container) {
  int code = -1;
  EXPECT_TRUE(absl::SimpleAtoi(MustPodman({"inspect", container, "--format", "{{.State.ExitCode}}"}), &code));
  return code;
}

// Gives a podman network's bridge a fixed MAC address. A Linux bridge otherwise takes the lowest
// MAC of its ports, so it changes whenever a container joins or leaves; the other containers'
// ARP entries for the gateway (where aardvark-dns answers their name lookups) then point nowhere
// until they expire — minutes on this machine's sandboxed network stack, where a container that
// outlived a stopped neighbour could no longer resolve any name. netavark 1.4 leaves the address
// to the kernel. Call once a container is attached (the bridge exists from then on).
void PinBridgeMac(const std::string& network) {
  const std::string iface = MustPodman({"network", "inspect", network, "--format", "{{.NetworkInterface}}"});
  const std::string mac(absl::StripAsciiWhitespace(ReadFile("/sys/class/net/" + iface + "/address")));
  RunResult r = RunCommand({"ip", "link", "set", "dev", iface, "address", mac});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

// A named volume for the postgres example, removed by `cleanup` when the scope ends (after the
// containers using it: Cleanup runs its commands in reverse). The image makes the cluster on it at
// its first start, with no shell (entrypoint --postgres).
std::string PgVolume(const std::string& what, Cleanup* cleanup) {
  const std::string vol = Name(what);
  MustPodman({"volume", "create", vol});
  cleanup->Add({"volume", "rm", "-f", vol});
  return vol;
}

// A query run inside the postgres container by its own healthcheck; true when it returns true.
bool PgQuery(const std::string& container, const std::string& db, const std::string& sql) {
  RunResult r = Podman({"exec", container, "/usr/local/bin/noshell", "healthcheck", "--timeout=3s", "--pg-query=" + sql,
                        absl::StrCat("postgres:///", db, "?host=/var/run/postgresql")});
  EXPECT_EQ(r.exit_code, 0) << sql << "\n" << r.out << r.err;
  return r.exit_code == 0;
}

// A Debian image of `suite` (minbase, made with debootstrap and podman import, as no registry is
// reachable here), tagged `tag`; kept between runs. kUnavailable when debootstrap fails (the
// mirror, or a suite in flux: unstable), with its output.
absl::Status MakeDebianImage(const std::string& suite, const std::string& tag) {
  if (Podman({"image", "exists", tag}).exit_code == 0) return absl::OkStatus();
  TempDir root;
  const char* mirror = getenv("NOSHELL_DEBIAN_MIRROR");
  RunOptions slow;
  slow.timeout = absl::Minutes(15);
  RunResult boot = RunCommand({"debootstrap", "--variant=minbase", suite, root.Join("rootfs"),
                               mirror != nullptr ? mirror : "http://deb.debian.org/debian"},
                              slow);
  if (boot.exit_code != 0) return absl::UnavailableError(absl::StrCat("debootstrap ", suite, ": ", boot.out, boot.err));
  // The mirror may be a frozen snapshot, whose unstable Release file has expired (apt refuses it
  // by default; debootstrap does not check).
  WriteFile(root.Join("rootfs/etc/apt/apt.conf.d/99noshell-mirror-snapshot"), "Acquire::Check-Valid-Until \"false\";\n");
  RunResult tar = RunCommand({"tar", "-C", root.Join("rootfs"), "-cf", root.Join("rootfs.tar"), "."}, slow);
  EXPECT_EQ(tar.exit_code, 0) << tar.err;
  MustPodman({"import", "--change", "ENV=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "--change",
              "CMD=[\"bash\"]", root.Join("rootfs.tar"), tag},
             absl::Minutes(5));
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// Building the images, once per run.

class Images : public ::testing::Environment {
 public:
  void SetUp() override {
    ASSERT_EQ(geteuid(), 0u) << "the container tests need root (podman, bind mounts owned by other uids)";
    conf_dir_ = std::make_unique<TempDir>();
    g_conf = conf_dir_->Join("containers.conf");
    WriteFile(g_conf, "[containers]\ndefault_ulimits = []\n[engine]\nruntime = \"runc\"\ncgroup_manager = \"cgroupfs\"\n");

    // A Debian 12 base image, as the builder stage's default would be, made locally.
    const absl::Status debian = MakeDebianImage("bookworm", kDebian);
    ASSERT_TRUE(debian.ok()) << debian;

    // The toolbox, with the full multi-stage Dockerfile (and its build stage, which has g++, as the
    // app example's builder).
    const std::vector<std::string> toolbox_build = {"build", "--network=host", "-f", kRepo + "/docker/Dockerfile",
                                                    "--build-arg", "BUILDER_IMAGE=" + kDebian};
    const absl::Time start = absl::Now();
    RunResult toolbox = Podman(Concat(toolbox_build, {"-t", kToolbox, kRepo}), absl::Minutes(40));
    ASSERT_EQ(toolbox.exit_code, 0) << toolbox.out << toolbox.err;
    std::printf("[images] docker/Dockerfile built in %.0f s\n", absl::ToDoubleSeconds(absl::Now() - start));
    RunResult builder = Podman(Concat(toolbox_build, {"--target=build", "-t", kBuilder, kRepo}), absl::Minutes(40));
    ASSERT_EQ(builder.exit_code, 0) << builder.out << builder.err;

    RunOptions o;
    o.env = PodmanEnv();
    RunResult bases = RunCommand({"bash", kRepo + "/tests/containers/stand-in-bases.sh", kPrefix}, o);
    ASSERT_EQ(bases.exit_code, 0) << bases.out << bases.err;

    const std::string noshell = "NOSHELL_IMAGE=" + kToolbox;
    Build(kApp, "app", {noshell, "BUILDER_IMAGE=" + kBuilder, "BASE_IMAGE=" + kDistroless});
    // The postgres example takes the server from a plain Debian 12 image (Debian's postgresql-15,
    // installed in its build stage) instead of the official image, which cannot be pulled here.
    Build(kPostgres, "postgres", {noshell, "SERVER_IMAGE=" + kDebian});
    // The redis example too: Debian's redis-server (7.0) instead of the official image's.
    Build(kRedis, "redis", {noshell, "REDIS_IMAGE=" + kDebian});
  }

 private:
  static std::vector<std::string> Concat(std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  }
  static void Build(const std::string& tag, const std::string& example, const std::vector<std::string>& args) {
    std::vector<std::string> cmd = {"build", "--network=host", "--format=docker", "-t", tag};
    for (const std::string& a : args) cmd.insert(cmd.end(), {"--build-arg", a});
    cmd.push_back(kRepo + "/docker/examples/" + example);
    RunResult r = Podman(cmd, absl::Minutes(15));
    ASSERT_EQ(r.exit_code, 0) << tag << "\n" << r.out << r.err;
  }

  std::unique_ptr<TempDir> conf_dir_;
};

// ---------------------------------------------------------------------------------------------
// The images themselves.

std::vector<std::string> ListFiles(const std::string& image) {
  TempDir dir;
  const std::string c = Name("list");
  MustPodman({"create", "--name", c, image});
  MustPodman({"export", "-o", dir.Join("fs.tar"), c});
  MustPodman({"rm", c});
  RunResult tar = RunCommand({"tar", "-tf", dir.Join("fs.tar")});
  EXPECT_EQ(tar.exit_code, 0) << tar.err;
  return absl::StrSplit(tar.out, '\n', absl::SkipEmpty());
}

int64_t ImageSize(const std::string& image) {
  int64_t size = 0;
  EXPECT_TRUE(absl::SimpleAtoi(MustPodman({"image", "inspect", image, "--format", "{{.Size}}"}), &size)) << image;
  return size;
}

// Fails the test for every file of `image` named like a shell.
void ExpectNoShell(const std::string& image) {
  const std::set<std::string> shells = {"sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "csh", "tcsh", "fish", "busybox", "toybox"};
  std::vector<std::string> files = ListFiles(image);
  EXPECT_GT(files.size(), 3u) << image;
  for (const std::string& f : files) {
    std::string base = std::filesystem::path(std::string(absl::StripSuffix(f, "/"))).filename();
    EXPECT_EQ(shells.count(base), 0u) << image << " holds a shell: " << f;
  }
}

TEST(ImagesTest, NoShellAnywhereAndNonRootUsers) {
  for (const std::string& image : {kToolbox, kApp, kPostgres, kRedis}) {
    ExpectNoShell(image);
    const std::string user = MustPodman({"image", "inspect", image, "--format", "{{.Config.User}}"});
    EXPECT_FALSE(user.empty()) << image << " runs as root by default";
    EXPECT_FALSE(absl::StartsWith(user, "0") || absl::StartsWith(user, "root")) << image << " user " << user;
  }
  // The toolbox holds noshell, the three single programs, the library initdb gets preloaded
  // (entrypoint --postgres) and the licence notices, nothing else.
  std::vector<std::string> toolbox = ListFiles(kToolbox);
  std::set<std::string> top;
  for (const std::string& f : toolbox) top.insert(std::string(absl::StripSuffix(f, "/")).substr(0, f.find('/')));
  EXPECT_EQ(top, (std::set<std::string>{"noshell", "entrypoint", "healthcheck", "licenses", "migrate", "usr"})) << absl::StrJoin(toolbox, " ");
  EXPECT_THAT(absl::StrJoin(toolbox, " "), HasSubstr("licenses/libpq-dev.copyright"));
  EXPECT_THAT(absl::StrJoin(toolbox, " "), HasSubstr("usr/lib/noshell/libnoshell_popen.so"));
  for (const std::string& f : toolbox) {
    if (absl::StartsWith(f, "usr")) {
      EXPECT_THAT(f, ::testing::AnyOf("usr/", "usr/lib/", "usr/lib/noshell/", "usr/lib/noshell/libnoshell_popen.so")) << f;
    }
  }

  const int64_t toolbox_size = ImageSize(kToolbox), app = ImageSize(kApp), base = ImageSize(kDistroless);
  std::printf("[sizes] toolbox image %.2f MB; example app image %.2f MB = distroless base %.2f MB + %.2f MB added "
              "(noshell for entrypoint, healthcheck and migrate; the app)\n",
              toolbox_size / 1e6, app / 1e6, base / 1e6, (app - base) / 1e6);
  EXPECT_LT(toolbox_size, 36'000'000);  // noshell and the single binaries
  EXPECT_LE(app, 11'000'000);

  // The postgres example is FROM scratch: the server's files and ours, nothing else (no 100 MB
  // libLLVM for JIT, no shell, no package manager).
  const int64_t postgres = ImageSize(kPostgres);
  std::vector<std::string> pg_files = ListFiles(kPostgres);
  EXPECT_THAT(pg_files, ::testing::Contains("usr/lib/postgresql/15/bin/initdb"));
  EXPECT_THAT(pg_files, ::testing::Contains("usr/lib/noshell/libnoshell_popen.so"));
  for (const std::string& f : pg_files) {
    EXPECT_FALSE(absl::StrContains(f, "llvm") || absl::StartsWith(f, "var/lib/dpkg") || absl::StartsWith(f, "usr/bin/")) << f;
  }
  std::printf("[sizes] example postgres image %.2f MB, FROM scratch: PostgreSQL 15's server files and noshell + "
              "libnoshell_popen.so\n",
              postgres / 1e6);
  EXPECT_LT(postgres, 150'000'000);

  // So is the redis example: redis-server, its libraries and ours (no redis-cli: the health check
  // is noshell's).
  const int64_t redis = ImageSize(kRedis);
  std::vector<std::string> redis_files = ListFiles(kRedis);
  EXPECT_THAT(redis_files, ::testing::Contains("usr/local/bin/redis-server"));
  EXPECT_THAT(redis_files, ::testing::Contains("usr/local/bin/noshell"));
  for (const std::string& f : redis_files) {
    EXPECT_FALSE(absl::StrContains(f, "redis-cli") || absl::StartsWith(f, "var/lib/dpkg") || absl::StartsWith(f, "usr/bin/") ||
                 absl::StartsWith(f, "usr/sbin/"))
        << f;
  }
  std::printf("[sizes] example redis image %.2f MB, FROM scratch: redis-server with its libraries and noshell\n", redis / 1e6);
  EXPECT_LT(redis, 40'000'000);
}

// ---------------------------------------------------------------------------------------------
// The app, PostgreSQL and Redis examples on one network, as a platform would run them.

class StackTest : public ::testing::Test {
 protected:
  static constexpr char kAppPassword[] = "Web-s3cret-Qx7";     // the app's role, in a *_FILE secret
  static constexpr char kSuperPassword[] = "Pg-s3cret-Zr4";

  static void SetUpTestSuite() {
    dir_ = new TempDir();
    cleanup_ = new Cleanup();
    net_ = Name("net");
    MustPodman({"network", "create", net_});
    cleanup_->Add({"network", "rm", "-f", net_});
    // "web" is the app image's database; "app" is the Kubernetes example's (its Secret's URL):
    // made by an init script at the database's first start.
    ASSERT_EQ(mkdir(dir_->Join("initdb.d").c_str(), 0755), 0);
    WriteFile(dir_->Join("initdb.d/roles.sql"),
              absl::StrCat("CREATE ROLE web LOGIN PASSWORD '", kAppPassword,
                           "';\nCREATE DATABASE web OWNER web;\nCREATE ROLE app LOGIN PASSWORD 'change-me';\n"
                           "CREATE DATABASE app OWNER app;\n"));
    ChownTree(dir_->Join("initdb.d"), 999, 999);
    const std::string data = PgVolume("stack-pgdata", cleanup_);
    pg_ = Name("postgres");
    redis_ = Name("redis");
    cleanup_->Add({"rm", "-f", "-t", "0", pg_});
    cleanup_->Add({"rm", "-f", "-t", "0", redis_});
    MustPodman({"run", "-d", "--name", pg_, "--network", net_, "--network-alias", "postgres", "--memory=1g", "--cpus=2", "-v",
                data + ":/var/lib/postgresql/data", "-v", dir_->Join("initdb.d") + ":/docker-entrypoint-initdb.d:ro", "-e",
                absl::StrCat("POSTGRES_PASSWORD=", kSuperPassword), kPostgres});
    PinBridgeMac(net_);
    MustPodman({"run", "-d", "--name", redis_, "--network", net_, "--network-alias", "redis", "--memory=256m", kRedis});
    WaitHealthy(pg_, absl::Seconds(60));
    WaitHealthy(redis_, absl::Seconds(60));
    WriteFile(dir_->Join("database_url"), absl::StrCat("postgres://web:", kAppPassword, "@postgres:5432/web\n"), 0640);
    ASSERT_EQ(chown(dir_->Join("database_url").c_str(), 0, 65532), 0);
  }
  static void TearDownTestSuite() {
    delete cleanup_;
    delete dir_;
  }

  // The example app image, with its secret mounted as a file, on the stack's network.
  static std::vector<std::string> RunApp(const std::string& name, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> cmd = {"run", "-d", "--name", name, "--network", net_, "-v",
                                    dir_->Join("database_url") + ":/run/secrets/database_url:ro", "-e",
                                    "DATABASE_URL_FILE=/run/secrets/database_url", "-e", "REDIS_URL=redis://redis:6379/0"};
    cmd.insert(cmd.end(), extra.begin(), extra.end());
    cmd.push_back(kApp);
    return cmd;
  }

  static TempDir* dir_;
  static Cleanup* cleanup_;
  static std::string net_, pg_, redis_;
};
TempDir* StackTest::dir_ = nullptr;
Cleanup* StackTest::cleanup_ = nullptr;
std::string StackTest::net_, StackTest::pg_, StackTest::redis_;

TEST_F(StackTest, PostgresIsTunedFromTheContainersLimits) {
  // --memory=1g --cpus=2: a quarter, three quarters, a sixteenth (at least 64 MB), pgtune's
  // work_mem, parallel workers from the CPU count.
  EXPECT_TRUE(PgQuery(pg_, "postgres",
                      "SELECT current_setting('shared_buffers') = '256MB' AND current_setting('effective_cache_size') = '768MB' "
                      "AND current_setting('maintenance_work_mem') = '64MB' AND current_setting('work_mem') = '2621kB' "
                      "AND current_setting('max_parallel_workers') = '2' AND current_setting('max_parallel_workers_per_gather') = '1' "
                      "AND current_setting('jit') = 'off'"));
  // The health check's custom query runs as the image's own HEALTHCHECK.
  EXPECT_THAT(MustPodman({"image", "inspect", kPostgres, "--format", "{{json .Config.Env}}"}),
              HasSubstr("HEALTHCHECK_PG_QUERY=SELECT NOT pg_is_in_recovery()"));
  EXPECT_EQ(Podman({"healthcheck", "run", pg_}).exit_code, 0) << HealthLog(pg_);
  // Redis: maxmemory three quarters of --memory=256m.
  RunResult conf = Podman({"cp", redis_ + ":/etc/redis/noshell/redis.conf", "-"});
  EXPECT_THAT(conf.out, HasSubstr("maxmemory 192mb"));
}

TEST_F(StackTest, AppIsHealthyOnlyWhileItsDependenciesAre) {
  const std::string app = Name("app");
  Cleanup c;
  c.Add({"rm", "-f", "-t", "0", app});
  MustPodman(RunApp(app));
  ASSERT_TRUE(WaitHealthy(app, absl::Seconds(60)));
  const std::string logs = Podman({"logs", app}).out + Podman({"logs", app}).err;
  EXPECT_THAT(logs, HasSubstr("secret DATABASE_URL read from DATABASE_URL_FILE"));
  EXPECT_THAT(logs, HasSubstr("applying migrations from /app/migrations"));
  EXPECT_THAT(logs, HasSubstr("demo-app: listening on port 8080 as uid 65532"));
  EXPECT_TRUE(PgQuery(pg_, "web", "SELECT count(*) = 2 FROM noshell_migrations WHERE status = 'applied'"));

  // Redis goes away: the app's health check says so, naming it; the database is still fine.
  MustPodman({"stop", "-t", "10", redis_});
  RunResult down = Podman({"healthcheck", "run", app});
  EXPECT_NE(down.exit_code, 0);
  std::string log = HealthLog(app);
  EXPECT_THAT(log, HasSubstr("FAIL redis://redis:6379/0"));
  EXPECT_THAT(log, HasSubstr("ok   postgres://web@postgres:5432/web"));
  // Back again: healthy.
  MustPodman({"start", redis_});
  EXPECT_TRUE(WaitHealthy(app, absl::Seconds(30)));
  EXPECT_TRUE(WaitHealthy(redis_, absl::Seconds(30)));

  // The password is in no log, health log or inspect output.
  const std::string everything = Podman({"logs", app}).out + Podman({"logs", app}).err + HealthLog(app) +
                                 Podman({"inspect", app}).out + Podman({"logs", pg_}).err;
  EXPECT_THAT(everything, Not(HasSubstr(kAppPassword)));
}

TEST_F(StackTest, StopTakesTheGracePeriodNotTheStopTimeout) {
  const std::string ignoring = Name("app-ignore"), exiting = Name("app-exit3"), bare = Name("app-bare");
  Cleanup c;
  for (const std::string& n : {ignoring, exiting, bare}) c.Add({"rm", "-f", "-t", "0", n});
  auto listening = [](const std::string& name) {
    const absl::Time deadline = absl::Now() + absl::Seconds(60);
    while (absl::Now() < deadline) {
      RunResult l = Podman({"logs", name});
      if (absl::StrContains(l.out, "demo-app: listening")) return true;
      absl::SleepFor(absl::Milliseconds(100));
    }
    ADD_FAILURE() << name << " never listened: " << Podman({"logs", name}).err;
    return false;
  };
  auto timed_stop = [](const std::string& name) {
    const absl::Time t = absl::Now();
    MustPodman({"stop", "-t", "10", name}, absl::Seconds(60));
    return absl::ToDoubleSeconds(absl::Now() - t);
  };

  // An app that ignores TERM, under entrypoint (--grace=3s in the image): killed after the grace.
  MustPodman(RunApp(ignoring, {"-e", "APP_ON_TERM=ignore"}));
  ASSERT_TRUE(listening(ignoring));
  const double with_entrypoint = timed_stop(ignoring);
  EXPECT_EQ(ExitCode(ignoring), 137);  // the app's own fate: killed by SIGKILL
  EXPECT_LT(with_entrypoint, 6.0);
  EXPECT_GT(with_entrypoint, 2.5);

  // An app that exits 3 on TERM: the container's exit code is 3, at once.
  MustPodman(RunApp(exiting, {"-e", "APP_ON_TERM=exit:3"}));
  ASSERT_TRUE(listening(exiting));
  const double exits = timed_stop(exiting);
  EXPECT_EQ(ExitCode(exiting), 3);
  EXPECT_LT(exits, 2.0);

  // The same app as PID 1 without entrypoint: podman waits the whole stop timeout, then kills.
  WriteFile(dir_->Join("bare.conf"), "port = 8080\non_term = ignore\n");
  MustPodman({"run", "-d", "--name", bare, "--network", net_, "-v", dir_->Join("bare.conf") + ":/app/bare.conf:ro", "--entrypoint",
              "/app/demo-app", kApp, "/app/bare.conf"});
  ASSERT_TRUE(listening(bare));
  const double without = timed_stop(bare);
  EXPECT_EQ(ExitCode(bare), 137);
  EXPECT_GT(without, 9.5);
  std::printf("[stop] podman stop -t 10 of an app ignoring TERM: %.2f s with entrypoint (--grace=3s), %.2f s without; "
              "an app exiting 3 on TERM: %.2f s, exit code 3\n",
              with_entrypoint, without, exits);
}

TEST_F(StackTest, KubernetesExampleRunsWithInitContainerAndProbes) {
  TempDir out;
  RunResult adapt = RunCommand({"python3", kRepo + "/tests/containers/kube_adapt.py", kRepo + "/docker/k8s/app.yaml", out.path(),
                                "--image", "ghcr.io/noshell/example-app:0.1.0=" + kApp, "--pods",
                                absl::StrCat(Name("pod-a"), ":", FreePort(), "/", FreePort(), ",", Name("pod-b"), ":", FreePort(), "/",
                                             FreePort())});
  ASSERT_EQ(adapt.exit_code, 0) << adapt.err;
  Cleanup c;
  // The Secret, applied (podman's secret store plays the API server).
  Podman({"secret", "rm", "app-db"});
  MustPodman({"secret", "create", "app-db", out.Join("secret-app-db.yaml")});
  c.Add({"secret", "rm", "app-db"});
  const std::string a = Name("pod-a"), b = Name("pod-b");
  c.Add({"volume", "rm", "-f", "app-db-" + a, "app-db-" + b});
  c.Add({"pod", "rm", "-f", "-t", "0", a, b});

  // Two replicas at once: both init containers run `migrate up` against the same database.
  RunOptions o;
  o.env = PodmanEnv();
  o.timeout = absl::Minutes(5);
  Process play_a({"podman", "kube", "play", "--network", net_, out.Join("pod-" + a + ".yaml")}, o, out.Join("play-a.log"));
  Process play_b({"podman", "kube", "play", "--network", net_, out.Join("pod-" + b + ".yaml")}, o, out.Join("play-b.log"));
  EXPECT_EQ(play_a.Wait(), 0) << ReadFile(out.Join("play-a.log"));
  EXPECT_EQ(play_b.Wait(), 0) << ReadFile(out.Join("play-b.log"));

  // The manifest's probes are httpGet probes on the "health" port, served by entrypoint itself:
  // startup and readiness on /readyz, liveness on /livez (never the database). podman cannot run
  // them in a shell-less image (kube_adapt.py), so they are run as the kubelet would: a GET from
  // outside the pod on the port's host port, within the probe's timeoutSeconds.
  std::vector<std::string> probes = absl::StrSplit(ReadFile(out.Join("probes.tsv")), '\n', absl::SkipEmpty());
  ASSERT_EQ(probes.size(), 3u);
  std::map<std::string, std::string> paths;
  std::map<std::string, int> host_ports;  // "pod/port-name" -> host port
  for (absl::string_view line : absl::StrSplit(ReadFile(out.Join("ports.tsv")), '\n', absl::SkipEmpty())) {
    std::vector<std::string> f = absl::StrSplit(line, '\t');
    ASSERT_EQ(f.size(), 3u);
    ASSERT_TRUE(absl::SimpleAtoi(f[2], &host_ports[f[0] + "/" + f[1]]));
  }
  for (const std::string& pod : {a, b}) {
    for (const std::string& line : probes) {
      std::vector<std::string> f = absl::StrSplit(line, '\t');
      ASSERT_EQ(f.size(), 4u);
      std::vector<std::string> words = absl::StrSplit(f[3], '\x1f');
      ASSERT_EQ(words.size(), 3u) << f[3];
      EXPECT_EQ(words[0], "httpGet") << f[0];
      EXPECT_EQ(words[2], "health") << f[0];
      paths[f[0]] = words[1];
      const int port = host_ports[pod + "/health"];
      ASSERT_GT(port, 0) << pod;
      const absl::Time deadline = absl::Now() + absl::Seconds(60);  // the startup probe's budget
      std::string got = HttpGet(port, words[1]);
      while (!absl::StartsWith(got, "HTTP/1.1 200 ") && absl::Now() < deadline) {
        absl::SleepFor(absl::Milliseconds(500));
        got = HttpGet(port, words[1]);
      }
      EXPECT_THAT(got, ::testing::StartsWith("HTTP/1.1 200 ")) << pod << " " << f[0];
      // Answered well inside the probe's timeoutSeconds, from what entrypoint already knows.
      const absl::Time t = absl::Now();
      HttpGet(port, words[1]);
      int timeout_s = 0;
      ASSERT_TRUE(absl::SimpleAtoi(f[2], &timeout_s));
      EXPECT_LT(absl::Now() - t, absl::Seconds(timeout_s)) << f[0];
    }
    // Readiness names the app's endpoint and both dependencies.
    const std::string ready = HttpGet(host_ports[pod + "/health"], "/readyz");
    EXPECT_THAT(ready, HasSubstr("ok   http://127.0.0.1:8080/healthz"));
    EXPECT_THAT(ready, HasSubstr("ok   postgres://app@postgres:5432/app"));
    EXPECT_THAT(ready, HasSubstr("ok   redis://redis:6379/0"));
    // The app itself answers on its own port.
    EXPECT_THAT(HttpGet(host_ports[pod + "/http"], "/healthz"), ::testing::StartsWith("HTTP/1.1 200 "));
    const std::string logs = Podman({"logs", pod + "-app"}).err;
    EXPECT_THAT(logs, HasSubstr("secret DATABASE_URL read from DATABASE_URL_FILE")) << logs;
  }
  EXPECT_EQ(paths, (std::map<std::string, std::string>{{"livenessProbe", "/livez"}, {"readinessProbe", "/readyz"},
                                                       {"startupProbe", "/readyz"}}));
  // Each migration applied exactly once, though two init containers ran it at the same time.
  EXPECT_TRUE(PgQuery(pg_, "app",
                      "SELECT count(*) = 2 AND count(DISTINCT version) = 2 AND bool_and(status = 'applied') FROM noshell_migrations"));
  EXPECT_TRUE(PgQuery(pg_, "app", "SELECT count(*) = 1 FROM pg_index WHERE indexrelid = 'visits_at_idx'::regclass AND indisvalid"));

  // The Job variant, afterwards: nothing left to do, exit 0.
  TempDir job_out;
  const std::string job = Name("job");
  RunResult adapt_job = RunCommand({"python3", kRepo + "/tests/containers/kube_adapt.py", kRepo + "/docker/k8s/migrate-job.yaml",
                                    job_out.path(), "--image", "ghcr.io/noshell/example-app:0.1.0=" + kApp, "--pods", job + ":0"});
  ASSERT_EQ(adapt_job.exit_code, 0) << adapt_job.err;
  c.Add({"volume", "rm", "-f", "app-db-" + job});
  c.Add({"pod", "rm", "-f", "-t", "0", job});
  MustPodman({"kube", "play", "--network", net_, job_out.Join("pod-" + job + ".yaml")});
  MustPodman({"wait", job + "-migrate"}, absl::Minutes(2));
  EXPECT_EQ(ExitCode(job + "-migrate"), 0);
  EXPECT_THAT(Podman({"logs", job + "-migrate"}).out, HasSubstr("\"event\":\"nothing-to-do\""));
}

// An empty named volume, in an image with no shell: entrypoint --postgres makes the cluster from the
// official image's variables (the password from a secret file, a database whose name has a space,
// an init .sql and .sql.gz), a wrong password is refused over TCP, a restart keeps the data and
// makes nothing again; without a password the start fails and writes nothing.
TEST(PostgresExampleTest, FirstStartOnAnEmptyVolumeWithNoShell) {
  TempDir dir;
  WriteFile(dir.Join("pw"), "First-s3cret\n", 0600);
  ASSERT_EQ(mkdir(dir.Join("initdb.d").c_str(), 0755), 0);
  WriteFile(dir.Join("initdb.d/10-schema.sql"), "CREATE TABLE notes (body text);\nINSERT INTO notes VALUES ('from .sql');\n");
  WriteFile(dir.Join("initdb.d/20-data.sql"), "INSERT INTO notes VALUES ('from .sql.gz');\n");
  ASSERT_EQ(RunCommand({"gzip", dir.Join("initdb.d/20-data.sql")}).exit_code, 0);
  ChownTree(dir.path(), 999, 999);
  const std::string vol = Name("pg-first-volume"), pg = Name("postgres-first");
  Cleanup c;
  c.Add({"volume", "rm", "-f", vol});
  c.Add({"rm", "-f", "-t", "0", pg});
  MustPodman({"volume", "create", vol});
  MustPodman({"run", "-d", "--name", pg, "-v", vol + ":/var/lib/postgresql/data", "-v", dir.Join("pw") + ":/run/secrets/pw:ro", "-v",
              dir.Join("initdb.d") + ":/docker-entrypoint-initdb.d:ro", "-e", "POSTGRES_PASSWORD_FILE=/run/secrets/pw", "-e",
              "POSTGRES_DB=team db", kPostgres});
  ASSERT_TRUE(WaitHealthy(pg, absl::Seconds(120)));
  EXPECT_TRUE(PgQuery(pg, "team%20db", "SELECT count(*) = 2 FROM notes"));
  RunResult wrong = Podman({"exec", pg, "/usr/local/bin/noshell", "healthcheck", "--timeout=3s",
                            "postgres://postgres:wrong@127.0.0.1:5432/postgres?sslmode=disable"});
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_THAT(wrong.out + wrong.err, HasSubstr("password authentication failed"));
  RunResult right = Podman({"exec", pg, "/usr/local/bin/noshell", "healthcheck", "--timeout=3s",
                            "postgres://postgres:First-s3cret@127.0.0.1:5432/team%20db?sslmode=disable"});
  EXPECT_EQ(right.exit_code, 0) << right.out << right.err;
  MustPodman({"restart", "-t", "30", pg}, absl::Seconds(90));
  ASSERT_TRUE(WaitHealthy(pg, absl::Seconds(60)));
  EXPECT_TRUE(PgQuery(pg, "team%20db", "SELECT count(*) = 2 FROM notes"));
  const std::string logs = Podman({"logs", pg}).err + Podman({"logs", pg}).out;
  EXPECT_THAT(logs, HasSubstr("first start: PostgreSQL cluster ready"));
  EXPECT_THAT(logs, HasSubstr("holds a PostgreSQL 15 cluster: starting it"));
  EXPECT_THAT(logs, Not(HasSubstr("First-s3cret")));

  const std::string empty = Name("pg-nopw-volume"), nopw = Name("postgres-nopw");
  c.Add({"volume", "rm", "-f", empty});
  c.Add({"rm", "-f", "-t", "0", nopw});
  MustPodman({"volume", "create", empty});
  Podman({"run", "--name", nopw, "-v", empty + ":/var/lib/postgresql/data", kPostgres});
  EXPECT_EQ(ExitCode(nopw), 71);
  EXPECT_THAT(Podman({"logs", nopw}).err, HasSubstr("POSTGRES_PASSWORD is not set"));
  const std::string mount = MustPodman({"volume", "inspect", empty, "--format", "{{.Mountpoint}}"});
  EXPECT_TRUE(std::filesystem::is_empty(std::string(absl::StripAsciiWhitespace(mount))));
}

// A first start killed part-way (kill -9 while an init script runs) is not taken for a finished
// cluster: the next start finds it, clears what it left and makes the cluster again. The
// superuser is POSTGRES_USER (a name with a space), its database by default named after it, and
// the image's health check logs in as it.
TEST(PostgresExampleTest, AFirstStartKilledPartWayIsMadeAgain) {
  TempDir dir;
  ASSERT_EQ(mkdir(dir.Join("initdb.d").c_str(), 0755), 0);
  WriteFile(dir.Join("initdb.d/10-schema.sql"), "CREATE TABLE notes (body text);\nINSERT INTO notes VALUES ('made');\n");
  WriteFile(dir.Join("initdb.d/20-slow.sql"), "SELECT pg_sleep(5);\n");
  ChownTree(dir.path(), 999, 999);
  const std::string vol = Name("pg-killed-volume"), pg = Name("postgres-killed");
  Cleanup c;
  c.Add({"volume", "rm", "-f", vol});
  c.Add({"rm", "-f", "-t", "0", pg});
  MustPodman({"volume", "create", vol});
  const std::vector<std::string> run = {"run", "-d", "--name", pg, "-v", vol + ":/var/lib/postgresql/data", "-v",
                                        dir.Join("initdb.d") + ":/docker-entrypoint-initdb.d:ro", "-e", "POSTGRES_PASSWORD=Killed-s3cret",
                                        "-e", "POSTGRES_USER=app owner", kPostgres};
  MustPodman(run);
  bool sleeping = false;
  for (int i = 0; i < 600 && !sleeping; ++i) {
    RunResult logs = Podman({"logs", pg});
    sleeping = absl::StrContains(logs.out + logs.err, "init script 20-slow.sql");
    if (!sleeping) absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_TRUE(sleeping) << Podman({"logs", pg}).err;
  MustPodman({"kill", "-s", "KILL", pg});
  MustPodman({"wait", pg});
  MustPodman({"rm", "-f", pg});
  const std::string mount(absl::StripAsciiWhitespace(MustPodman({"volume", "inspect", vol, "--format", "{{.Mountpoint}}"})));
  EXPECT_FALSE(std::filesystem::exists(mount + "/PG_VERSION"));  // not a finished cluster
  EXPECT_TRUE(std::filesystem::exists(mount + "/.noshell-initdb"));
  MustPodman(run);
  ASSERT_TRUE(WaitHealthy(pg, absl::Seconds(120)));
  EXPECT_TRUE(PgQuery(pg, "app%20owner", "SELECT count(*) = 1 FROM notes"));
  EXPECT_TRUE(PgQuery(pg, "postgres",
                      "SELECT current_user = 'app owner' AND rolsuper AND NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'postgres') "
                      "FROM pg_roles WHERE rolname = current_user"));
  RunResult tcp = Podman({"exec", pg, "/usr/local/bin/noshell", "healthcheck", "--timeout=3s",
                          "postgres://app%20owner:Killed-s3cret@127.0.0.1:5432/app%20owner?sslmode=disable"});
  EXPECT_EQ(tcp.exit_code, 0) << tcp.out << tcp.err;
  const std::string logs = Podman({"logs", pg}).err + Podman({"logs", pg}).out;
  EXPECT_THAT(logs, HasSubstr("did not finish (a crash or a kill): clearing what it left, and starting again"));
  EXPECT_THAT(logs, HasSubstr("first start: PostgreSQL cluster ready"));
}

// The same image, unchanged, on PostgreSQL 17 (Debian 13's postgresql-17) and 18 (Debian
// unstable's postgresql-18): their initdb runs with no shell through the same library, the first
// start makes the cluster (superuser, password over TCP, database, init script), and the server
// that answers is that major version. Debian unstable moves: when it cannot be bootstrapped, 18 is
// skipped with the reason; a build or start that fails is a failure.
TEST(PostgresExampleTest, NewerMajorsInitialiseWithTheSameImage) {
  struct Major {
    const char* suite;
    const char* major;
  };
  TempDir dir;
  ASSERT_EQ(mkdir(dir.Join("initdb.d").c_str(), 0755), 0);
  WriteFile(dir.Join("initdb.d/10-schema.sql"), "CREATE TABLE notes (body text);\nINSERT INTO notes VALUES ('made');\n");
  ChownTree(dir.path(), 999, 999);
  std::vector<std::string> skipped;
  for (const Major& m : {Major{"trixie", "17"}, Major{"sid", "18"}}) {
    SCOPED_TRACE(m.major);
    const std::string base = absl::StrCat(kPrefix, "/debian:", m.suite);
    if (absl::Status s = MakeDebianImage(m.suite, base); !s.ok()) {
      if (std::string(m.suite) == "sid") {
        skipped.push_back(absl::StrCat("PostgreSQL ", m.major, " (", s.message().substr(0, 300), ")"));
        continue;
      }
      FAIL() << s;
    }
    const std::string image = absl::StrCat(kPrefix, "/example-postgres-", m.major, ":test");
    RunResult build = Podman({"build", "--network=host", "--format=docker", "-t", image, "--build-arg", "NOSHELL_IMAGE=" + kToolbox,
                              "--build-arg", "SERVER_IMAGE=" + base, "--build-arg", absl::StrCat("PG_MAJOR=", m.major),
                              kRepo + "/docker/examples/postgres"},
                             absl::Minutes(15));
    ASSERT_EQ(build.exit_code, 0) << build.out << build.err;
    ExpectNoShell(image);
    Cleanup c;
    const std::string vol = PgVolume(absl::StrCat("pg", m.major, "-volume"), &c);
    const std::string pg = Name(absl::StrCat("postgres-", m.major));
    c.Add({"rm", "-f", "-t", "0", pg});
    MustPodman({"run", "-d", "--name", pg, "-v", vol + ":/var/lib/postgresql/data", "-v",
                dir.Join("initdb.d") + ":/docker-entrypoint-initdb.d:ro", "-e", "POSTGRES_PASSWORD=New-s3cret", "-e", "POSTGRES_DB=app",
                image});
    ASSERT_TRUE(WaitHealthy(pg, absl::Seconds(120)));
    EXPECT_TRUE(PgQuery(pg, "app", absl::StrCat("SELECT current_setting('server_version_num')::int / 10000 = ", m.major,
                                                " AND (SELECT count(*) FROM notes) = 1")));
    RunResult tcp = Podman({"exec", pg, "/usr/local/bin/noshell", "healthcheck", "--timeout=3s",
                            "postgres://postgres:New-s3cret@127.0.0.1:5432/app?sslmode=disable"});
    EXPECT_EQ(tcp.exit_code, 0) << tcp.out << tcp.err;
    RunResult wrong = Podman({"exec", pg, "/usr/local/bin/noshell", "healthcheck", "--timeout=3s",
                              "postgres://postgres:wrong@127.0.0.1:5432/app?sslmode=disable"});
    EXPECT_THAT(wrong.out + wrong.err, HasSubstr("password authentication failed"));
    const std::string logs = Podman({"logs", pg}).err + Podman({"logs", pg}).out;
    EXPECT_THAT(logs, HasSubstr("first start: PostgreSQL cluster ready"));
    EXPECT_THAT(logs, Not(HasSubstr("not run (no shell here)")));
    std::printf("[postgres %s] the example image, built FROM Debian %s's postgresql-%s, initialised an empty volume with no shell\n",
                m.major, m.suite, m.major);
  }
  if (!skipped.empty()) GTEST_SKIP() << "not tested: " << absl::StrJoin(skipped, "; ");
}

// A stop's TERM reaches PostgreSQL as INT (--rewrite-signal=TERM:INT): a fast shutdown that
// disconnects clients and checkpoints, instead of a smart one that waits for them all to leave.
TEST(PostgresExampleTest, StopIsAFastShutdown) {
  Cleanup c;
  const std::string data = PgVolume("pg-stop-volume", &c);
  const std::string pg = Name("postgres-stop");
  c.Add({"rm", "-f", "-t", "0", pg});
  MustPodman({"run", "-d", "--name", pg, "-v", data + ":/var/lib/postgresql/data", "-e", "POSTGRES_PASSWORD=Stop-s3cret", kPostgres});
  ASSERT_TRUE(WaitHealthy(pg, absl::Seconds(60)));
  // A client that would hold a smart shutdown open for its whole minute.
  Podman({"exec", "-d", pg, "/usr/local/bin/noshell", "healthcheck", "--timeout=60s", "--pg-query=SELECT pg_sleep(60) IS NULL", kPgHealth});
  absl::SleepFor(absl::Milliseconds(500));
  const absl::Time t = absl::Now();
  MustPodman({"stop", "-t", "30", pg}, absl::Seconds(60));
  const double took = absl::ToDoubleSeconds(absl::Now() - t);
  EXPECT_EQ(ExitCode(pg), 0);
  EXPECT_LT(took, 5.0);
  const std::string logs = Podman({"logs", pg}).err + Podman({"logs", pg}).out;
  EXPECT_THAT(logs, HasSubstr("received fast shutdown request"));
  EXPECT_THAT(logs, HasSubstr("database system is shut down"));
  std::printf("[stop] podman stop of the postgres example with a client in pg_sleep(60): %.2f s, exit code 0\n", took);
}

// The official image's convention (entrypoint --program=redis-server): a command of options, or
// one that starts with a .conf file, is redis-server's; the rendered config can be that file.
// Asked from the host through published ports (the image has no redis-cli).
TEST(RedisExampleTest, ACommandOfOptionsIsTheServers) {
  Cleanup c;
  const std::string options = Name("redis-options"), conf = Name("redis-conf");
  const int options_port = FreePort(), conf_port = FreePort();
  c.Add({"rm", "-f", "-t", "0", options, conf});
  // (Debian's redis-server, which these tests build from, keeps protected mode on without a
  // config; the official image's binary has it off.)
  MustPodman({"run", "-d", "--name", options, "-p", absl::StrCat("127.0.0.1:", options_port, ":6390"), kRedis, "--port", "6390",
              "--protected-mode", "no"});
  MustPodman({"run", "-d", "--name", conf, "--memory=256m", "-p", absl::StrCat("127.0.0.1:", conf_port, ":6391"), kRedis,
              "/etc/redis/noshell/redis.conf", "--port", "6391"});
  auto config_get = [](int port, const std::string& key) {
    RunResult r = RunCommand({"redis-cli", "-h", "127.0.0.1", "-p", std::to_string(port), "--raw", "CONFIG", "GET", key});
    std::vector<std::string> lines = absl::StrSplit(absl::StripTrailingAsciiWhitespace(r.out), '\n');
    return lines.size() == 2 ? lines[1] : r.out + r.err;
  };
  for (const auto& [name, port, want] : {std::tuple<std::string, int, std::string>{options, options_port, "6390"}, {conf, conf_port, "6391"}}) {
    std::string got;
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while ((got = config_get(port, "port")) != want && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(100));
    EXPECT_EQ(got, want) << name << "\n" << Podman({"logs", name}).out << Podman({"logs", name}).err;
    EXPECT_THAT(Podman({"logs", name}).err + Podman({"logs", name}).out, HasSubstr("starting redis-server"));
  }
  // Options alone: the server's defaults. The .conf first: the rendered file, its maxmemory three
  // quarters of the container's 256 MB.
  EXPECT_EQ(config_get(options_port, "maxmemory"), "0");
  EXPECT_EQ(config_get(conf_port, "maxmemory"), std::to_string(192ull << 20));
}

// The official images' redis-basics-persistent: a key written, the container stopped (TERM, which
// entrypoint forwards: Redis saves on its way out) and started again, the key is there. A client on
// the host through a published port: the image has no redis-cli.
TEST(RedisExampleTest, DataSurvivesAStopAndStart) {
  Cleanup c;
  const std::string r = Name("redis-persistent");
  const int port = FreePort();
  c.Add({"rm", "-f", "-t", "0", r});
  MustPodman({"run", "-d", "--name", r, "-p", absl::StrCat("127.0.0.1:", port, ":6379"), kRedis});
  auto cli = [port](std::vector<std::string> args) {
    args.insert(args.begin(), {"redis-cli", "-h", "127.0.0.1", "-p", std::to_string(port)});
    return std::string(absl::StripTrailingAsciiWhitespace(RunCommand(args).out));
  };
  auto wait_pong = [&cli] {
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (cli({"PING"}) != "PONG") {
      if (absl::Now() > deadline) return false;
      absl::SleepFor(absl::Milliseconds(100));
    }
    return true;
  };
  ASSERT_TRUE(wait_pong()) << Podman({"logs", r}).out;
  ASSERT_EQ(cli({"SET", "mykey", "somevalue"}), "OK");
  MustPodman({"stop", "-t", "10", r});
  EXPECT_EQ(MustPodman({"inspect", r, "--format", "{{.State.ExitCode}}"}), "0");  // Redis shut down cleanly
  MustPodman({"start", r});
  ASSERT_TRUE(wait_pong()) << Podman({"logs", r}).out;
  EXPECT_EQ(cli({"GET", "mykey"}), "somevalue");
}

// Redis loading a dataset answers LOADING: the example's health check says unhealthy until done.
TEST(RedisExampleTest, UnhealthyWhileLoading) {
  TempDir data;
  {
    RedisServer seed({"--enable-debug-command", "yes", "--dir", data.path()});
    seed.Cli({"DEBUG", "POPULATE", "100000", "key", "64"});
    ASSERT_EQ(seed.Cli({"SAVE"}), "OK");
    ASSERT_GT(std::filesystem::file_size(data.Join("dump.rdb")), 1'000'000u);
  }
  ChownTree(data.path(), 999, 999);
  const std::string r = Name("redis-loading");
  Cleanup c;
  c.Add({"rm", "-f", "-t", "0", r});
  // The image's command plus a per-key delay that keeps it loading for seconds.
  MustPodman({"run", "-d", "--name", r, "-v", data.path() + ":/data", kRedis, "redis-server", "/etc/redis/noshell/redis.conf",
              "--key-load-delay", "50", "--loading-process-events-interval-bytes", "1024"});
  bool saw_loading = false;
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (!saw_loading && absl::Now() < deadline) {
    if (Podman({"healthcheck", "run", r}).exit_code != 0) saw_loading = absl::StrContains(HealthLog(r), "LOADING");
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_TRUE(saw_loading) << HealthLog(r);
  EXPECT_TRUE(WaitHealthy(r, absl::Seconds(60)));
}

// Docker runs each container's health check on a timer, every `interval` of its configuration,
// the first one interval after the start; this podman has no systemd to do it, so a thread does,
// for the containers of one compose project.
class HealthTimer {
 public:
  explicit HealthTimer(const std::string& project) : thread_([this, project] { Loop(project); }) {}
  ~HealthTimer() {
    stop_ = true;
    thread_.join();
  }

 private:
  void Loop(const std::string& project) {
    std::map<std::string, std::pair<absl::Time, absl::Duration>> due;  // name -> next run, interval
    while (!stop_) {
      RunResult ps = Podman({"ps", "--filter", "label=com.docker.compose.project=" + project, "--format", "{{.Names}}"});
      for (absl::string_view n : absl::StrSplit(ps.out, '\n', absl::SkipEmpty())) {
        const std::string name(n);
        auto it = due.find(name);
        if (it == due.end()) {
          const absl::Duration every = Interval(name);
          due[name] = {absl::Now() + every, every};
        } else if (absl::Now() >= it->second.first) {
          Podman({"healthcheck", "run", name});
          it->second.first = absl::Now() + it->second.second;
        }
      }
      absl::SleepFor(absl::Milliseconds(200));
    }
  }
  static absl::Duration Interval(const std::string& name) {
    const std::string out(absl::StripAsciiWhitespace(Podman({"inspect", name, "--format", "{{.Config.Healthcheck.Interval}}"}).out));
    int64_t ns = 0;
    absl::Duration d;
    if (absl::SimpleAtoi(out, &ns) && ns > 0) return absl::Nanoseconds(ns);
    if (absl::ParseDuration(out, &d) && d > absl::ZeroDuration()) return d;
    return absl::Seconds(30);  // Docker's default
  }

  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// ---------------------------------------------------------------------------------------------
// docker/compose.yaml with a real compose implementation: docker-compose, talking to podman's
// Docker API socket.

TEST(ComposeTest, StackComesUpInDependencyOrderAndEveryHealthCheckPasses) {
  TempDir dir;
  const std::string sock = dir.Join("podman.sock");
  RunOptions service_env;
  service_env.env = PodmanEnv();
  Process service({"podman", "system", "service", "--time=0", "unix://" + sock}, service_env, dir.Join("service.log"));
  for (int i = 0; i < 100 && !std::filesystem::exists(sock); ++i) absl::SleepFor(absl::Milliseconds(50));
  ASSERT_TRUE(std::filesystem::exists(sock)) << ReadFile(dir.Join("service.log"));

  // The database volume is the compose file's own (pgdata, empty): the postgres service makes the
  // cluster at its first start, with the password of the postgres_password secret.
  const int port = FreePort();
  const std::string project = Name("compose");
  RunOptions o;
  o.env = PodmanEnv();
  o.env.insert({{"DOCKER_HOST", "unix://" + sock}, {"COMPOSE_PROJECT_NAME", project}, {"APP_IMAGE", kApp}, {"POSTGRES_IMAGE", kPostgres},
                {"REDIS_IMAGE", kRedis}, {"NOSHELL_IMAGE", kToolbox}, {"APP_PORT", std::to_string(port)}});
  o.timeout = absl::Minutes(5);
  const std::string file = kRepo + "/docker/compose.yaml";
  auto compose = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"docker-compose", "-f", file});
    return RunCommand(args, o);
  };

  RunResult valid = compose({"config", "-q"});
  EXPECT_EQ(valid.exit_code, 0) << valid.err;
  RunResult services = compose({"config", "--services"});
  EXPECT_EQ(std::set<std::string>(absl::StrSplit(services.out, '\n', absl::SkipEmpty())),
            (std::set<std::string>{"app", "migrate", "postgres", "redis"}));

  RunResult up;
  {
    HealthTimer timer(project);
    up = compose({"up", "-d", "--no-build"});
  }
  EXPECT_EQ(up.exit_code, 0) << up.out << up.err;
  PinBridgeMac(project + "_default");  // before `compose run` adds a container (see PinBridgeMac)

  // The one-shot migration completed before the app started.
  const std::string c_migrate = project + "_migrate_1", c_app = project + "_app_1";
  EXPECT_EQ(ExitCode(c_migrate), 0) << Podman({"logs", c_migrate}).out;
  EXPECT_THAT(Podman({"logs", c_migrate}).out, HasSubstr("applied 20260102000000"));
  // Every service's healthcheck command passes in its container; the migrate service's in a new
  // container of that service (its first one has finished).
  for (const char* s : {"postgres", "redis", "app"}) {
    EXPECT_TRUE(WaitHealthy(absl::StrCat(project, "_", s, "_1"), absl::Seconds(60))) << s;
  }
  RunResult migrate_check = compose({"run", "--rm", "-T", "--no-deps", "--entrypoint", "/usr/local/bin/noshell", "migrate", "healthcheck",
                                     "--timeout=2s", "env:DATABASE_URL"});
  EXPECT_EQ(migrate_check.exit_code, 0) << migrate_check.out << migrate_check.err;
  // The app answers on its published port.
  RunResult get = RunCommand({BinaryPath("healthcheck"), "--http-body=hello from a container without a shell",
                              absl::StrCat("http://127.0.0.1:", port, "/")});
  EXPECT_EQ(get.exit_code, 0) << get.out;
  // PostgreSQL got the compose file's limits (mem_limit: 1g).
  EXPECT_TRUE(PgQuery(project + "_postgres_1", "postgres", "SELECT current_setting('shared_buffers') = '256MB'"));

  RunResult down = compose({"down", "-v", "-t", "10"});
  EXPECT_EQ(down.exit_code, 0) << down.err;
  if (down.exit_code != 0) {
    Podman({"rm", "-f", "-t", "0", c_app, c_migrate, project + "_postgres_1", project + "_redis_1"});
  }
}

}  // namespace
}  // namespace noshell::testing

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new noshell::testing::Images());
  return RUN_ALL_TESTS();
}
