// Migration folders in the four formats, and every way a folder can be wrong.
#include "migrate/source.h"

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"
#include "tests/unit/scratch_dir.h"
#include "migrate/formats.h"
#include "migrate/new_migration.h"
#include "migrate/placeholders.h"

namespace noshell {
namespace {

const std::string kFixtures = std::string(NOSHELL_TEST_SRC_DIR) + "/fixtures/migrations/";

using TempFolder = ScratchDir;

std::vector<std::string> Versions(const MigrationSet& s) {
  std::vector<std::string> v;
  for (const Migration& m : s.migrations) v.push_back(m.repeatable ? "R:" + m.description : m.version);
  return v;
}

TEST(SourceTest, GolangMigrateFolder) {
  auto s = LoadMigrations(kFixtures + "golang-migrate", std::nullopt);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->format, MigrationFormat::kGolangMigrate);
  EXPECT_EQ(Versions(*s), (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(s->migrations[0].description, "create users");
  ASSERT_TRUE(s->migrations[0].down.has_value());
  EXPECT_EQ((*s->migrations[0].down)[0].text, "DROP TABLE users;\n");
  auto stmts = SplitSegments(s->migrations[1].up);
  ASSERT_TRUE(stmts.ok()) << stmts.status();
  EXPECT_EQ(stmts->size(), 2u);
  EXPECT_EQ((*stmts)[1].line, 8);
  auto cic = SplitSegments(s->migrations[2].up);
  EXPECT_EQ((*cic)[0].no_transaction, "CREATE INDEX CONCURRENTLY");
  EXPECT_EQ(s->migrations[2].tx_mode, TxMode::kTransaction);  // detected at run time, not declared
}

TEST(SourceTest, DbmateFolder) {
  auto s = LoadMigrations(kFixtures + "dbmate", std::nullopt);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->format, MigrationFormat::kDbmate);
  EXPECT_EQ(Versions(*s), (std::vector<std::string>{"20240101000000", "20240102000000", "20240103000000"}));
  EXPECT_EQ(s->migrations[2].tx_mode, TxMode::kNoTransaction);
  EXPECT_TRUE(s->migrations[2].tx_mode_declared);
  auto seed = SplitSegments(s->migrations[1].up);
  ASSERT_TRUE(seed.ok()) << seed.status();
  ASSERT_EQ(seed->size(), 2u);
  EXPECT_EQ((*seed)[0].copy_data, "a@example.com\nsemi;colon@example.com\n");
  EXPECT_EQ((*seed)[0].line, 2);
  EXPECT_EQ((*seed)[1].line, 6);
}

TEST(SourceTest, GooseFolder) {
  auto s = LoadMigrations(kFixtures + "goose", std::nullopt);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->format, MigrationFormat::kGoose);
  EXPECT_EQ(Versions(*s), (std::vector<std::string>{"00001", "00002", "00003"}));
  auto up = SplitSegments(s->migrations[1].up);
  ASSERT_TRUE(up.ok()) << up.status();
  ASSERT_EQ(up->size(), 3u);
  EXPECT_EQ((*up)[1].line, 4);
  EXPECT_NE((*up)[1].sql.find("RETURN NEW;"), std::string::npos);
  auto down = SplitSegments(*s->migrations[1].down);
  EXPECT_EQ(down->size(), 3u);
  EXPECT_EQ(s->migrations[2].tx_mode, TxMode::kNoTransaction);
}

TEST(SourceTest, FlywayFolderWithSubfolderConfAndRepeatable) {
  auto s = LoadMigrations(kFixtures + "flyway", std::nullopt);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->format, MigrationFormat::kFlyway);
  EXPECT_EQ(Versions(*s), (std::vector<std::string>{"1", "1.1", "2", "3", "R:user emails"}));
  EXPECT_EQ(s->migrations[3].tx_mode, TxMode::kNoTransaction);
  EXPECT_TRUE(s->migrations[4].repeatable);
  EXPECT_FALSE(s->migrations[0].down.has_value());
}

TEST(SourceTest, ChecksumIgnoresCrlfAndBom) {
  TempFolder lf, crlf;
  lf.Write("1_a.up.sql", "CREATE TABLE a (x int);\nINSERT INTO a VALUES (1);\n");
  crlf.Write("1_a.up.sql", "\xEF\xBB\xBF" "CREATE TABLE a (x int);\r\nINSERT INTO a VALUES (1);\r\n");
  auto a = LoadMigrations(lf.path(), std::nullopt);
  auto b = LoadMigrations(crlf.path(), std::nullopt);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->migrations[0].checksum, b->migrations[0].checksum);
  EXPECT_EQ(a->migrations[0].checksum.size(), 64u);
  TempFolder changed;
  changed.Write("1_a.up.sql", "CREATE TABLE a (x bigint);\nINSERT INTO a VALUES (1);\n");
  EXPECT_NE(LoadMigrations(changed.path(), std::nullopt)->migrations[0].checksum, a->migrations[0].checksum);
}

