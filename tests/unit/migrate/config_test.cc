// migrate's options and commands: parsed once, into a typed MigrateConfig; one exit-code mapping.
#include "migrate/config.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "migrate/cli.h"
#include "tests/status_matchers.h"

namespace noshell {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<MigrateConfig> Parse(std::vector<const char*> args, const MapEnv& env = MapEnv()) {
  args.insert(args.begin(), "migrate");
  return ParseMigrateConfig(static_cast<int>(args.size()), args.data(), env);
}

TEST(MigrateConfigTest, Defaults) {
  auto c = Parse({"up"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->command, MigrateCommand::kUp);
  EXPECT_EQ(c->dir, "migrations");
  EXPECT_EQ(c->database_url, "postgres://");  // libpq's PG* variables
  EXPECT_EQ(c->wait, absl::Seconds(30));
  EXPECT_EQ(c->options.table, "noshell_migrations");
  EXPECT_EQ(c->options.lock_mode, LockMode::kAdvisory);
  EXPECT_EQ(c->options.target_version, "");
  EXPECT_FALSE(c->source_format.has_value());
  EXPECT_FALSE(c->placeholders);
  EXPECT_EQ(c->output, OutputFormat::kText);
}

TEST(MigrateConfigTest, CommandsAndTheirArguments) {
  auto up = Parse({"up", "20240101"});
  ASSERT_TRUE(up.ok());
  EXPECT_EQ(up->options.target_version, "20240101");
  auto down = Parse({"down", "3"});
  ASSERT_TRUE(down.ok());
  EXPECT_EQ(down->command, MigrateCommand::kDown);
  EXPECT_EQ(down->down_steps, 3);
  auto repair = Parse({"repair", "1.2", "pending"});
  ASSERT_TRUE(repair.ok());
  EXPECT_EQ(repair->command, MigrateCommand::kRepair);
  EXPECT_EQ(repair->version, "1.2");
  EXPECT_EQ(repair->repair_outcome, RepairOutcome::kPending);
  auto baseline = Parse({"baseline", "7"});
  ASSERT_TRUE(baseline.ok());
  EXPECT_EQ(baseline->version, "7");
  auto create = Parse({"new", "add users"});
  ASSERT_TRUE(create.ok());
  EXPECT_EQ(create->new_name, "add users");
  for (MigrateCommand cmd : {MigrateCommand::kStatus, MigrateCommand::kPlan, MigrateCommand::kValidate}) {
    std::string name(CommandName(cmd));
    auto c = Parse({name.c_str()});
    ASSERT_TRUE(c.ok()) << name;
    EXPECT_EQ(c->command, cmd);
  }
}

TEST(MigrateConfigTest, OptionsFromFlagsAndEnvironment) {
  MapEnv env{{"MIGRATE_LOCK_MODE", "table"}, {"MIGRATE_TABLE", "history"}, {"MIGRATE_WAIT", "2s"},
             {"MIGRATE_SOURCE_FORMAT", "flyway"}, {"MIGRATE_PLACEHOLDERS", "true"}};
  auto c = Parse({"--table=mine", "--lock-timeout=1s", "--lock-retries=0", "--statement-timeout=1m", "--format=json", "status"}, env);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->options.table, "mine");  // the command line wins
  EXPECT_EQ(c->options.lock_mode, LockMode::kTable);
  EXPECT_EQ(c->options.lock_timeout, absl::Seconds(1));
  EXPECT_EQ(c->options.lock_retries, 0);
  EXPECT_EQ(c->options.statement_timeout, absl::Minutes(1));
  EXPECT_EQ(c->wait, absl::Seconds(2));
  EXPECT_EQ(c->source_format, MigrationFormat::kFlyway);
  EXPECT_TRUE(c->placeholders);
  EXPECT_EQ(c->output, OutputFormat::kJson);
}

TEST(MigrateConfigTest, DatabaseUrlDefaultsToDatabaseUrlOrItsFile) {
  EXPECT_EQ(Parse({"up"}, MapEnv{{"DATABASE_URL", "postgres://x"}})->database_url, "env:DATABASE_URL");
  EXPECT_EQ(Parse({"up"}, MapEnv{{"DATABASE_URL_FILE", "/run/secrets/url"}})->database_url, "env:DATABASE_URL");
  EXPECT_EQ(Parse({"--database-url=env:APP_DB", "up"}, MapEnv{{"DATABASE_URL", "postgres://x"}})->database_url, "env:APP_DB");
}

TEST(MigrateConfigTest, HelpAndVersionAreText) {
  auto help = Parse({"--help"});
  ASSERT_TRUE(help.ok());
  EXPECT_THAT(help->help_text, HasSubstr("usage: migrate [options] COMMAND"));
  EXPECT_THAT(help->help_text, HasSubstr("--lock-mode"));
  auto version = Parse({"--version"});
  ASSERT_TRUE(version.ok());
  EXPECT_THAT(version->help_text, HasSubstr("migrate (noshell) "));
}

TEST(MigrateConfigTest, BadUsageNamesTheProblem) {
  struct Case {
    std::vector<const char*> args;
    const char* want;
  };
  for (const Case& c : {
           Case{{}, "no command"},
           Case{{"sideways"}, "unknown command \"sideways\""},
           Case{{"status", "extra"}, "wrong number of arguments for status"},
           Case{{"repair", "1"}, "wrong number of arguments for repair"},
           Case{{"down", "0"}, "down 0: want a number of migrations >= 1"},
           Case{{"up", "v2"}, "v2"},
           Case{{"baseline", "xyz"}, "xyz"},
           Case{{"repair", "1", "done"}, "repair outcome \"done\": want applied or pending"},
           Case{{"--lock-mode=row", "up"}, "--lock-mode=row: want advisory or table"},
           Case{{"--wait=soon", "up"}, "--wait=soon: want a duration"},
           Case{{"--lock-retries=-1", "up"}, "--lock-retries=-1: want a number >= 0"},
           Case{{"--source-format=liquibase", "up"}, "--source-format=liquibase: want golang-migrate"},
           Case{{"--table=", "up"}, "--table=: want a name of 1 to 58 bytes"},
           Case{{"--format=xml", "up"}, "\"xml\""},
           Case{{"--log-level=loud", "up"}, "log level \"loud\""},
           Case{{"--placeholders=maybe", "up"}, "placeholders"},
       }) {
    EXPECT_THAT(Parse(c.args), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.want))) << c.want;
  }
}

