// migrate/adopt.cc — see adopt.h.
#include "migrate/adopt.h"

#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "migrate/mirror.h"

namespace noshell {
namespace {

// "goose (goose_db_version)": whose history an adopted row comes from.
std::string RecordedBy(const MigrationSet& set) {
  return absl::StrCat(FormatName(set.format), " (", ToolMirror::TableOf(set.format), ")");
}

const Migration* FileFor(const MigrationSet& set, const std::string& version) {
  for (const Migration& m : set.migrations) {
    if (!m.repeatable && CompareVersions(m.version, version) == 0) return &m;
  }
  return nullptr;
}

// The row for `version`, described and checksummed by its file when the folder has one.
HistoryRow Adopted(const MigrationSet& set, const std::string& version, const std::string& status,
                   const std::string& error) {
  HistoryRow h;
  const Migration* m = FileFor(set, version);
  h.version = m != nullptr ? m->version : version;
  h.description = m != nullptr ? m->description : absl::StrCat("(recorded by ", FormatName(set.format), ")");
  h.type = "adopted";
  h.checksum = m != nullptr ? m->checksum : "";
  h.status = status;
  h.tx_mode = "transaction";
  h.error = error;
  h.recorded_by = RecordedBy(set);
  return h;
}

absl::StatusOr<bool> TableExists(Database* db, const std::string& name) {
  NOSHELL_ASSIGN_OR_RETURN(std::vector<Row> r, db->Query("SELECT to_regclass($1) IS NOT NULL", {name}));
  return r[0][0] == "t";
}

}  // namespace

std::vector<HistoryRow> AdoptGolangMigrate(const MigrationSet& set, const std::string& version, bool dirty) {
  std::vector<HistoryRow> rows;
  for (const Migration& m : set.migrations) {
    if (m.repeatable) continue;
    const int c = CompareVersions(m.version, version);
    if (c < 0 || (c == 0 && !dirty)) rows.push_back(Adopted(set, m.version, "applied", ""));
  }
  if (dirty) {
    rows.push_back(Adopted(set, version, "failed",
                           "golang-migrate left this version dirty: it may or may not have been applied (golang-migrate marks "
                           "it dirty even when PostgreSQL rolled the migration back); check the database"));
  } else if (FileFor(set, version) == nullptr) {
    rows.push_back(Adopted(set, version, "applied", ""));
  }
  return rows;
}

std::vector<HistoryRow> AdoptVersionList(const MigrationSet& set, const std::vector<std::string>& versions) {
  std::vector<HistoryRow> rows;
  for (const std::string& v : versions) rows.push_back(Adopted(set, v, "applied", ""));
  return rows;
}

std::string FlywayRunChecksum(int32_t flyway_checksum) { return absl::StrCat("flyway:", flyway_checksum); }

std::vector<HistoryRow> AdoptFlyway(const MigrationSet& set, const std::vector<FlywayRow>& flyway) {
  // Flyway's checksum of a run against the file's: equal, or not known on either side, is the same.
  auto same = [](const std::optional<int32_t>& recorded, const Migration& m) {
    return !recorded.has_value() || !m.flyway_checksum.has_value() || *recorded == *m.flyway_checksum;
  };
  std::vector<HistoryRow> rows;
  std::string baseline;
  for (const FlywayRow& r : flyway) {
    if (r.type == "BASELINE") baseline = r.version;
  }
  for (const Migration& m : set.migrations) {
    if (!m.repeatable && !baseline.empty() && CompareVersions(m.version, baseline) <= 0) {
      rows.push_back(Adopted(set, m.version, "applied", ""));
    }
  }
  std::map<std::string, const FlywayRow*> latest_repeatable;  // by description: the last run counts
  for (const FlywayRow& r : flyway) {
    if (r.type == "BASELINE" || r.type == "SCHEMA") continue;
    if (r.version.empty()) {
      latest_repeatable[r.description] = &r;
      continue;
    }
    HistoryRow h = Adopted(set, r.version, r.success ? "applied" : "failed", r.success ? "" : "recorded as failed by Flyway");
    const Migration* m = FileFor(set, r.version);
    if (m != nullptr && !same(r.checksum, *m)) h.checksum = FlywayRunChecksum(*r.checksum);  // edited since: drift
    rows.push_back(std::move(h));
  }
  for (const Migration& m : set.migrations) {
    if (!m.repeatable) continue;
    auto it = latest_repeatable.find(m.description);
    if (it == latest_repeatable.end() || !it->second->success) continue;  // never ran, or failed: pending
    const FlywayRow& r = *it->second;
    HistoryRow h{"", m.description, "repeatable", same(r.checksum, m) ? m.checksum : FlywayRunChecksum(*r.checksum),
                 "applied", "transaction"};
    h.recorded_by = RecordedBy(set);
    rows.push_back(std::move(h));
  }
  return rows;
}

absl::StatusOr<Adoption> ReadOtherToolHistory(Database* db, const MigrationSet& set) {
  Adoption a;
  a.tool = std::string(FormatName(set.format));
  a.table = std::string(ToolMirror::TableOf(set.format));
  switch (set.format) {
    case MigrationFormat::kGolangMigrate: {
      NOSHELL_ASSIGN_OR_RETURN(bool has, TableExists(db, a.table));
      if (!has) break;
      NOSHELL_ASSIGN_OR_RETURN(std::vector<Row> r, db->Query("SELECT version::text, dirty::text FROM schema_migrations LIMIT 1"));
      if (!r.empty()) a.rows = AdoptGolangMigrate(set, r[0][0], r[0][1] == "true");
      break;
    }
    case MigrationFormat::kDbmate:
    case MigrationFormat::kGoose: {
      // Both keep a list of applied versions; goose appends a row per up and down.
      const bool goose = set.format == MigrationFormat::kGoose;
      NOSHELL_ASSIGN_OR_RETURN(bool has, TableExists(db, a.table));
      if (!has) break;
      NOSHELL_ASSIGN_OR_RETURN(
          std::vector<Row> r,
          db->Query(goose ? "SELECT g.version_id::text FROM goose_db_version g WHERE g.version_id > 0 AND g.is_applied AND "
                            "g.id = (SELECT max(id) FROM goose_db_version h WHERE h.version_id = g.version_id) ORDER BY g.version_id"
                          : "SELECT version::text FROM schema_migrations ORDER BY version"));
      std::vector<std::string> versions;
      for (const Row& v : r) versions.push_back(v[0]);
      a.rows = AdoptVersionList(set, versions);
      break;
    }
    case MigrationFormat::kFlyway: {
      NOSHELL_ASSIGN_OR_RETURN(bool has, TableExists(db, a.table));
      if (!has) break;
      NOSHELL_ASSIGN_OR_RETURN(std::vector<Row> r,
                               db->Query("SELECT coalesce(version, ''), description, type, success::text, coalesce(checksum::text, '') "
                                         "FROM flyway_schema_history ORDER BY installed_rank"));
      std::vector<FlywayRow> rows;
      for (const Row& v : r) {
        FlywayRow row{v[0], v[1], v[2], v[3] == "true", std::nullopt};
        int32_t checksum = 0;
        if (absl::SimpleAtoi(v[4], &checksum)) row.checksum = checksum;
        rows.push_back(std::move(row));
      }
      a.rows = AdoptFlyway(set, rows);
      break;
    }
  }
  return a;
}

}  // namespace noshell
