// migrate/adopt.h — taking over a database that golang-migrate, dbmate, goose or Flyway kept:
// the database-side twin of source.cc's file formats. When our history is empty, the versions the
// folder's tool recorded in its own table become our rows (type "adopted"), so `up` applies only
// what that tool had not.
//
// The mappings from each tool's rows to ours are pure and table-tested; ReadOtherToolHistory
// reads the tool's table.
#ifndef NOSHELL_MIGRATE_ADOPT_H_
#define NOSHELL_MIGRATE_ADOPT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "migrate/db.h"
#include "migrate/migration.h"
#include "migrate/plan.h"

namespace noshell {

struct Adoption {
  std::string tool;   // "golang-migrate"
  std::string table;  // "schema_migrations"
  std::vector<HistoryRow> rows;  // empty: nothing to adopt (no table, or an empty one)
};

// golang-migrate keeps one row: the current version, and whether it is dirty (a migration failed
// part-way, or golang-migrate died in it). Every file up to it is applied; a dirty one is failed.
std::vector<HistoryRow> AdoptGolangMigrate(const MigrationSet& set, const std::string& version, bool dirty);
// dbmate and goose keep the applied versions (goose's latest row per version says whether it is).
std::vector<HistoryRow> AdoptVersionList(const MigrationSet& set, const std::vector<std::string>& versions);
// Flyway: one row per run, in installed_rank order. A BASELINE row applies every file up to it.
// Checksums are compared as Flyway's validate does: a versioned file edited since Flyway applied it
// is adopted as changed (drift: up refuses, exit 6); a repeatable whose latest run had another
// checksum is adopted as run at that checksum, so up runs it again.
struct FlywayRow {
  std::string version;      // "" for a repeatable
  std::string description;
  std::string type;         // SQL, BASELINE, SCHEMA, ...
  bool success = true;
  std::optional<int32_t> checksum;  // NULL for BASELINE, SCHEMA and Java migrations
};
// The checksum our history records for a Flyway run whose checksum is not the file's: never equal
// to a file's SHA-256, so the row reads as changed (versioned) or pending (repeatable).
std::string FlywayRunChecksum(int32_t flyway_checksum);
std::vector<HistoryRow> AdoptFlyway(const MigrationSet& set, const std::vector<FlywayRow>& rows);

// Reads the table of the tool that wrote `set`'s folder, if it exists.
absl::StatusOr<Adoption> ReadOtherToolHistory(Database* db, const MigrationSet& set);

}  // namespace noshell

#endif  // NOSHELL_MIGRATE_ADOPT_H_