TEST(MigrateConfigTest, UpConfigForEntrypointReadsOnlyTheEnvironment) {
  auto c = MigrateUpConfig("/migrations", MapEnv{{"MIGRATE_LOCK_MODE", "table"}, {"DATABASE_URL", "postgres://db"}});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->command, MigrateCommand::kUp);
  EXPECT_EQ(c->dir, "/migrations");
  EXPECT_EQ(c->options.lock_mode, LockMode::kTable);
  EXPECT_EQ(c->database_url, "env:DATABASE_URL");
  EXPECT_THAT(MigrateUpConfig("/m", MapEnv{{"MIGRATE_LOCK_WAIT", "forever"}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--lock-wait=forever")));
}

TEST(MigrateExitCodeTest, OneMappingFromStatusToExitCode) {
  struct Case {
    absl::Status status;
    int want;
  };
  for (const Case& c : {Case{absl::OkStatus(), kMigrateOk}, Case{absl::InvalidArgumentError(""), kMigrateUsage},
                        Case{absl::UnavailableError(""), kMigrateCannotConnect},
                        Case{absl::UnauthenticatedError(""), kMigrateCannotConnect},
                        Case{absl::NotFoundError(""), kMigrateCannotConnect},
                        Case{absl::DeadlineExceededError(""), kMigrateCannotConnect},
                        Case{absl::ResourceExhaustedError(""), kMigrateLockNotObtained},
                        Case{absl::AbortedError(""), kMigrateFailed}, Case{absl::InternalError(""), kMigrateFailed},
                        Case{absl::FailedPreconditionError(""), kMigrateDrift},
                        Case{absl::CancelledError(""), kMigrateInterrupted}}) {
    EXPECT_EQ(MigrateExitCodeFor(c.status), c.want) << c.status;
  }
}

}  // namespace
}  // namespace noshell
