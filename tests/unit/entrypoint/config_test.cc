// entrypoint's options, parsed once into a typed EntrypointConfig; one exit-code mapping.
#include "entrypoint/config.h"

#include <signal.h>

#include "entrypoint/cli.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace noshell {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

absl::StatusOr<EntrypointConfig> Parse(std::vector<const char*> args, const MapEnv& env = MapEnv()) {
  args.insert(args.begin(), "entrypoint");
  return ParseEntrypointConfig(static_cast<int>(args.size()), args.data(), env);
}

TEST(EntrypointConfigTest, TheAppAfterDashesOrAsArguments) {
  auto c = Parse({"--", "/app", "--port=1"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_THAT(c->app, ElementsAre("/app", "--port=1"));
  EXPECT_EQ(c->timeout, absl::Seconds(60));
  EXPECT_EQ(c->grace, absl::Seconds(5));
  EXPECT_FALSE(c->migrate.has_value());
  auto bare = Parse({"/app"});
  ASSERT_TRUE(bare.ok());
  EXPECT_THAT(bare->app, ElementsAre("/app"));
}

TEST(EntrypointConfigTest, EveryStepsOptions) {
  MapEnv env{{"ENTRYPOINT_WAIT", "tcp://db:5432 redis://cache:6379"},
             {"ENTRYPOINT_PRE_START", "/bin/a one;/bin/b  two"},
             {"MIGRATE_LOCK_MODE", "table"}};
  auto c = Parse({"--secrets=DB_PASSWORD,API_TOKEN", "--timeout=5s", "--template=/t/a.tmpl:/etc/a.conf",
                  "--template=/t/b.tmpl:/etc/b.conf:0640:app:staff", "--migrate=/migrations", "--user=app",
                  "--keep-caps=NET_BIND_SERVICE", "--chown=/data", "--no-supplementary-groups", "--refuse-root",
                  "--first-start=/data/PG_VERSION:/usr/bin/initdb -D /data", "--grace=0s", "--signal-group",
                  "--rewrite-signal=TERM:QUIT", "--subreaper", "--format=json", "--", "/app"},
                 env);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_THAT(c->secrets, ElementsAre("DB_PASSWORD", "API_TOKEN"));
  EXPECT_THAT(c->waits, ElementsAre("tcp://db:5432", "redis://cache:6379"));
  EXPECT_EQ(c->timeout, absl::Seconds(5));
  ASSERT_EQ(c->templates.size(), 2u);
  EXPECT_EQ(c->templates[0].mode, 0644u);
  EXPECT_EQ(c->templates[0].owner, "");
  EXPECT_EQ(c->templates[1].src, "/t/b.tmpl");
  EXPECT_EQ(c->templates[1].dst, "/etc/b.conf");
  EXPECT_EQ(c->templates[1].mode, 0640u);
  EXPECT_EQ(c->templates[1].owner, "app:staff");
  ASSERT_TRUE(c->migrate.has_value());
  EXPECT_EQ(c->migrate->dir, "/migrations");
  EXPECT_EQ(c->migrate->command, MigrateCommand::kUp);
  EXPECT_EQ(c->migrate->options.lock_mode, LockMode::kTable);
  EXPECT_EQ(c->user, "app");
  EXPECT_THAT(c->keep_caps, ElementsAre(10));  // CAP_NET_BIND_SERVICE
  EXPECT_THAT(c->chown, ElementsAre("/data"));
  EXPECT_TRUE(c->no_supplementary_groups);
  EXPECT_TRUE(c->refuse_root);
  ASSERT_EQ(c->first_start.size(), 1u);
  EXPECT_EQ(c->first_start[0].creates, "/data/PG_VERSION");
  EXPECT_THAT(c->first_start[0].argv, ElementsAre("/usr/bin/initdb", "-D", "/data"));
  ASSERT_EQ(c->pre_start.size(), 2u);
  EXPECT_THAT(c->pre_start[1], ElementsAre("/bin/b", "two"));
  EXPECT_EQ(c->grace, absl::ZeroDuration());
  EXPECT_TRUE(c->signal_group);
  EXPECT_EQ(c->rewrite.at(SIGTERM), SIGQUIT);
  EXPECT_TRUE(c->subreaper);
  EXPECT_EQ(c->format, OutputFormat::kJson);
}

// --program: a command of options (or a .conf first) is that program's, as the official images
// read `command: --appendonly yes`; any other command is left alone.
TEST(EntrypointConfigTest, ProgramTakesACommandOfOptions) {
  EXPECT_THAT(Parse({"--program=redis-server", "--", "--appendonly", "yes"})->app, ElementsAre("redis-server", "--appendonly", "yes"));
  EXPECT_THAT(Parse({"--program=redis-server", "--", "../test.conf", "--appendonly", "yes"})->app,
              ElementsAre("redis-server", "../test.conf", "--appendonly", "yes"));
  EXPECT_THAT(Parse({"--", "-v"}, MapEnv{{"ENTRYPOINT_PROGRAM", "memcached"}})->app, ElementsAre("memcached", "-v"));
  EXPECT_THAT(Parse({"--program=redis-server", "--", "redis-server", "/etc/redis.conf"})->app, ElementsAre("redis-server", "/etc/redis.conf"));
  EXPECT_THAT(Parse({"--program=redis-server", "--", "/bin/echo", "-n"})->app, ElementsAre("/bin/echo", "-n"));
  EXPECT_THAT(Parse({"--program=redis-server", "--", "a.conf.bak"})->app, ElementsAre("a.conf.bak"));
  EXPECT_THAT(Parse({"--", "--appendonly", "yes"})->app, ElementsAre("--appendonly", "yes"));  // without it: as given
  EXPECT_THAT(Parse({"--program=", "--", "-v"}), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--program")));
}

TEST(EntrypointConfigTest, PostgresFirstStart) {
  auto c = Parse({"--postgres=/usr/lib/postgresql/15/bin", "--", "postgres"});
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_TRUE(c->postgres.has_value());
  EXPECT_EQ(c->postgres->bin_dir, "/usr/lib/postgresql/15/bin");
  EXPECT_EQ(c->postgres->popen_shim, "/usr/lib/noshell/libnoshell_popen.so");
  EXPECT_EQ(c->postgres->scripts_dir, "/docker-entrypoint-initdb.d");
  c = Parse({"--", "postgres"}, MapEnv{{"ENTRYPOINT_POSTGRES", "/pg/bin"}, {"ENTRYPOINT_POPEN_SHIM", "/x.so"}, {"ENTRYPOINT_INITDB_SCRIPTS", "/i"}});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->postgres->bin_dir, "/pg/bin");
  EXPECT_EQ(c->postgres->popen_shim, "/x.so");
  EXPECT_EQ(c->postgres->scripts_dir, "/i");
  EXPECT_FALSE(Parse({"--", "postgres"})->postgres.has_value());
  // compose's `command: -c max_connections=200` is the server with those options, as upstream.
  c = Parse({"--postgres=/pg/bin", "--", "-c", "max_connections=200"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_THAT(c->app, ElementsAre("postgres", "-c", "max_connections=200"));
  EXPECT_TRUE(c->postgres->first_start);
  c = Parse({"--postgres=/pg/bin", "--", "postgres", "--version"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE(c->postgres->first_start);
  EXPECT_THAT(c->app, ElementsAre("postgres", "--version"));
  // Without --postgres a leading option is left alone (and fails as a program, 127).
  EXPECT_THAT(Parse({"--", "-c", "x=1"})->app, ElementsAre("-c", "x=1"));
}

TEST(EntrypointConfigTest, BadUsageNamesTheProblem) {
  struct Case {
    std::vector<const char*> args;
    const char* want;
  };
  for (const Case& c : {
           Case{{}, "no command"},
           Case{{"--", ""}, "the command is an empty string"},
           Case{{"--timeout=0s", "--", "/app"}, "--timeout=0s: want a positive duration"},
           Case{{"--grace=later", "--", "/app"}, "--grace=later"},
           Case{{"--template=/a", "--", "/app"}, "--template=/a: want SRC:DST[:MODE[:OWNER]]"},
           Case{{"--template=/a:/b:999", "--", "/app"}, "mode must be octal"},
           Case{{"--first-start=relative:/bin/true", "--", "/app"}, "want /ABSOLUTE/PATH:COMMAND"},
           Case{{"--first-start=/x:", "--", "/app"}, "want /ABSOLUTE/PATH:COMMAND"},
           Case{{"--keep-caps=NET_ADMIN", "--", "/app"}, "--keep-caps needs --user"},
           Case{{"--chown=/data", "--", "/app"}, "--chown needs --user"},
           Case{{"--postgres=bin", "--", "/app"}, "--postgres=bin: want the absolute folder of initdb and postgres"},
           Case{{"--popen-shim=/lib/x.so", "--", "/app"}, "--popen-shim needs --postgres"},
           Case{{"--initdb-scripts=/init", "--", "/app"}, "--initdb-scripts needs --postgres"},
           Case{{"--user=app", "--keep-caps=FLY", "--", "/app"}, "FLY"},
           Case{{"--rewrite-signal=TERM", "--", "/app"}, "TERM"},
           Case{{"--format=xml", "--", "/app"}, "\"xml\""},
           Case{{"--log-level=loud", "--", "/app"}, "\"loud\""},
           Case{{"--subreaper=perhaps", "--", "/app"}, "subreaper"},
       }) {
    EXPECT_THAT(Parse(c.args), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.want))) << c.want;
  }
  // A bad MIGRATE_* value is found before anything runs, and says it is --migrate's.
  EXPECT_THAT(Parse({"--migrate=/m", "--", "/app"}, MapEnv{{"MIGRATE_LOCK_MODE", "row"}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--migrate: --lock-mode=row")));
}

TEST(EntrypointExitCodeTest, TheStepThatFailedDecides) {
  const absl::Status bad = absl::NotFoundError("x");
  EXPECT_EQ(EntrypointExitCodeFor(absl::OkStatus()), 0);
  EXPECT_EQ(EntrypointExitCodeFor(bad), kEntrypointUsage);  // untagged: configuration
  EXPECT_EQ(EntrypointExitCodeFor(InStep(EntrypointStep::kConfig, bad)), kEntrypointUsage);
  EXPECT_EQ(EntrypointExitCodeFor(InStep(EntrypointStep::kSecrets, bad)), kEntrypointSecret);
  EXPECT_EQ(EntrypointExitCodeFor(InStep(EntrypointStep::kWaits, bad)), kEntrypointWait);
  EXPECT_EQ(EntrypointExitCodeFor(InStep(EntrypointStep::kTemplates, bad)), kEntrypointTemplate);
  EXPECT_EQ(EntrypointExitCodeFor(InStep(EntrypointStep::kMigrations, bad)), kEntrypointMigrate);
  EXPECT_EQ(EntrypointExitCodeFor(InStep(EntrypointStep::kUser, bad)), kEntrypointPermission);
  EXPECT_EQ(EntrypointExitCodeFor(InStep(EntrypointStep::kCommands, bad)), kEntrypointPreStart);
  // The innermost tag wins: a bad target found while waiting is a usage error.
  EXPECT_EQ(EntrypointExitCodeFor(InStep(EntrypointStep::kWaits, InStep(EntrypointStep::kConfig, bad))), kEntrypointUsage);
  // A stop by signal N is 128+N whichever step it interrupted.
  absl::Status stopped = InStep(EntrypointStep::kMigrations, StoppedBy(SIGTERM, "migrations"));
  EXPECT_EQ(EntrypointExitCodeFor(stopped), 128 + SIGTERM);
  EXPECT_THAT(stopped, StatusIs(absl::StatusCode::kCancelled, HasSubstr("stopped by signal 15 during migrations")));
  EXPECT_TRUE(InStep(EntrypointStep::kWaits, absl::OkStatus()).ok());
}

}  // namespace
}  // namespace noshell
