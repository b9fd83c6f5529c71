// tests/unit/entrypoint/pgdata_test.cc — a first start's states of PGDATA (entrypoint/pgdata.h), on
// scratch folders laid out as initdb leaves them.
#include "entrypoint/pgdata.h"

#include <sys/stat.h>

#include <filesystem>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"
#include "tests/unit/scratch_dir.h"

namespace noshell {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

// A cluster as initdb makes it, in `dir`.
void MakeCluster(const ScratchDir& scratch, const std::string& dir) {
  scratch.Write(dir + "/PG_VERSION", "15\n");
  scratch.Write(dir + "/base/1/1259", "catalog");
  scratch.Write(dir + "/global/pg_control", "control");
  scratch.Write(dir + "/postgresql.conf", "# conf\n");
  scratch.Write(dir + "/pg_hba.conf", "local all all trust\n");
}

TEST(PgdataTest, FreshVolumesAreEmpty) {
  ScratchDir scratch;
  auto p = InspectPgdata(scratch.Join("missing"));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->state, PgdataState::kEmpty);
  p = InspectPgdata(scratch.path());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->state, PgdataState::kEmpty);
  fs::create_directory(scratch.Join("lost+found"));  // an ext4 volume's root
  p = InspectPgdata(scratch.path());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->state, PgdataState::kEmpty);
}

TEST(PgdataTest, AClusterIsInitializedAndItsVersionChecked) {
  ScratchDir scratch;
  MakeCluster(scratch, "data");
  auto p = InspectPgdata(scratch.Join("data"));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->state, PgdataState::kInitialized);
  EXPECT_EQ(p->version, "15");
  EXPECT_FALSE(p->staging_left);
  EXPECT_TRUE(CheckMajorVersion(*p, "15").ok());
  EXPECT_THAT(CheckMajorVersion(*p, "16"), StatusIs(absl::StatusCode::kFailedPrecondition,
                                                     HasSubstr("the cluster in PGDATA is PostgreSQL 15, this server is 16")));
}

TEST(PgdataTest, ForeignFilesAreNotACluster) {
  ScratchDir scratch;
  scratch.Write("data/notes.txt", "mine");
  scratch.Write("data/backup.tar", "mine");
  EXPECT_THAT(InspectPgdata(scratch.Join("data")),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("holds files (backup.tar and 1 more) but no PG_VERSION")));
}

// The staging folder is moved in with PG_VERSION last; the staging folder goes.
TEST(PgdataTest, CommitMovesTheStagedClusterIn) {
  ScratchDir scratch;
  const std::string pgdata = scratch.Join("data");
  fs::create_directories(pgdata + "/lost+found");
  MakeCluster(scratch, std::string("data/") + kStagingDirName);
  auto p = InspectPgdata(pgdata);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->state, PgdataState::kInterrupted);  // what a crash before the commit leaves
  ASSERT_TRUE(CommitStagedCluster(pgdata).ok());
  p = InspectPgdata(pgdata);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->state, PgdataState::kInitialized);
  EXPECT_FALSE(p->staging_left);
  EXPECT_FALSE(fs::exists(StagingDir(pgdata)));
  EXPECT_TRUE(fs::exists(pgdata + "/base/1/1259"));
  EXPECT_TRUE(fs::exists(pgdata + "/global/pg_control"));
  EXPECT_TRUE(fs::exists(pgdata + "/lost+found"));
  EXPECT_THAT(CommitStagedCluster(pgdata), StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("no PG_VERSION")));
}

// A commit cut short (some entries moved, PG_VERSION not): an interrupted start, cleared whole.
TEST(PgdataTest, AnInterruptedStartIsClearedWhole) {
  ScratchDir scratch;
  const std::string pgdata = scratch.Join("data");
  fs::create_directories(pgdata + "/lost+found");
  MakeCluster(scratch, std::string("data/") + kStagingDirName);
  fs::rename(StagingDir(pgdata) + "/base", pgdata + "/base");
  fs::rename(StagingDir(pgdata) + "/global", pgdata + "/global");
  scratch.Write("wal/000000010000000000000001", "wal");
  auto p = InspectPgdata(pgdata);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->state, PgdataState::kInterrupted);
  ASSERT_TRUE(ClearInterruptedStart(pgdata, scratch.Join("wal")).ok());
  p = InspectPgdata(pgdata);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->state, PgdataState::kEmpty);
  EXPECT_TRUE(fs::exists(pgdata + "/lost+found"));
  EXPECT_FALSE(fs::exists(pgdata + "/base"));
  EXPECT_TRUE(fs::is_empty(scratch.Join("wal")));
  // A finished cluster is never cleared.
  MakeCluster(scratch, "data");
  EXPECT_THAT(ClearInterruptedStart(pgdata, ""), StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("finished cluster")));
  EXPECT_TRUE(fs::exists(pgdata + "/PG_VERSION"));
}

TEST(PgdataTest, AStagingFolderLeftBesidePgVersionIsReported) {
  ScratchDir scratch;
  MakeCluster(scratch, "data");
  fs::create_directory(StagingDir(scratch.Join("data")));
  auto p = InspectPgdata(scratch.Join("data"));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->state, PgdataState::kInitialized);
  EXPECT_TRUE(p->staging_left);
}

}  // namespace
}  // namespace noshell