// The recorded checksums of every existing history depend on this exact value.
TEST(SourceTest, ChecksumIsTheSha256OfTheNormalizedText) {
  EXPECT_EQ(Checksum("SELECT 1;\n"), "b4e0497804e46e0a0b0b8c31975b062152d551bac49c3c2e80932567b4085dcd");
  EXPECT_EQ(Checksum("\xEF\xBB\xBFSELECT 1;\r\n"), "b4e0497804e46e0a0b0b8c31975b062152d551bac49c3c2e80932567b4085dcd");
  EXPECT_EQ(Checksum(std::vector<Segment>{{"SELECT 1;\n", 1, false}, {"", 2, true}, {"-- x\n", 2, true}}),
            "126d1cb02eb7d7773898991c115c9dbb2d1791df61ef344d522de2d54fbdcd94");
}

// Segments are hashed one after the other, never joined, yet the value is the join's in every case.
TEST(SourceTest, SegmentChecksumIsThatOfTheirJoin) {
  const std::vector<std::vector<Segment>> cases = {
      {},
      {{"", 1, false}},
      {{"CREATE TABLE a (x int);\n", 3, false}, {"CREATE FUNCTION f() ...;\n", 5, true}},
      {{"", 1, false}, {"\xEF\xBB\xBFSELECT 1;\n", 2, false}},
      {{"\xEF\xBB\xBFSELECT 1;\n", 1, false}, {"SELECT 2;\n", 2, false}},
      {{"SELECT 1;\n", 1, false}, {"SELECT 2;\r\n", 2, true}},
      {{"SELECT 1;\r", 1, false}, {"\nSELECT 2;\n", 2, false}},
      {{"SELECT 1;\r\r\n", 1, false}},
  };
  for (const std::vector<Segment>& segments : cases) {
    EXPECT_EQ(Checksum(segments), Checksum(JoinSegments(segments))) << JoinSegments(segments);
  }
}

TEST(SourceTest, CanonicalVersionsCompareEqualWhenVersionsDo) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"20240101120000", "20240101120000"}, {"007", "7"}, {"0", "0"}, {"000", "0"}, {"1_1", "1.1"}, {"1.0", "1"},
      {"1.0.0", "1"}, {"1.0.2", "1.0.2"}, {"0.0", "0"}, {"01.002_0003", "1.2.3"}, {"2.10", "2.10"}, {"", ""}, {"1.", "1."},
  };
  for (const auto& [version, canonical] : cases) EXPECT_EQ(CanonicalVersion(version), canonical) << version;
}

TEST(SourceTest, VersionsSortNumerically) {
  TempFolder f;
  for (const char* n : {"10_c.up.sql", "9_b.up.sql", "100_d.up.sql", "1_a.up.sql"}) f.Write(n, "SELECT 1;");
  EXPECT_EQ(Versions(*LoadMigrations(f.path(), std::nullopt)), (std::vector<std::string>{"1", "9", "10", "100"}));
  EXPECT_LT(CompareVersions("1.9", "1.10"), 0);
  EXPECT_EQ(CompareVersions("1.0", "1"), 0);
  EXPECT_GT(CompareVersions("20240101000000", "99"), 0);
  EXPECT_EQ(CompareVersions("007", "7"), 0);
}

