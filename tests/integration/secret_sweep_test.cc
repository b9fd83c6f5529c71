// The secret sweep: every error path of all three binaries, with a planted password supplied in
// every way a user can (URL, %-encoded URL, key=value, env:NAME, NAME_FILE, PGPASSWORD(_FILE),
// REDISCLI_AUTH(_FILE), HTTP userinfo), against peers that fail in every way (closed, silent,
// garbage, echoing it back, a real server refusing it, a name that does not resolve, malformed
// URLs), in text and JSON and at debug level. Every byte of stdout and stderr is grepped.
#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
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

TEST(SecretSweepTest, NoOutputEverHoldsThePlantedSecret) {
  PgServer pg;  // the app role's password is not the secret: a real refusal
  RedisServer redis({"--requirepass", "other-password"});
  FaultPeer silent("silent"), garbage("garbage"), notice("pg-notice-echo"), echo("http-echo");
  TempDir dir, migrations;
  WriteFile(dir.Join("password"), kSecret + "\n");

  const std::string closed = std::to_string(FreePort());
  struct Peer {
    std::string name, host_port;
  };
  const std::vector<Peer> pg_peers = {{"closed", "127.0.0.1:" + closed},
                                      {"silent", absl::StrCat("127.0.0.1:", silent.port())},
                                      {"garbage", absl::StrCat("127.0.0.1:", garbage.port())},
                                      {"echo", absl::StrCat("127.0.0.1:", notice.port())},
                                      {"refusing", absl::StrCat("127.0.0.1:", pg.port())},
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
      {"file", [&dir](const std::string& hp) {
         const std::string path = dir.Join("url-" + std::to_string(std::hash<std::string>()(hp)));
         WriteFile(path, "postgres://app:" + kEncoded + "@" + hp + "/app?sslmode=disable\n");
         return std::make_pair(std::string("env:DB"), std::map<std::string, std::string>{{"DB_FILE", path}});
       }},
      {"pgpassword", [](const std::string& hp) {
         return std::make_pair("postgres://app@" + hp + "/app?sslmode=disable", std::map<std::string, std::string>{{"PGPASSWORD", kSecret}});
       }},
      {"pgpassword_file", [&dir](const std::string& hp) {
         return std::make_pair("postgres://app@" + hp + "/app?sslmode=disable", std::map<std::string, std::string>{{"PGPASSWORD_FILE", dir.Join("password")}});
       }},
  };

  std::vector<SweepRun> runs;
  auto add_all = [&](const std::string& label, const std::string& target, const std::map<std::string, std::string>& env) {
    runs.push_back({label + " healthcheck text", {BinaryPath("healthcheck"), "--timeout=500ms", "--log-level=debug", target}, env});
    runs.push_back({label + " healthcheck json", {BinaryPath("healthcheck"), "--timeout=500ms", "--format=json", "--log-level=debug", target}, env});
    runs.push_back({label + " entrypoint text", {BinaryPath("entrypoint"), "--log-level=debug", "--timeout=500ms", "--wait=" + target, "--", "/bin/true"}, env});
    runs.push_back({label + " entrypoint json", {BinaryPath("entrypoint"), "--format=json", "--log-level=debug", "--timeout=500ms", "--wait=" + target, "--", "/bin/true"}, env});
  };
  for (const Form& form : pg_forms) {
    for (const Peer& peer : pg_peers) {
      auto [target, env] = form.make(peer.host_port);
      const std::string label = form.name + "/" + peer.name;
      add_all(label, target, env);
      for (const char* format : {"text", "json"}) {
        runs.push_back({label + " migrate " + format,
                        {BinaryPath("migrate"), "--dir=" + migrations.path(), "--wait=500ms", std::string("--format=") + format,
                         "--log-level=debug", "--database-url=" + target, "status"},
                        env});
      }
    }
  }
  // Malformed URLs: libpq's parse errors quote what they read.
  for (const std::string& bad : {"postgres://app:pa%zz" + kSecret + "@127.0.0.1:5432/app", "postgres://app:" + kEncoded + "@[::1/app",
                                 "postgres://app:" + kEncoded + "@[]:5432/app", "postgres://app:" + kEncoded + "@[::1]x/app",
                                 "host=127.0.0.1 user app password=" + kSecret, "passwrd=" + kSecret + " host=h"}) {
    add_all("malformed", bad, {});
    add_all("malformed-env", "env:DB", {{"DB", bad}});
    runs.push_back({"malformed migrate", {BinaryPath("migrate"), "--dir=" + migrations.path(), "--format=json", "status"}, {{"DATABASE_URL", bad}}});
  }
  // Redis and HTTP.
  const std::vector<std::string> redis_hosts = {"127.0.0.1:" + closed, absl::StrCat("127.0.0.1:", silent.port()),
                                                absl::StrCat("127.0.0.1:", garbage.port()), absl::StrCat("127.0.0.1:", redis.port())};
  for (const std::string& hp : redis_hosts) {
    add_all("redis-url", "redis://:" + kEncoded + "@" + hp + "/0", {});
    add_all("redis-auth", "redis://" + hp + "/0", {{"REDISCLI_AUTH", kSecret}});
    add_all("redis-auth-file", "redis://" + hp + "/0", {{"REDISCLI_AUTH_FILE", dir.Join("password")}});
    add_all("rediss", "rediss://u:" + kEncoded + "@" + hp + "/0", {});
  }
  for (const std::string& hp : {absl::StrCat("127.0.0.1:", echo.port()), absl::StrCat("127.0.0.1:", garbage.port())}) {
    add_all("http", "http://u:" + kEncoded + "@" + hp + "/health?token=" + kEncoded, {});
    add_all("https", "https://u:" + kEncoded + "@" + hp + "/", {});
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
        for (const std::string& s : {kSecret, kEncoded, std::string("Zq9Sweep")}) {
          if (all.find(s) != std::string::npos) {
            std::lock_guard<std::mutex> lock(mu);
            leaks.push_back(runs[i].name + ":\n" + all);
            break;
          }
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

}  // namespace
}  // namespace noshell::testing
