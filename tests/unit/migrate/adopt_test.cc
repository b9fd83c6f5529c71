// Taking over other tools' histories: each tool's rows mapped to ours, with literal rows.
#include "migrate/adopt.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace noshell {
namespace {

MigrationSet Folder(MigrationFormat format, std::vector<std::string> versions, std::vector<std::string> repeatables = {}) {
  MigrationSet set;
  set.format = format;
  for (const std::string& v : versions) {
    Migration m;
    m.version = v;
    m.description = "d" + v;
    m.checksum = "sum" + v;
    set.migrations.push_back(m);
  }
  for (const std::string& r : repeatables) {
    Migration m;
    m.repeatable = true;
    m.description = r;
    m.checksum = "sum-" + r;
    set.migrations.push_back(m);
  }
  return set;
}

std::vector<std::string> Summary(const std::vector<HistoryRow>& rows) {
  std::vector<std::string> out;
  for (const HistoryRow& r : rows) out.push_back(absl::StrCat(r.type, " ", r.version.empty() ? r.description : r.version, " ", r.status));
  return out;
}

TEST(AdoptTest, GolangMigrateCurrentVersionAndDirty) {
  MigrationSet set = Folder(MigrationFormat::kGolangMigrate, {"1", "2", "3"});
  EXPECT_THAT(Summary(AdoptGolangMigrate(set, "2", false)), ::testing::ElementsAre("adopted 1 applied", "adopted 2 applied"));
  std::vector<HistoryRow> dirty = AdoptGolangMigrate(set, "2", true);
  EXPECT_THAT(Summary(dirty), ::testing::ElementsAre("adopted 1 applied", "adopted 2 failed"));
  EXPECT_THAT(dirty[1].error, ::testing::HasSubstr("dirty"));
  // A version with no file (applied by golang-migrate, since deleted) is kept, and says whose it is.
  std::vector<HistoryRow> beyond = AdoptGolangMigrate(set, "7", false);
  EXPECT_THAT(Summary(beyond), ::testing::ElementsAre("adopted 1 applied", "adopted 2 applied", "adopted 3 applied", "adopted 7 applied"));
  EXPECT_EQ(beyond[3].description, "(recorded by golang-migrate)");
  EXPECT_EQ(beyond[0].checksum, "sum1");
  EXPECT_EQ(beyond[3].checksum, "");
}

TEST(AdoptTest, VersionListsUseTheFilesVersionSpelling) {
  MigrationSet set = Folder(MigrationFormat::kGoose, {"00001", "00002"});
  std::vector<HistoryRow> rows = AdoptVersionList(set, {"1", "2"});
  EXPECT_THAT(Summary(rows), ::testing::ElementsAre("adopted 00001 applied", "adopted 00002 applied"));
  EXPECT_EQ(rows[1].description, "d00002");
}

TEST(AdoptTest, FlywayBaselineFailuresAndRepeatables) {
  MigrationSet set = Folder(MigrationFormat::kFlyway, {"1", "1.1", "2", "3"}, {"views"});
  std::vector<FlywayRow> rows = {
      {"1.1", "<< Flyway Baseline >>", "BASELINE", true},
      {"2", "add", "SQL", true},
      {"", "views", "SQL", true},
      {"3", "broken", "SQL", false},
  };
  std::vector<HistoryRow> got = AdoptFlyway(set, rows);
  EXPECT_THAT(Summary(got), ::testing::ElementsAre("adopted 1 applied", "adopted 1.1 applied", "adopted 2 applied",
                                                   "adopted 3 failed", "repeatable views applied"));
  EXPECT_EQ(got[3].error, "recorded as failed by Flyway");
  EXPECT_EQ(got[4].checksum, "sum-views");  // no checksum recorded: taken as the file's
}

TEST(AdoptTest, FlywayChecksumsFindEditedAndChangedFiles) {
  MigrationSet set = Folder(MigrationFormat::kFlyway, {"1", "2"}, {"views", "funcs"});
  for (Migration& m : set.migrations) m.flyway_checksum = m.repeatable ? 100 : 7;  // the files' checksums now
  std::vector<FlywayRow> rows = {
      {"1", "one", "SQL", true, 7},          // as applied
      {"2", "two", "SQL", true, 8},          // edited since Flyway applied it
      {"", "views", "SQL", true, 99},        // an old run of views...
      {"", "views", "SQL", true, 100},       // ...and the latest, at the file's checksum
      {"", "funcs", "SQL", true, 55},        // changed since its last run
  };
  std::vector<HistoryRow> got = AdoptFlyway(set, rows);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].checksum, "sum1");
  EXPECT_EQ(got[1].checksum, FlywayRunChecksum(8));  // reads as changed: up refuses, exit 6
  EXPECT_EQ(got[2].description, "views");
  EXPECT_EQ(got[2].checksum, "sum-views");           // one row, applied, nothing to run
  EXPECT_EQ(got[3].description, "funcs");
  EXPECT_EQ(got[3].checksum, FlywayRunChecksum(55));  // reads as pending: up runs it again

  MigrationSet files = set;
  std::vector<HistoryRow> history = got;
  std::vector<Entry> entries = Reconcile(files, history);
  std::vector<std::string> states;
  for (const Entry& e : entries) states.push_back(std::string(StateName(e.state)));
  EXPECT_THAT(states, ::testing::ElementsAre("applied", "changed", "applied", "pending"));
}

}  // namespace
}  // namespace noshell