TEST(SourceTest, BadFoldersNameTheFile) {
  struct Case {
    std::vector<std::pair<std::string, std::string>> files;
    std::string want;
  };
  const std::vector<Case> cases = {
      {{{"1_a.up.sql", "SELECT 1;"}, {"V2__b.sql", "SELECT 1;"}}, "mixes migration formats: golang-migrate"},
      {{{"create_users.sql", "SELECT 1;"}}, "create_users.sql: not a migration file name"},
      {{{"1_a.up.sql", "SELECT 1;"}, {"01_b.up.sql", "SELECT 1;"}}, "version 1 is also used by"},
      // Not neighbours in name order (01_b, 10_x, 1_a): found after sorting by version.
      {{{"1_a.up.sql", "SELECT 1;"}, {"10_x.up.sql", "SELECT 1;"}, {"01_b.up.sql", "SELECT 1;"}}, "1_a.up.sql: version 1 is also used by"},
      {{{"2_b.down.sql", "SELECT 1;"}}, "2_b.down.sql: no up migration for version 2"},
      {{{"1_a.sql", "SELECT 1;"}}, "1_a.sql: has neither a dbmate (-- migrate:up) nor a goose"},
      {{{"1_a.sql", "-- +goose Up\n-- +goose Wibble\nSELECT 1;"}}, "1_a.sql: line 2: unknown annotation"},
      {{{"1_a.sql", "-- +goose Up\n-- +goose StatementBegin\nSELECT 1;"}}, "StatementBegin without StatementEnd"},
      {{{"1_a.sql", "-- migrate:up transaction:maybe\nSELECT 1;"}}, "unknown dbmate option \"transaction:maybe\""},
      {{{"1_a.sql", "SELECT 0;\n-- migrate:up\nSELECT 1;"}}, "line 1: SQL before -- migrate:up"},
      {{{"V1__a.sql", "SELECT 1;"}, {"V1__a.sql.conf", "mixed=true\n"}}, "unsupported setting \"mixed\""},
      {{{"sub/1_a.up.sql", "SELECT 1;"}}, "golang-migrate reads no subfolders"},
      // Hostile-test D1: everything after a NUL byte was dropped and the file recorded as applied.
      {{{"1_a.up.sql", std::string("create table nb1(x int);\n\0\ncreate table nb2(x int);\n", 51)}},
       "1_a.up.sql: NUL byte at line 2: not a text file"},
      // Hostile-test W7: entries that look like migrations but were skipped without a word.
      {{{"1_a.up.sql", "SELECT 1;"}, {"2_b.up.SQL", "SELECT 2;"}}, "2_b.up.SQL: extension \".SQL\": rename it to .sql"},
      {{{"1_a.up.sql", "SELECT 1;"}, {"2_b.up.sql~", "SELECT 2;"}}, "2_b.up.sql~: looks like an editor's or merge tool's copy"},
      {{{"1_a.up.sql", "SELECT 1;"}, {"2_b.up.sql/x", ""}}, "2_b.up.sql: is a directory named like a migration file"},
      {{{"V1__a.sql", "SELECT 1;"}, {"V1__a.sql.conf", "executeInTransaction=nope\n"}},
       "V1__a.sql.conf: executeInTransaction=nope: want true or false"},
      // Hostile-test W6: a Latin-1 file name failed after running the SQL, with a NOT NULL error.
      {{{"1_caf\xe9.up.sql", "SELECT 1;"}}, "1_caf\\xe9.up.sql: file name is not valid UTF-8"},
  };
  for (const Case& c : cases) {
    TempFolder f;
    for (const auto& [name, content] : c.files) f.Write(name, content);
    auto s = LoadMigrations(f.path(), std::nullopt);
    ASSERT_FALSE(s.ok()) << c.want;
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument) << c.want;
    EXPECT_NE(s.status().message().find(c.want), absl::string_view::npos) << s.status();
  }
  EXPECT_EQ(LoadMigrations("/nonexistent/dir", std::nullopt).status().code(), absl::StatusCode::kNotFound);
}

TEST(SourceTest, DanglingSymlinkIsRefused) {
  TempFolder f;
  f.Write("1_a.up.sql", "SELECT 1;");
  std::filesystem::create_symlink(f.path() + "/gone.sql", f.path() + "/2_b.up.sql");
  auto s = LoadMigrations(f.path(), std::nullopt);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(), f.path() + "/2_b.up.sql: is a symlink to nothing (dangling)");
}

// A Kubernetes ConfigMap volume: each file is a link into ..data, which links to a hidden,
// timestamped folder holding the real files. Each migration is read once.
TEST(SourceTest, ConfigMapVolumeLayoutReadsEachFileOnce) {
  TempFolder f;
  f.Write("..2026_11_29_00_00_00.123/1_a.up.sql", "SELECT 1;");
  f.Write("..2026_11_29_00_00_00.123/2_b.up.sql", "SELECT 2;");
  f.Write(".git/HEAD", "ref");
  std::filesystem::create_directory_symlink("..2026_11_29_00_00_00.123", f.path() + "/..data");
  std::filesystem::create_symlink("..data/1_a.up.sql", f.path() + "/1_a.up.sql");
  std::filesystem::create_symlink("..data/2_b.up.sql", f.path() + "/2_b.up.sql");
  auto s = LoadMigrations(f.path(), std::nullopt);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(Versions(*s), (std::vector<std::string>{"1", "2"}));
}

// Hostile-test D4: "up v2" or "baseline xyz" compared a non-version as a version.
TEST(SourceTest, VersionArgumentsMustBeVersionsOfTheFolder) {
  auto s = LoadMigrations(kFixtures + "golang-migrate", std::nullopt);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(CheckVersionInFolder(*s, "2", "up").ok());
  EXPECT_TRUE(CheckVersionInFolder(*s, "002", "up").ok());
  for (const char* bad : {"v2", "xyz", "", "2.", ".2", "1..2", "2a", "-1", " 2"}) {
    absl::Status st = CheckVersionInFolder(*s, bad, "baseline");
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(st.message().find("not a version (want digits"), absl::string_view::npos) << st;
  }
  absl::Status st = CheckVersionInFolder(*s, "1000", "up");
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), "up 1000: no migration in " + kFixtures + "golang-migrate has this version");
  EXPECT_TRUE(CheckVersionSyntax("1.2_3", "repair").ok());
  EXPECT_EQ(CheckVersionSyntax("v\n2", "repair").message(),
            "repair v\\n2: not a version (want digits, optionally separated by '.' or '_', e.g. 20240101120000 or 1.2)");
}

TEST(SourceTest, ForcedFormatMustMatch) {
  auto s = LoadMigrations(kFixtures + "golang-migrate", MigrationFormat::kFlyway);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("is a golang-migrate file, but --source-format=flyway"), absl::string_view::npos);
  EXPECT_EQ(ParseFormatName("goose"), MigrationFormat::kGoose);
  EXPECT_FALSE(ParseFormatName("liquibase").has_value());
}

}  // namespace
}  // namespace noshell
