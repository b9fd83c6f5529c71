// The secret sweep: every error path of all three binaries, with a planted password supplied in
// every way a user can (URL, %-encoded URL, key=value, env:NAME, NAME_FILE, PGPASSWORD(_FILE),
// REDISCLI_AUTH(_FILE), HTTP userinfo), against peers that fail in every way (closed, silent,
// garbage, echoing it back, a real server refusing it, a name that does not resolve, malformed
// URLs), in text and JSON and at debug level. Every byte of stdout and stderr is grepped. And the
// same targets behind the HTTP endpoints (healthcheck --serve, entrypoint --health-listen): every
// page they serve, and the servers' own output.
#include <atomic>
#include <csignal>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"

namespace noshell::testing {
namespace {

// Distinctive, and with a character that URLs must %-encode.
const std::string kSecret = "Zq9Sweep/Secret4711";
const std::string kEncoded = "Zq9Sweep%2FSecret4711";

struct SweepRun {
  std::string name;
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;
};

// The text holds the planted secret in one of its forms.
bool HoldsSecret(const std::string& text) {
  for (const std::string& s : {kSecret, kEncoded, std::string("Zq9Sweep")}) {
    if (text.find(s) != std::string::npos) return true;
  }
  return false;
}

// A target with the secret planted in it or in its environment.
struct Planted {
  enum Kind { kPostgres, kMalformed, kOther } kind;
  std::string label, target;
  std::map<std::string, std::string> env;
};

// Peers that fail in every way, and every target form pointed at each.
class SecretSweepTest : public ::testing::Test {
 protected:
  SecretSweepTest() { WriteFile(dir_.Join("password"), kSecret + "\n"); }

  std::vector<Planted> PlantedTargets();

