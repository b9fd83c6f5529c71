// Target parsing for every kind and form.
#include "common/target.h"

#include <cstdio>

#include "common/redact.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace noshell {
namespace {

absl::StatusOr<Target> Parse(const std::string& s, const MapEnv& env = MapEnv()) { return ParseTarget(s, env); }

TEST(TargetTest, PostgresUrlForms) {
  for (const char* in : {"postgres://app:pw1234@db:5433/appdb", "postgresql://app:pw1234@db:5433/appdb",
                         "postgresql+asyncpg://app:pw1234@db:5433/appdb", "postgres+psycopg://app:pw1234@db:5433/appdb",
                         "jdbc:postgresql://db:5433/appdb?user=app&password=pw1234",
                         "host=db port=5433 dbname=appdb user=app password=pw1234"}) {
    auto t = Parse(in);
    ASSERT_TRUE(t.ok()) << in << ": " << t.status();
    EXPECT_EQ(t->kind, TargetKind::kPostgres) << in;
    EXPECT_EQ(PgParam(*t, "host"), "db") << in;
    EXPECT_EQ(PgParam(*t, "port"), "5433") << in;
    EXPECT_EQ(PgParam(*t, "dbname"), "appdb") << in;
    EXPECT_EQ(PgParam(*t, "user"), "app") << in;
    EXPECT_EQ(PgParam(*t, "password"), "pw1234") << in;
    EXPECT_EQ(t->display, "postgres://app@db:5433/appdb") << in;
  }
}

TEST(TargetTest, PostgresMultiHostUrl) {
  auto t = Parse("postgres://u@h1:5432,h2:5433/db?target_session_attrs=any");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(PgParam(*t, "host"), "h1,h2");
  EXPECT_EQ(PgParam(*t, "port"), "5432,5433");
}

TEST(TargetTest, PostgresOwnOptionsAreStrippedBeforeLibpq) {
  auto t = Parse("postgres://db/app?sslmode=disable&role=standby&query=select%20true&check=login");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->options.pg_role, PgRole::kStandby);
  EXPECT_EQ(t->options.pg_query, "select true");
  EXPECT_EQ(t->options.pg_check, PgCheck::kLogin);
  EXPECT_EQ(PgParam(*t, "sslmode"), "disable");
  EXPECT_EQ(PgParam(*t, "role"), "");
}

TEST(TargetTest, AsyncpgSslParameterBecomesSslmode) {
  auto t = Parse("postgresql+asyncpg://u@db/app?ssl=require");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(PgParam(*t, "sslmode"), "require");
}

TEST(TargetTest, PostgresFromPgEnvironmentAndPasswordFile) {
  char path[] = "/tmp/noshell_pgpw_XXXXXX";
  int fd = mkstemp(path);
  ASSERT_EQ(write(fd, "filepass99\n", 11), 11);
  close(fd);
  MapEnv env{{"PGHOST", "envhost"}, {"PGPORT", "6000"}, {"PGUSER", "envuser"}, {"PGDATABASE", "envdb"},
              {"PGPASSWORD_FILE", path}};
  auto t = Parse("postgres://", env);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(PgParam(*t, "host"), "envhost");
  EXPECT_EQ(PgParam(*t, "password"), "filepass99");
  EXPECT_EQ(t->display, "postgres://envuser@envhost:6000/envdb");
  std::remove(path);
}

// In the official postgres image (and ours) POSTGRES_USER names the superuser: a target without
// a user logs in as it, after the URL and PGUSER.
TEST(TargetTest, PostgresUserOfTheOfficialImageIsTheLastDefault) {
  auto t = Parse("postgres:///postgres?host=/var/run/postgresql", MapEnv{{"POSTGRES_USER", "app owner"}});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(PgParam(*t, "user"), "app owner");
  t = Parse("postgres:///postgres?host=/tmp", MapEnv{{"POSTGRES_USER", "app owner"}, {"PGUSER", "pguser"}});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(PgParam(*t, "user"), "pguser");
  t = Parse("postgres://urluser@/postgres?host=/tmp", MapEnv{{"POSTGRES_USER", "app owner"}});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(PgParam(*t, "user"), "urluser");
  t = Parse("postgres:///postgres?host=/tmp", MapEnv{{"POSTGRES_USER", "a"}, {"POSTGRES_USER_FILE", "/nonexistent"}});
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(std::string(t.status().message()), ::testing::HasSubstr("POSTGRES_USER"));
  t = Parse("postgres:///postgres?host=/tmp", MapEnv{});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(PgParam(*t, "user"), "");  // libpq's own default: the OS user
}

TEST(TargetTest, UrlWinsOverPgEnvironment) {
  MapEnv env{{"PGHOST", "envhost"}, {"PGPASSWORD", "envpw"}};
  auto t = Parse("postgres://u:urlpw@urlhost/db", env);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(PgParam(*t, "host"), "urlhost");
  EXPECT_EQ(PgParam(*t, "password"), "urlpw");
}

TEST(TargetTest, PostgresErrorsComeFromLibpqParserAndAreRedacted) {
  auto t = Parse("postgres://u:leakme77@db/app?bogus_param=1");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("bogus_param"), absl::string_view::npos) << t.status();
  EXPECT_EQ(t.status().message().find("leakme77"), absl::string_view::npos);
  EXPECT_THAT(Parse("postgres://db/app?role=leader"),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("role= must be primary, standby or read-write")));
}

