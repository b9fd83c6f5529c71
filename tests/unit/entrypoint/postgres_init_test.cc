// tests/unit/entrypoint/postgres_init_test.cc — the official postgres image's first-start contract
// (entrypoint/postgres_init.h): defaults, *_FILE, the refusals, and what initdb and pg_hba get.
#include "entrypoint/postgres_init.h"

#include "entrypoint/first_start.h"
#include "common/redact.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"
#include "tests/unit/scratch_dir.h"

namespace noshell {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(PostgresInitTest, DefaultsAreTheOfficialImagesOnes) {
  auto init = ReadPostgresInit(MapEnv{{"POSTGRES_PASSWORD", "pw1"}});
  ASSERT_TRUE(init.ok()) << init.status();
  EXPECT_EQ(init->pgdata, "/var/lib/postgresql/data");
  EXPECT_EQ(init->user, "postgres");
  EXPECT_EQ(init->db, "postgres");
  EXPECT_EQ(init->password, "pw1");
  EXPECT_EQ(init->host_auth_method, "scram-sha-256");
  EXPECT_TRUE(init->initdb_args.empty());
  EXPECT_EQ(CreateDatabaseSql(*init), "");  // initdb made "postgres"
  EXPECT_EQ(HostAuthLines(*init), "\nhost all all all scram-sha-256\n");
  EXPECT_THAT(InitdbArguments(*init, "/d/stage", "/run/pw"),
              ElementsAre("--pgdata=/d/stage", "--username=postgres", "--auth-local=trust", "--auth-host=scram-sha-256",
                          "--pwfile=/run/pw"));
}

TEST(PostgresInitTest, NamesWithSpacesAndQuotes) {
  auto init = ReadPostgresInit(MapEnv{{"POSTGRES_PASSWORD", "pw"}, {"POSTGRES_USER", "team admin"}, {"POSTGRES_DB", "O'Brien's \"db\""},
                                      {"PGDATA", "/data/pg 15"}});
  ASSERT_TRUE(init.ok()) << init.status();
  EXPECT_EQ(init->user, "team admin");
  EXPECT_EQ(init->pgdata, "/data/pg 15");
  EXPECT_EQ(CreateDatabaseSql(*init), "CREATE DATABASE \"O'Brien's \"\"db\"\"\"");
  EXPECT_THAT(InitdbArguments(*init, "/data/pg 15/stage", "/p"),
              ElementsAre("--pgdata=/data/pg 15/stage", "--username=team admin", "--auth-local=trust", "--auth-host=scram-sha-256",
                          "--pwfile=/p"));
  // POSTGRES_DB defaults to the user.
  init = ReadPostgresInit(MapEnv{{"POSTGRES_PASSWORD", "pw"}, {"POSTGRES_USER", "app"}});
  ASSERT_TRUE(init.ok()) << init.status();
  EXPECT_EQ(CreateDatabaseSql(*init), "CREATE DATABASE \"app\"");
}

TEST(PostgresInitTest, FileVariantsAndSecrets) {
  ScratchDir dir;
  const std::string pw = dir.Write("pw", "s3cret-from-file\n");
  const std::string user = dir.Write("user", "fileuser\n");
  const std::string db = dir.Write("db", "filedb");
  auto init = ReadPostgresInit(MapEnv{{"POSTGRES_PASSWORD_FILE", pw}, {"POSTGRES_USER_FILE", user}, {"POSTGRES_DB_FILE", db}});
  ASSERT_TRUE(init.ok()) << init.status();
  EXPECT_EQ(init->password, "s3cret-from-file");
  EXPECT_EQ(init->user, "fileuser");
  EXPECT_EQ(init->db, "filedb");
  // The password is a secret; the user name is not.
  EXPECT_THAT(Redactor::Global().Scrub("pw s3cret-from-file user fileuser"), Not(HasSubstr("s3cret-from-file")));
  EXPECT_THAT(Redactor::Global().Scrub("pw s3cret-from-file user fileuser"), HasSubstr("fileuser"));
  EXPECT_THAT(ReadPostgresInit(MapEnv{{"POSTGRES_PASSWORD", "a"}, {"POSTGRES_PASSWORD_FILE", pw}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("POSTGRES_PASSWORD")));
  EXPECT_THAT(ReadPostgresInit(MapEnv{{"POSTGRES_PASSWORD_FILE", dir.Join("missing")}}), StatusIs(absl::StatusCode::kNotFound, HasSubstr("POSTGRES_PASSWORD_FILE")));
}

// No password is refused before anything is written, unless every connection is trusted.
TEST(PostgresInitTest, APasswordOrTrust) {
  for (const MapEnv& env : {MapEnv{}, MapEnv{{"POSTGRES_PASSWORD", ""}}, MapEnv{{"POSTGRES_HOST_AUTH_METHOD", "md5"}}}) {
    EXPECT_THAT(ReadPostgresInit(env), StatusIs(absl::StatusCode::kInvalidArgument,
                                                 ::testing::AllOf(HasSubstr("POSTGRES_PASSWORD is not set"),
                                                                  HasSubstr("POSTGRES_HOST_AUTH_METHOD=trust"),
                                                                  HasSubstr("Nothing was written"))));
  }
  auto init = ReadPostgresInit(MapEnv{{"POSTGRES_HOST_AUTH_METHOD", "trust"}});
  ASSERT_TRUE(init.ok()) << init.status();
  EXPECT_FALSE(init->password.has_value());
  EXPECT_THAT(InitdbArguments(*init, "/d", "/p"),
              ElementsAre("--pgdata=/d", "--username=postgres", "--auth-local=trust", "--auth-host=trust"));  // no --pwfile
  EXPECT_EQ(HostAuthLines(*init),
            "\n# warning trust is enabled for all connections\n# see https://www.postgresql.org/docs/current/auth-trust.html\n"
            "host all all all trust\n");
}

TEST(PostgresInitTest, InitdbArgsAndWaldir) {
  auto init = ReadPostgresInit(MapEnv{{"POSTGRES_PASSWORD", "pw"}, {"POSTGRES_INITDB_ARGS", "  --data-checksums\t-E UTF8 --locale=C "},
                                      {"POSTGRES_INITDB_WALDIR", "/wal"}, {"POSTGRES_HOST_AUTH_METHOD", "md5"}});
  ASSERT_TRUE(init.ok()) << init.status();
  EXPECT_THAT(InitdbArguments(*init, "/d", "/p"),
              ElementsAre("--pgdata=/d", "--username=postgres", "--auth-local=trust", "--auth-host=md5", "--pwfile=/p", "--waldir=/wal",
                          "--data-checksums", "-E", "UTF8", "--locale=C"));
  EXPECT_EQ(HostAuthLines(*init), "\nhost all all all md5\n");
}

TEST(PostgresInitTest, MistakesNameTheVariable) {
  const std::vector<std::pair<MapEnv, std::string>> cases = {
      {MapEnv{{"POSTGRES_PASSWORD", "pw"}, {"POSTGRES_USER", ""}}, "POSTGRES_USER is set but empty"},
      {MapEnv{{"POSTGRES_PASSWORD", "pw"}, {"POSTGRES_USER", "O'Brien admin"}}, "POSTGRES_USER=O'Brien admin: the superuser's name cannot contain"},
      {MapEnv{{"POSTGRES_PASSWORD", "pw"}, {"POSTGRES_USER", "a$b"}}, "cannot contain"},
      {MapEnv{{"POSTGRES_PASSWORD", "pw"}, {"PGDATA", "data"}}, "PGDATA=data: not an absolute path"},
      {MapEnv{{"POSTGRES_PASSWORD", "pw"}, {"POSTGRES_INITDB_WALDIR", "wal"}}, "POSTGRES_INITDB_WALDIR=wal: not an absolute path"},
      {MapEnv{{"POSTGRES_PASSWORD", "pw"}, {"POSTGRES_HOST_AUTH_METHOD", "scram"}}, "POSTGRES_HOST_AUTH_METHOD=\"scram\": not a pg_hba.conf method"},
      {MapEnv{{"POSTGRES_PASSWORD", "pw"}, {"POSTGRES_HOST_AUTH_METHOD", "trust\nhost all all all trust"}}, "not a pg_hba.conf method"},
      {MapEnv{{"POSTGRES_PASSWORD", "pw"}, {"POSTGRES_INITDB_ARGS", "-D /elsewhere"}}, "POSTGRES_INITDB_ARGS: -D: the cluster goes in PGDATA"},
      {MapEnv{{"POSTGRES_PASSWORD", "pw"}, {"POSTGRES_INITDB_ARGS", "--pgdata=/x"}}, "--pgdata=/x: the cluster goes in PGDATA"},
      {MapEnv{{"POSTGRES_PASSWORD", "pw"}, {"POSTGRES_INITDB_ARGS", "-W"}}, "-W: there is no terminal"},
  };
  for (const auto& [env, want] : cases) {
    EXPECT_THAT(ReadPostgresInit(env), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(want))) << want;
  }
}

// The server's major version, in PG_VERSION's form, from `postgres -V`: 15 through 18 and
// betas, and the two-number majors before 10.
TEST(ServerMajorTest, FromTheVersionLine) {
  EXPECT_EQ(ParseServerMajor("postgres (PostgreSQL) 15.10 (Debian 15.10-0+deb12u1)\n").value_or("error"), "15");
  EXPECT_EQ(ParseServerMajor("postgres (PostgreSQL) 16.4\n").value_or("error"), "16");
  EXPECT_EQ(ParseServerMajor("postgres (PostgreSQL) 18beta1").value_or("error"), "18");
  EXPECT_EQ(ParseServerMajor("postgres (PostgreSQL) 9.6.24").value_or("error"), "9.6");
  EXPECT_FALSE(ParseServerMajor("").ok());
  EXPECT_FALSE(ParseServerMajor("redis-server v=7.0.15").ok());
  EXPECT_FALSE(ParseServerMajor("postgres (PostgreSQL) beta").ok());
  EXPECT_FALSE(ParseServerMajor("postgres (PostgreSQL) 99999999999999999999").ok());
}

// The command is read as the official entrypoint reads it: options alone mean the server; help
// and version need no cluster; another program is not the server.
TEST(PostgresCommandTest, OptionsMeanTheServerAndHelpNeedsNoCluster) {
  PostgresCommand c = ReadPostgresCommand({"-c", "shared_buffers=1GB"});
  EXPECT_THAT(c.argv, ElementsAre("postgres", "-c", "shared_buffers=1GB"));
  EXPECT_TRUE(c.first_start);
  c = ReadPostgresCommand({"/usr/lib/postgresql/15/bin/postgres", "-c", "config_file=/etc/p.conf"});
  EXPECT_THAT(c.argv, ElementsAre("/usr/lib/postgresql/15/bin/postgres", "-c", "config_file=/etc/p.conf"));
  EXPECT_TRUE(c.first_start);
  for (const char* exits : {"-?", "--help", "--describe-config", "-V", "--version"}) {
    EXPECT_FALSE(ReadPostgresCommand({"postgres", exits}).first_start) << exits;
    EXPECT_FALSE(ReadPostgresCommand({"-c", "x=1", exits}).first_start) << exits;
  }
  EXPECT_TRUE(ReadPostgresCommand({"postgres", "-c", "application_name=--version"}).first_start);
  EXPECT_FALSE(ReadPostgresCommand({"/usr/local/bin/healthcheck", "--help"}).first_start);
  EXPECT_FALSE(ReadPostgresCommand({"postgres-exporter"}).first_start);
  EXPECT_FALSE(ReadPostgresCommand({}).first_start);
}

}  // namespace
}  // namespace noshell
