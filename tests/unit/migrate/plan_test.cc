// The migrator's decisions, with no server: reconcile, what up and down run, drift, and how a file
// runs (transaction mode and shape). Table-tested, as leveldb's FileNameTest tests its names.
#include "migrate/plan.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace noshell {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Migration File(std::string version, std::string checksum = "c", std::string sql = "CREATE TABLE t (id int);\n") {
  Migration m;
  m.version = std::move(version);
  m.description = "file " + m.version;
  m.path = m.version + "_file.up.sql";
  m.checksum = std::move(checksum);
  m.up = {Segment{sql, 1, false}};
  return m;
}

Migration Repeatable(std::string description, std::string checksum) {
  Migration m = File("", std::move(checksum));
  m.repeatable = true;
  m.description = std::move(description);
  return m;
}

HistoryRow Row(std::string version, std::string status = "applied", std::string checksum = "c") {
  HistoryRow r;
  r.version = std::move(version);
  r.description = "row " + r.version;
  r.type = "versioned";
  r.status = std::move(status);
  r.checksum = std::move(checksum);
  return r;
}

std::vector<std::string> States(const std::vector<Entry>& entries) {
  std::vector<std::string> out;
  for (const Entry& e : entries) {
    out.push_back(absl::StrCat(e.file != nullptr ? e.file->version : e.row->version, ":", StateName(e.state)));
  }
  return out;
}

TEST(ReconcileTest, EveryStateFromTheTable) {
  struct Case {
    const char* name;
    std::vector<Migration> files;
    std::vector<HistoryRow> history;
    std::vector<std::string> want;
  };
  HistoryRow adopted_without_checksum = Row("2", "applied", "");
  HistoryRow running = Row("3", "running");
  running.statements_done = 1;
  running.statements_total = 3;
  for (const Case& c : std::vector<Case>{
           {"empty history", {File("1"), File("2")}, {}, {"1:pending", "2:pending"}},
           {"applied and pending", {File("1"), File("2")}, {Row("1")}, {"1:applied", "2:pending"}},
           {"numeric versions", {File("001"), File("1.10")}, {Row("1"), Row("1.10.0")}, {"001:applied", "1.10:applied"}},
           {"changed checksum", {File("1", "new")}, {Row("1", "applied", "old")}, {"1:changed"}},
           {"adopted rows have no checksum", {File("2", "x")}, {adopted_without_checksum}, {"2:applied"}},
           {"failed and running", {File("2"), File("3")}, {Row("2", "failed"), running}, {"2:failed", "3:running"}},
           {"missing file", {File("1")}, {Row("1"), Row("7")}, {"1:applied", "7:missing"}},
           {"failed row without file", {File("1")}, {Row("1"), Row("8", "failed")}, {"1:applied", "8:failed"}},
       }) {
    MigrationSet set;
    set.migrations = c.files;
    EXPECT_EQ(States(Reconcile(set, c.history)), c.want) << c.name;
  }
}

TEST(ReconcileTest, RepeatablesRunAgainWhenTheirChecksumChanges) {
  MigrationSet set;
  set.migrations = {Repeatable("views", "v2"), Repeatable("funcs", "f1"), Repeatable("new", "n1")};
  HistoryRow views1{"", "views", "repeatable", "v1", "applied", "transaction"};
  HistoryRow views2{"", "views", "repeatable", "v2", "applied", "transaction"};
  HistoryRow funcs{"", "funcs", "repeatable", "f0", "applied", "transaction"};
  std::vector<Entry> e = Reconcile(set, {views1, views2, funcs});
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].state, EntryState::kApplied);  // its latest row has its checksum
  EXPECT_EQ(e[1].state, EntryState::kPending);  // changed since
  EXPECT_EQ(e[2].state, EntryState::kPending);  // never ran
}

TEST(PlanTest, PendingUpToTheTargetVersionAndEveryRepeatable) {
  MigrationSet set;
  set.migrations = {File("1"), File("2"), File("10"), Repeatable("views", "v")};
  std::vector<Entry> entries = Reconcile(set, {Row("1")});
  auto versions = [](const std::vector<const Migration*>& ms) {
    std::vector<std::string> out;
    for (const Migration* m : ms) out.push_back(m->repeatable ? "R" : m->version);
    return out;
  };
  EXPECT_THAT(versions(PendingUpTo(entries, "")), ElementsAre("2", "10", "R"));
  EXPECT_THAT(versions(PendingUpTo(entries, "2")), ElementsAre("2", "R"));   // 10 > 2 numerically
  EXPECT_THAT(versions(PendingUpTo(entries, "9")), ElementsAre("2", "R"));
  EXPECT_THAT(versions(PendingUpTo(entries, "1")), ElementsAre("R"));
}

TEST(PlanTest, UpRefusesFailedRunningAndChanged) {
  MigrationSet set;
  set.migrations = {File("1"), File("2", "new"), File("3")};
  EXPECT_TRUE(CheckUpMayRun(Reconcile(set, {Row("1")})).ok());
  EXPECT_THAT(CheckUpMayRun(Reconcile(set, {Row("1"), Row("2", "applied", "old")})),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("2_file.up.sql (version 2)")));
  HistoryRow running = Row("3", "running");
  running.statements_done = 1;
  running.statements_total = 4;
  EXPECT_THAT(CheckUpMayRun(Reconcile(set, {Row("1"), running})),
              StatusIs(absl::StatusCode::kAborted,
                       HasSubstr("is interrupted after 1 of 4 statements (statement 2 was in progress when it stopped")));
  HistoryRow failed = Row("1", "failed");
  failed.error = "statement 1 of 1 (line 1): boom";
  EXPECT_THAT(CheckUpMayRun(Reconcile(set, {failed})), StatusIs(absl::StatusCode::kAborted, HasSubstr("is failed after 0 of 0 statements: "
                                                                                                        "statement 1 of 1 (line 1): boom")));
}

