// migrate/mirror.cc — see mirror.h. The statements are the ones each tool itself sends.
#include "migrate/mirror.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace noshell {

absl::string_view ToolMirror::TableOf(MigrationFormat format) {
  switch (format) {
    case MigrationFormat::kGolangMigrate:
    case MigrationFormat::kDbmate: return "schema_migrations";
    case MigrationFormat::kGoose: return "goose_db_version";
    case MigrationFormat::kFlyway: return "flyway_schema_history";
  }
  return "";
}

std::string ToolMirror::Table() const { return absl::StrCat("public.", TableOf(format_)); }

std::string ToolMirror::EnsureSql() const {
  const std::string t = Table();
  switch (format_) {
    case MigrationFormat::kGolangMigrate:
      return absl::StrCat("CREATE TABLE IF NOT EXISTS ", t, " (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)");
    case MigrationFormat::kDbmate:
      return absl::StrCat("CREATE TABLE IF NOT EXISTS ", t, " (version varchar(128) PRIMARY KEY)");
    case MigrationFormat::kGoose:
      return absl::StrCat("DO $noshell$ BEGIN IF to_regclass('", t, "') IS NULL THEN CREATE TABLE ", t,
                          " (id serial NOT NULL, version_id bigint NOT NULL, is_applied boolean NOT NULL, "
                          "tstamp timestamp NULL DEFAULT now(), PRIMARY KEY (id)); INSERT INTO ", t,
                          " (version_id, is_applied) VALUES (0, true); END IF; END $noshell$");
    case MigrationFormat::kFlyway:
      return absl::StrCat("DO $noshell$ BEGIN IF to_regclass('", t, "') IS NULL THEN CREATE TABLE ", t,
                          " (installed_rank integer NOT NULL, version varchar(50), description varchar(200) NOT NULL, "
                          "type varchar(20) NOT NULL, script varchar(1000) NOT NULL, checksum integer, "
                          "installed_by varchar(100) NOT NULL, installed_on timestamp NOT NULL DEFAULT now(), "
                          "execution_time integer NOT NULL, success boolean NOT NULL); ALTER TABLE ", t,
                          " ADD CONSTRAINT flyway_schema_history_pk PRIMARY KEY (installed_rank); CREATE INDEX "
                          "flyway_schema_history_s_idx ON ", t, " (success); END IF; END $noshell$");
  }
  return "";
}

std::string ToolMirror::GolangSyncSql() const {
  // golang-migrate's SetVersion: the table holds the current version only.
  return absl::StrCat("DELETE FROM ", Table(), "; INSERT INTO ", Table(),
                      " (version, dirty) SELECT max(version::numeric)::bigint, false FROM ", ours_,
                      " WHERE status = 'applied' AND type <> 'repeatable' AND version ~ '^[0-9]+$' HAVING count(*) > 0");
}

std::string ToolMirror::Script(const Migration& m) const {
  absl::string_view path = m.path;
  if (absl::ConsumePrefix(&path, dir_)) absl::ConsumePrefix(&path, "/");
  return std::string(path);
}

std::string ToolMirror::AppliedSql(const Migration& m, absl::Duration took) const {
  const std::string t = Table();
  switch (format_) {
    case MigrationFormat::kGolangMigrate:
      return GolangSyncSql();
    case MigrationFormat::kDbmate:
      return absl::StrCat("INSERT INTO ", t, " (version) VALUES (", literal_(m.version), ") ON CONFLICT DO NOTHING");
    case MigrationFormat::kGoose:
      return absl::StrCat("INSERT INTO ", t, " (version_id, is_applied) VALUES (", literal_(m.version), "::bigint, true)");
    case MigrationFormat::kFlyway:
      return absl::StrCat("INSERT INTO ", t,
                          " (installed_rank, version, description, type, script, checksum, installed_by, execution_time, "
                          "success) SELECT coalesce(max(installed_rank), 0) + 1, ",
                          m.repeatable ? "NULL" : literal_(m.version), ", ", literal_(m.description), ", 'SQL', ",
                          literal_(Script(m)), ", ", m.flyway_checksum.has_value() ? absl::StrCat(*m.flyway_checksum) : "NULL",
                          ", current_user, ", absl::ToInt64Milliseconds(took), ", true FROM ", t);
  }
  return "";
}

std::string ToolMirror::RevertedSql(const Migration& m) const {
  const std::string t = Table();
  switch (format_) {
    case MigrationFormat::kGolangMigrate:
      return GolangSyncSql();
    case MigrationFormat::kDbmate:
      return absl::StrCat("DELETE FROM ", t, " WHERE version = ", literal_(m.version));
    case MigrationFormat::kGoose:
      return absl::StrCat("DELETE FROM ", t, " WHERE version_id = ", literal_(m.version), "::bigint");
    case MigrationFormat::kFlyway:
      return absl::StrCat("DELETE FROM ", t, " WHERE version = ", literal_(m.version));
  }
  return "";
}

std::string ToolMirror::StartedSql(const Migration& m) const {
  if (format_ != MigrationFormat::kGolangMigrate || m.repeatable) return "";
  // golang-migrate marks the version dirty before running it, and clean once it ran.
  return absl::StrCat("DELETE FROM ", Table(), "; INSERT INTO ", Table(), " (version, dirty) VALUES (", literal_(m.version),
                      "::bigint, true)");
}

}  // namespace noshell