TEST(TargetTest, RedisForms) {
  auto t = Parse("rediss://alice:rpass1@cache:6390/3?ca_file=/ca.pem&role=replica");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->kind, TargetKind::kRedis);
  EXPECT_TRUE(t->tls);
  EXPECT_EQ(t->host, "cache");
  EXPECT_EQ(t->port, 6390);
  EXPECT_EQ(t->user, "alice");
  EXPECT_EQ(t->password, "rpass1");
  EXPECT_EQ(t->redis_db, 3);
  EXPECT_EQ(t->options.ca_file, "/ca.pem");
  EXPECT_EQ(t->display, "rediss://alice@cache:6390/3");

  auto d = Parse("redis://cache");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->port, 6379);
  EXPECT_FALSE(d->password.has_value());
}

TEST(TargetTest, RedisPasswordFromEnvironment) {
  auto t = Parse("redis://cache:6379", MapEnv{{"REDISCLI_AUTH", "envredispw"}});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->password, "envredispw");
}

TEST(TargetTest, SimpleKinds) {
  auto tcp = Parse("tcp://db:5432");
  ASSERT_TRUE(tcp.ok());
  EXPECT_EQ(tcp->kind, TargetKind::kTcp);
  auto unix_t = Parse("unix:///run/app.sock");
  ASSERT_TRUE(unix_t.ok());
  EXPECT_EQ(unix_t->path, "/run/app.sock");
  auto file = Parse("file:///tmp/beat?max_age=15s");
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->options.max_age, absl::Seconds(15));
  auto http = Parse("https://app:8443/healthz?deep=1");
  ASSERT_TRUE(http.ok());
  EXPECT_TRUE(http->tls);
  EXPECT_EQ(http->port, 8443);
  EXPECT_EQ(http->request, "/healthz?deep=1");
  EXPECT_EQ(Parse("http://app")->port, 80);
}

TEST(TargetTest, EnvIndirection) {
  MapEnv env{{"DATABASE_URL", "postgresql+asyncpg://app:envsecret1@db:5432/app"}};
  auto t = Parse("env:DATABASE_URL", env);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->display, "postgres://app@db:5432/app");
  EXPECT_EQ(PgParam(*t, "password"), "envsecret1");
  EXPECT_EQ(Redactor::Global().Scrub("envsecret1"), "***");

  auto missing = Parse("env:NOT_SET_VAR", env);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("NOT_SET_VAR is not set"), absl::string_view::npos);
}

TEST(TargetTest, ErrorsSayWhatIsWrong) {
  struct Case { const char* in; const char* want; };
  for (const Case& c : {Case{"ftp://x", "unknown scheme \"ftp\""}, Case{"tcp://db", "want tcp://host:port"},
                        Case{"unix://relative.sock", "three slashes"}, Case{"file:///x?max_age=soon", "max_age=soon"},
                        Case{"redis://h?bogus=1", "unknown option \"bogus\""}, Case{"redis://h/x", "not a number"},
                        Case{"justaword", "not a target"}, Case{"", "empty target"}}) {
    auto t = Parse(c.in);
    ASSERT_FALSE(t.ok()) << c.in;
    EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(t.status().message().find(c.want), absl::string_view::npos) << c.in << ": " << t.status();
  }
}


// Hostile-test S1: libpq's parse errors quote the token or the whole URI, password included.
TEST(TargetTest, LibpqParseErrorsNeverShowThePassword) {
  for (const char* in : {"postgres://app:pa%zzS3cretA1@127.0.0.1:5432/app", "postgres://app:S3cretA2@[::1/app",
                         "postgres://app:S3cretA3@[]:5432/app", "postgres://app:S3cretA4@[::1]x/app",
                         "host=127.0.0.1 user app password=S3cretA5"}) {
    auto t = Parse(in);
    ASSERT_FALSE(t.ok()) << in;
    EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument) << in;
    const std::string msg(t.status().message());
    EXPECT_EQ(msg.find("S3cret"), std::string::npos) << msg;
    EXPECT_EQ(msg.find("Zx9Secret"), std::string::npos) << msg;
  }
  MapEnv env{{"DB", "Zx9SecretA7=="}, {"DB2", "postgres://app:S3cretA8@[::1/app"}};
  for (const char* in : {"env:DB", "env:DB2"}) {
    auto t = Parse(in, env);
    ASSERT_FALSE(t.ok()) << in;
    const std::string msg(t.status().message());
    EXPECT_EQ(msg.find("Secret"), std::string::npos) << msg;
    EXPECT_NE(msg.find(std::string("target ") + in), std::string::npos) << msg;
  }
}

// Hostile-test C2: X=env:X recursed until the stack overflowed.
TEST(TargetTest, EnvReferencesGoOneLevelOnly) {
  MapEnv env{{"SELF", "env:SELF"}, {"A", "env:B"}, {"B", " env:A"}};
  for (const char* in : {"env:SELF", "env:A", "env:B"}) {
    auto t = Parse(in, env);
    ASSERT_FALSE(t.ok()) << in;
    EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(t.status().message()), ::testing::HasSubstr("is itself env:"));
  }
}

// Hostile-test U5 and W2: IPv6 hosts show in brackets; a host list shows every host.
TEST(TargetTest, PostgresDisplayOfIpv6AndHostLists) {
  auto t = Parse("postgres://app@[::1]:5433/app");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->display, "postgres://app@[::1]:5433/app");
  t = Parse("postgres://app@db1,db2/app");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->display, "postgres://app@db1,db2/app");
  t = Parse("postgres://app@db1,[::1]:5433/app");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->display, "postgres://app@db1,[::1]:5433/app");
}

}  // namespace
}  // namespace noshell
