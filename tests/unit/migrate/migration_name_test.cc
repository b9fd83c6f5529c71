// File names of the four tools, and what each content format declares (migrate/migration_name.h,
// migrate/formats.h): table tests, no folder.
#include "migrate/migration_name.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "migrate/formats.h"
#include "tests/status_matchers.h"

namespace noshell {
namespace {

using ::testing::HasSubstr;

TEST(MigrationNameTest, EachToolsPattern) {
  struct Case {
    const char* name;
    NameKind kind;
    const char* version;
    const char* title;
  };
  for (const Case& c : {
           Case{"20240101120000_create_users.up.sql", NameKind::kGolangUp, "20240101120000", "create_users"},
           Case{"1_x.down.sql", NameKind::kGolangDown, "1", "x"},
           Case{"V1__init.sql", NameKind::kFlywayVersioned, "1", "init"},
           Case{"V1_2_3__three_parts.sql", NameKind::kFlywayVersioned, "1.2.3", "three_parts"},
           Case{"V2.1__dots.sql", NameKind::kFlywayVersioned, "2.1", "dots"},
           Case{"U2__undo.sql", NameKind::kFlywayUndo, "2", "undo"},
           Case{"R__views.sql", NameKind::kFlywayRepeatable, "", "views"},
           Case{"00001_goose_or_dbmate.sql", NameKind::kNumbered, "00001", "goose_or_dbmate"},
           Case{"1_looks.up_but.sql", NameKind::kNumbered, "1", "looks.up_but"},
           Case{"00004_seed_users.go", NameKind::kGooseGo, "00004", "seed_users"},
       }) {
    std::optional<MigrationName> n = ParseMigrationName(c.name);
    ASSERT_TRUE(n.has_value()) << c.name;
    EXPECT_EQ(n->kind, c.kind) << c.name;
    EXPECT_EQ(n->version, c.version) << c.name;
    EXPECT_EQ(n->title, c.title) << c.name;
  }
}

TEST(MigrationNameTest, NotMigrationNames) {
  for (const char* name : {"schema.sql", "create_users.up.sql", "_1_x.sql", "1.sql", "1_.sql", "V__x.sql", "V1_x.sql", "V1__.sql",
                           "Va__x.sql", "V1..2__x.sql", "V1.__x.sql", "R__.sql", "1_x.up.sql.txt", "v1__lower.sql",
                           "main.go", "00004_seed_test.go", "1_.go"}) {
    EXPECT_FALSE(ParseMigrationName(name).has_value()) << name;
  }
}

TEST(MigrationNameTest, DescriptionsReadAsWords) {
  EXPECT_EQ(DescriptionFromTitle("create_users_table"), "create users table");
  EXPECT_EQ(DescriptionFromTitle("plain"), "plain");
  EXPECT_EQ(DescriptionFromTitle("create_table.sql"), "create table");  // x_create_table.sql.sql
  EXPECT_EQ(ParseMigrationName("20240101_create_table.sql.sql")->title, "create_table.sql");
}

TEST(FormatsTest, NumberedFilesAreToldApartByTheirMarkers) {
  EXPECT_EQ(*DetectNumberedFormat("-- +goose Up\nSELECT 1;\n"), MigrationFormat::kGoose);
  EXPECT_EQ(*DetectNumberedFormat("  --   migrate:up transaction:false\nSELECT 1;\n"), MigrationFormat::kDbmate);
  EXPECT_EQ(*DetectNumberedFormat("-- just sql\nSELECT 1;\n"), std::nullopt);
  EXPECT_EQ(*DetectNumberedFormat("-- migrate:upgrade\n"), std::nullopt);  // a word, not the marker
  EXPECT_THAT(DetectNumberedFormat("-- +goose Up\n-- migrate:up\n"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("both")));
}

TEST(FormatsTest, GooseFilesWithoutDownHaveAnEmptyDown) {
  absl::StatusOr<ParsedFile> f = ParseGoose("-- +goose Up\nCREATE TABLE t (id int);\n");
  ASSERT_TRUE(f.ok()) << f.status();
  ASSERT_TRUE(f->down.has_value());  // goose rolls back through it
  EXPECT_TRUE(f->down->empty());
  absl::StatusOr<ParsedFile> dbmate = ParseDbmate("-- migrate:up\nCREATE TABLE t (id int);\n");
  ASSERT_TRUE(dbmate.ok());
  EXPECT_FALSE(dbmate->down.has_value());  // dbmate refuses to roll back without one, and so do we
}

TEST(FormatsTest, FlywayConfReadsExecuteInTransactionOnly) {
  EXPECT_EQ(*ParseFlywayConf("# a comment\n\nexecuteInTransaction=false\n"), std::optional<bool>(false));
  EXPECT_EQ(*ParseFlywayConf(" executeInTransaction = true "), std::optional<bool>(true));
  EXPECT_EQ(*ParseFlywayConf("# nothing\n"), std::nullopt);
  EXPECT_THAT(ParseFlywayConf("executeInTransaction=maybe"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("want true or false")));
  EXPECT_THAT(ParseFlywayConf("encoding=UTF-8"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unsupported setting \"encoding\"")));
}

// Expected values from Flyway's own algorithm run in Java (BufferedReader.readLine, the BOM
// filtered from the first line, java.util.zip.CRC32 per line, cast to int), on the same bytes.
TEST(FormatsTest, FlywayChecksumIsFlywaysOwn) {
  EXPECT_EQ(FlywayChecksum("SELECT 1;\n"), 78787420);
  EXPECT_EQ(FlywayChecksum("\xEF\xBB\xBFSELECT 1;\r\nSELECT 2;\r\n"), -1665099012);  // BOM and CRLF
  EXPECT_EQ(FlywayChecksum("SELECT 1;\rSELECT 2;"), -1665099012);                        // a lone CR ends a line
  EXPECT_EQ(FlywayChecksum("SELECT 1;\nSELECT 2;\n"), -1665099012);
  EXPECT_EQ(FlywayChecksum("INSERT INTO t VALUES ('caf\xC3\xA9 \xE2\x82\xAC');\n\n-- end\n"), 966914520);
  EXPECT_EQ(FlywayChecksum(""), 0);
  EXPECT_NE(FlywayChecksum("SELECT 1;\n"), FlywayChecksum("SELECT 2;\n"));
}

}  // namespace
}  // namespace noshell
