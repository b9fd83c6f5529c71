// The other tools' tables as migrate keeps them (migrate/mirror.h): the SQL each tool would send.
#include "migrate/mirror.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace noshell {
namespace {

using ::testing::HasSubstr;

std::string Quote(absl::string_view v) { return "'" + std::string(v) + "'"; }

Migration File(std::string version, std::string path) {
  Migration m;
  m.version = std::move(version);
  m.description = "add users";
  m.path = std::move(path);
  m.flyway_checksum = -42;
  return m;
}

TEST(MirrorTest, EachToolsTableAndRows) {
  EXPECT_EQ(ToolMirror::TableOf(MigrationFormat::kGolangMigrate), "schema_migrations");
  EXPECT_EQ(ToolMirror::TableOf(MigrationFormat::kDbmate), "schema_migrations");
  EXPECT_EQ(ToolMirror::TableOf(MigrationFormat::kGoose), "goose_db_version");
  EXPECT_EQ(ToolMirror::TableOf(MigrationFormat::kFlyway), "flyway_schema_history");

  const Migration m = File("20240101", "/db/migrations/sub/V20240101__add_users.sql");
  ToolMirror dbmate(MigrationFormat::kDbmate, "/db/migrations", "\"public\".\"noshell_migrations\"", Quote);
  EXPECT_THAT(dbmate.EnsureSql(), HasSubstr("CREATE TABLE IF NOT EXISTS public.schema_migrations (version varchar(128) PRIMARY KEY)"));
  EXPECT_EQ(dbmate.AppliedSql(m, absl::ZeroDuration()),
            "INSERT INTO public.schema_migrations (version) VALUES ('20240101') ON CONFLICT DO NOTHING");
  EXPECT_EQ(dbmate.RevertedSql(m), "DELETE FROM public.schema_migrations WHERE version = '20240101'");
  EXPECT_EQ(dbmate.StartedSql(m), "");

  ToolMirror golang(MigrationFormat::kGolangMigrate, "/db/migrations", "\"public\".\"noshell_migrations\"", Quote);
  EXPECT_THAT(golang.StartedSql(m), HasSubstr("VALUES ('20240101'::bigint, true)"));  // dirty while it runs
  EXPECT_THAT(golang.AppliedSql(m, absl::ZeroDuration()), HasSubstr("max(version::numeric)::bigint, false FROM \"public\".\"noshell_migrations\""));

  ToolMirror goose(MigrationFormat::kGoose, "/db/migrations", "ours", Quote);
  EXPECT_THAT(goose.EnsureSql(), HasSubstr("(version_id, is_applied) VALUES (0, true)"));
  EXPECT_EQ(goose.AppliedSql(m, absl::ZeroDuration()),
            "INSERT INTO public.goose_db_version (version_id, is_applied) VALUES ('20240101'::bigint, true)");

  ToolMirror flyway(MigrationFormat::kFlyway, "/db/migrations", "ours", Quote);
  const std::string row = flyway.AppliedSql(m, absl::Milliseconds(12));
  EXPECT_THAT(row, HasSubstr("coalesce(max(installed_rank), 0) + 1, '20240101', 'add users', 'SQL', 'sub/V20240101__add_users.sql', -42, "
                             "current_user, 12, true"));
  Migration r = m;
  r.repeatable = true;
  EXPECT_THAT(flyway.AppliedSql(r, absl::ZeroDuration()), HasSubstr("+ 1, NULL, 'add users'"));
}

}  // namespace
}  // namespace noshell