TEST(PlanTest, GoMigrationsAreNamedBeforeAnythingRuns) {
  Migration go = File("4");
  go.go = true;
  go.path = "00004_seed.go";
  Migration sql = File("5");
  EXPECT_TRUE(CheckNoGoMigrations({&sql}).ok());
  EXPECT_THAT(CheckNoGoMigrations({&go, &sql}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("1 pending migration is written in Go: 00004_seed.go (version 4); migrate runs SQL only")));
  EXPECT_THAT(GoMigrationNote(go), HasSubstr("`migrate repair 4 applied`"));
}

TEST(PlanTest, DownRevertsTheLatestAppliedFirst) {
  MigrationSet set;
  set.migrations = {File("1"), File("2"), File("3"), Repeatable("views", "v")};
  auto versions = [](const absl::StatusOr<std::vector<const Migration*>>& ms) {
    std::vector<std::string> out;
    for (const Migration* m : *ms) out.push_back(m->version);
    return out;
  };
  std::vector<HistoryRow> two = {Row("1"), Row("2")};
  EXPECT_THAT(versions(ToRevert(Reconcile(set, two), 1)), ElementsAre("2"));
  EXPECT_THAT(versions(ToRevert(Reconcile(set, two), 5)), ElementsAre("2", "1"));
  EXPECT_THAT(ToRevert(Reconcile(set, {Row("1"), Row("2", "failed")}), 1),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("migration 2 is failed; run `migrate repair` first")));
}

TEST(PlanTest, DriftListsEveryDisagreement) {
  MigrationSet set;
  set.migrations = {File("1", "new"), File("2")};
  EXPECT_THAT(Drift(Reconcile(set, {Row("1", "applied", "old"), Row("2", "running"), Row("9")})),
              ElementsAre("changed: 1_file.up.sql", "running: version 2", "missing: version 9 has no file"));
  EXPECT_TRUE(Drift(Reconcile(set, {})).empty());  // pending is not drift
}

TEST(PrepareTest, TransactionModeAndShape) {
  struct Case {
    const char* name;
    std::string sql;
    bool declared_no_tx;
    std::string want_mode;  // DescribeMode
    bool want_whole;
  };
  for (const Case& c : std::vector<Case>{
           {"plain file, one round trip", "CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n", false, "transaction, 2 statements",
            true},
           {"its own BEGIN/COMMIT is replaced by ours", "BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\n", false,
            "transaction, 1 statements", false},
           {"CONCURRENTLY needs statement by statement", "CREATE TABLE a (id int);\nCREATE INDEX CONCURRENTLY i ON a (id);\n", false,
            "no transaction (CREATE INDEX CONCURRENTLY at line 2), 2 statements", true},
           {"declared by the file", "CREATE TABLE a (id int);\n", true, "no transaction (declared by the file), 1 statements", true},
           {"COPY data is sent statement by statement", "COPY a FROM stdin;\n1\n\\.\n", false, "transaction, 1 statements", false},
           {"syntax our parser does not know is sent whole", "CREATE TABLE (;\n", false, "transaction; sent whole (line 1", true},
       }) {
    Migration m = File("1", "c", c.sql);
    if (c.declared_no_tx) {
      m.tx_mode = TxMode::kNoTransaction;
      m.tx_mode_declared = true;
    }
    absl::StatusOr<Prepared> p = Prepare(m, Direction::kUp);
    ASSERT_TRUE(p.ok()) << c.name << ": " << p.status();
    EXPECT_THAT(DescribeMode(*p), HasSubstr(c.want_mode)) << c.name;
    if (p->mode == TxMode::kTransaction && p->split_ok) {
      EXPECT_EQ(p->whole, c.want_whole) << c.name;
    }
  }
}

TEST(PrepareTest, WhatCanNeverRunIsRefusedNamingTheFileAndLine) {
  Migration inner = File("1", "c", "CREATE TABLE a (id int);\nCOMMIT;\nCREATE TABLE b (id int);\n");
  EXPECT_THAT(Prepare(inner, Direction::kUp),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("1_file.up.sql: line 2: \"COMMIT\" manages transactions")));
  Migration unsplittable = File("1", "c", "CREATE TABLE (;\n");
  unsplittable.tx_mode = TxMode::kNoTransaction;
  EXPECT_THAT(Prepare(unsplittable, Direction::kUp), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("1_file.up.sql: line 1")));
  Migration copy_out = File("1", "c", "COPY a TO stdout;\n");
  EXPECT_THAT(Prepare(copy_out, Direction::kUp), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("1_file.up.sql")));
}

TEST(PrepareTest, DownUsesTheDownPart) {
  Migration m = File("1");
  m.down = std::vector<Segment>{Segment{"DROP TABLE t;\n", 5, false}};
  absl::StatusOr<Prepared> p = Prepare(m, Direction::kDown);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->whole_sql, "DROP TABLE t;\n");
  EXPECT_EQ(p->first_line, 5);
  ASSERT_EQ(p->stmts.size(), 1u);
  EXPECT_EQ(p->stmts[0].line, 5);
}

TEST(PlanTest, InFlightNoteOnlyWhileStatementsRemain) {
  HistoryRow r = Row("1", "running");
  r.statements_done = 2;
  r.statements_total = 2;
  EXPECT_EQ(InFlightNote(r), "");
  r.statements_done = 0;
  EXPECT_THAT(InFlightNote(r), HasSubstr("statement 1 was in progress"));
}

}  // namespace
}  // namespace noshell