  PgServer pg_;  // the app role's password is not the secret: a real refusal
  RedisServer redis_{{"--requirepass", "other-password"}};
  FaultPeer silent_{"silent"}, garbage_{"garbage"}, notice_{"pg-notice-echo"}, echo_{"http-echo"};
  TempDir dir_;
  const std::string closed_ = std::to_string(FreePort());
};

std::vector<Planted> SecretSweepTest::PlantedTargets() {
  std::vector<Planted> out;
  struct Peer {
    std::string name, host_port;
  };
  const std::vector<Peer> pg_peers = {{"closed", "127.0.0.1:" + closed_},
                                      {"silent", absl::StrCat("127.0.0.1:", silent_.port())},
                                      {"garbage", absl::StrCat("127.0.0.1:", garbage_.port())},
                                      {"echo", absl::StrCat("127.0.0.1:", notice_.port())},
                                      {"refusing", absl::StrCat("127.0.0.1:", pg_.port())},
                                      {"unresolvable", "nosuchhost.invalid:5432"}};
  // Each form: the target text and the environment that goes with it.
  struct Form {
    std::string name;
    std::function<std::pair<std::string, std::map<std::string, std::string>>(const std::string& host_port)> make;
  };
  const std::vector<Form> pg_forms = {
      {"url", [](const std::string& hp) { return std::make_pair("postgres://app:" + kEncoded + "@" + hp + "/app?sslmode=disable", std::map<std::string, std::string>{}); }},
      {"kv", [](const std::string& hp) {
         size_t colon = hp.rfind(':');
         return std::make_pair("host=" + hp.substr(0, colon) + " port=" + hp.substr(colon + 1) + " user=app sslmode=disable password=" + kSecret + " dbname=app",
                               std::map<std::string, std::string>{});
       }},
      {"env", [](const std::string& hp) {
         return std::make_pair(std::string("env:DB"), std::map<std::string, std::string>{{"DB", "postgres://app:" + kEncoded + "@" + hp + "/app?sslmode=disable"}});
       }},
      {"file", [this](const std::string& hp) {
         const std::string path = dir_.Join("url-" + std::to_string(std::hash<std::string>()(hp)));
         WriteFile(path, "postgres://app:" + kEncoded + "@" + hp + "/app?sslmode=disable\n");
         return std::make_pair(std::string("env:DB"), std::map<std::string, std::string>{{"DB_FILE", path}});
       }},
      {"pgpassword", [](const std::string& hp) {
         return std::make_pair("postgres://app@" + hp + "/app?sslmode=disable", std::map<std::string, std::string>{{"PGPASSWORD", kSecret}});
       }},
      {"pgpassword_file", [this](const std::string& hp) {
         return std::make_pair("postgres://app@" + hp + "/app?sslmode=disable", std::map<std::string, std::string>{{"PGPASSWORD_FILE", dir_.Join("password")}});
       }},
  };

  for (const Form& form : pg_forms) {
    for (const Peer& peer : pg_peers) {
      auto [target, env] = form.make(peer.host_port);
      out.push_back({Planted::kPostgres, form.name + "/" + peer.name, target, env});
    }
  }
  // Malformed URLs: libpq's parse errors quote what they read.
  for (const std::string& bad : {"postgres://app:pa%zz" + kSecret + "@127.0.0.1:5432/app", "postgres://app:" + kEncoded + "@[::1/app",
                                 "postgres://app:" + kEncoded + "@[]:5432/app", "postgres://app:" + kEncoded + "@[::1]x/app",
                                 "host=127.0.0.1 user app password=" + kSecret, "passwrd=" + kSecret + " host=h"}) {
    out.push_back({Planted::kMalformed, "malformed", bad, {}});
    out.push_back({Planted::kMalformed, "malformed-env", "env:DB", {{"DB", bad}}});
  }
  // Redis and HTTP.
  const std::vector<std::string> redis_hosts = {"127.0.0.1:" + closed_, absl::StrCat("127.0.0.1:", silent_.port()),
                                                absl::StrCat("127.0.0.1:", garbage_.port()), absl::StrCat("127.0.0.1:", redis_.port())};
  for (const std::string& hp : redis_hosts) {
    out.push_back({Planted::kOther, "redis-url", "redis://:" + kEncoded + "@" + hp + "/0", {}});
    out.push_back({Planted::kOther, "redis-auth", "redis://" + hp + "/0", {{"REDISCLI_AUTH", kSecret}}});
    out.push_back({Planted::kOther, "redis-auth-file", "redis://" + hp + "/0", {{"REDISCLI_AUTH_FILE", dir_.Join("password")}}});
    out.push_back({Planted::kOther, "rediss", "rediss://u:" + kEncoded + "@" + hp + "/0", {}});
  }
  for (const std::string& hp : {absl::StrCat("127.0.0.1:", echo_.port()), absl::StrCat("127.0.0.1:", garbage_.port())}) {
    out.push_back({Planted::kOther, "http", "http://u:" + kEncoded + "@" + hp + "/health?token=" + kEncoded, {}});
    out.push_back({Planted::kOther, "https", "https://u:" + kEncoded + "@" + hp + "/", {}});
  }
  return out;
}

TEST_F(SecretSweepTest, NoOutputEverHoldsThePlantedSecret) {
  TempDir migrations;
  std::vector<SweepRun> runs;
  auto add_all = [&](const std::string& label, const std::string& target, const std::map<std::string, std::string>& env) {
    runs.push_back({label + " healthcheck text", {BinaryPath("healthcheck"), "--timeout=500ms", "--log-level=debug", target}, env});
    runs.push_back({label + " healthcheck json", {BinaryPath("healthcheck"), "--timeout=500ms", "--format=json", "--log-level=debug", target}, env});
    runs.push_back({label + " entrypoint text", {BinaryPath("entrypoint"), "--log-level=debug", "--timeout=500ms", "--wait=" + target, "--", "/bin/true"}, env});
    runs.push_back({label + " entrypoint json", {BinaryPath("entrypoint"), "--format=json", "--log-level=debug", "--timeout=500ms", "--wait=" + target, "--", "/bin/true"}, env});
  };
  for (const Planted& p : PlantedTargets()) {
    add_all(p.label, p.target, p.env);
    if (p.kind == Planted::kOther) continue;
    for (const char* format : {"text", "json"}) {
      const bool by_env = p.kind == Planted::kMalformed;  // as DATABASE_URL
      std::vector<std::string> argv = {BinaryPath("migrate"), "--dir=" + migrations.path(), "--wait=500ms",
                                       std::string("--format=") + format, "--log-level=debug"};
      std::map<std::string, std::string> env = p.env;
      if (by_env && p.target.rfind("env:", 0) != 0) env["DATABASE_URL"] = p.target;
      if (!by_env || p.target.rfind("env:", 0) == 0) argv.push_back("--database-url=" + p.target);
      argv.push_back("status");
      runs.push_back({p.label + " migrate " + format, argv, env});
    }
  }

  std::atomic<size_t> next{0};
  std::mutex mu;
  std::vector<std::string> leaks;
  std::vector<std::thread> workers;
  for (int w = 0; w < 8; ++w) {
    workers.emplace_back([&] {
      for (size_t i = next++; i < runs.size(); i = next++) {
        RunOptions o;
        o.env = runs[i].env;
        o.timeout = absl::Seconds(30);
        RunResult r = RunCommand(runs[i].argv, o);
        const std::string all = r.out + r.err;
        if (HoldsSecret(all)) {
          std::lock_guard<std::mutex> lock(mu);
          leaks.push_back(runs[i].name + ":\n" + all);
        }
        if (r.exit_code == 0) {
          std::lock_guard<std::mutex> lock(mu);
          leaks.push_back(runs[i].name + ": exit 0, so the scenario is not a failure path");
        }
      }
    });
  }
  for (std::thread& t : workers) t.join();
  EXPECT_TRUE(leaks.empty()) << leaks.size() << " of " << runs.size() << " runs:\n" << absl::StrJoin(leaks, "\n---\n");
  std::printf("secret sweep: %zu runs, no output holds the planted secret\n", runs.size());
}

// The served pages: every target that can be served (a malformed one stops the start, which the
// sweep above covers) behind healthcheck --serve and entrypoint --health-listen, each page in text
// and JSON once every target has a verdict, and the servers' own output at debug level until TERM.
TEST_F(SecretSweepTest, ServedPagesNeverHoldThePlantedSecret) {
  // Targets that name no variable of their own share a server; env:NAME targets get a NAME of
  // their own; those that read a shared variable (PGPASSWORD, REDISCLI_AUTH, ..._FILE) get a
  // server per variable.
  std::map<std::string, std::vector<Planted>> groups;
  int n = 0;
  for (Planted p : PlantedTargets()) {
    if (p.kind == Planted::kMalformed) continue;
    std::string group;
    if (p.target.rfind("env:", 0) == 0) {
      const std::string name = p.target.substr(4), renamed = absl::StrCat(name, "_", n++);
      std::map<std::string, std::string> env;
      for (const auto& [k, v] : p.env) env[k == name ? renamed : k == name + "_FILE" ? renamed + "_FILE" : k] = v;
      p.target = "env:" + renamed;
      p.env = env;
    } else {
      for (const auto& [k, v] : p.env) group += k + ";";
    }
    groups[group].push_back(p);
  }
  ASSERT_EQ(groups.size(), 5u);  // shared, PGPASSWORD, PGPASSWORD_FILE, REDISCLI_AUTH, REDISCLI_AUTH_FILE

  // All servers at once, then each is read.
  struct Server {
    std::string name, log;
    bool entrypoint;
    int port;
    size_t targets;
    std::unique_ptr<Process> process;
  };
  TempDir logs;
  std::vector<Server> servers;
  for (const auto& [group, planted] : groups) {
    std::map<std::string, std::string> env;
    std::vector<std::string> targets;
    for (const Planted& p : planted) {
      env.insert(p.env.begin(), p.env.end());
      targets.push_back(p.target);
    }
    for (const bool entrypoint : {false, true}) {
      const int port = FreePort();
      std::vector<std::string> argv;
      if (entrypoint) {
        argv = {BinaryPath("entrypoint"), "--log-level=debug", "--format=json", absl::StrCat("--health-listen=127.0.0.1:", port)};
        for (const std::string& t : targets) argv.push_back("--ready=" + t);
        argv.insert(argv.end(), {"--", "/bin/sleep", "60"});
      } else {
        argv = {BinaryPath("healthcheck"), "--log-level=debug", "--timeout=500ms", absl::StrCat("--serve=127.0.0.1:", port)};
        argv.insert(argv.end(), targets.begin(), targets.end());
      }
      Server s{absl::StrCat(entrypoint ? "entrypoint" : "healthcheck", " [", group, "]"),
               logs.Join(absl::StrCat("server-", servers.size(), ".log")), entrypoint, port, planted.size(), nullptr};
      RunOptions o;
      o.env = env;
      s.process = std::make_unique<Process>(argv, o, s.log);
      servers.push_back(std::move(s));
    }
  }
  std::vector<std::string> leaks;
  int pages = 0;
  for (Server& s : servers) {
    // Every target probed at least once (the silent peers take their whole deadline).
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    std::string readyz;
    while (absl::Now() < deadline) {
      readyz = HttpGet(s.port, "/readyz?format=json");
      if (!readyz.empty() && readyz.find("not probed yet") == std::string::npos) break;
      absl::SleepFor(absl::Milliseconds(100));
    }
    ASSERT_THAT(readyz, ::testing::HasSubstr("\"ready\":false")) << s.name;
    EXPECT_THAT(readyz, ::testing::Not(::testing::HasSubstr("not probed yet"))) << s.name;
    for (const char* path : {"/readyz", "/readyz?format=json", "/livez", "/livez?format=json", "/metrics", "/nope"}) {
      const std::string page = HttpGet(s.port, path);
      ++pages;
      EXPECT_FALSE(page.empty()) << s.name << " " << path;
      if (HoldsSecret(page)) leaks.push_back(absl::StrCat(s.name, " ", path, ":\n", page));
      if (std::string(path) == "/readyz") {
        // Every target is listed, with the reason it failed.
        EXPECT_THAT(page, ::testing::StartsWith("HTTP/1.1 503 ")) << s.name;
        size_t fails = 0;
        for (size_t at = page.find("\nFAIL "); at != std::string::npos; at = page.find("\nFAIL ", at + 1)) ++fails;
        EXPECT_EQ(fails, s.targets) << s.name << "\n" << page;
      }
      if (std::string(path) == "/metrics") {
        size_t ups = 0;
        for (size_t at = page.find("\nnoshell_target_up{"); at != std::string::npos; at = page.find("\nnoshell_target_up{", at + 1)) ++ups;
        EXPECT_EQ(ups, s.targets) << s.name;
      }
    }
    s.process->Signal(SIGTERM);
    EXPECT_EQ(s.process->Wait(), s.entrypoint ? 143 : 0) << s.name;
    const std::string output = ReadFile(s.log);
    EXPECT_THAT(output, ::testing::HasSubstr("serving")) << s.name;  // the log was read: debug output, not nothing
    if (HoldsSecret(output)) leaks.push_back(s.name + " output:\n" + output);
  }
  EXPECT_TRUE(leaks.empty()) << leaks.size() << " leaks:\n" << absl::StrJoin(leaks, "\n---\n");
  std::printf("secret sweep, served: %zu servers, %d pages, no page or output holds the planted secret\n", servers.size(), pages);
}

}  // namespace
}  // namespace noshell::testing
