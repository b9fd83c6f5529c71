// migrate/migration_name.h — what a file name says: which tool's pattern it follows, its version
// and its title. Pure, table-tested (tests/unit/migrate/migration_name_test.cc).
#ifndef NOSHELL_MIGRATE_MIGRATION_NAME_H_
#define NOSHELL_MIGRATE_MIGRATION_NAME_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace noshell {

enum class NameKind {
  kGolangUp,          // {version}_{title}.up.sql
  kGolangDown,        // {version}_{title}.down.sql
  kFlywayVersioned,   // V{version}__{title}.sql
  kFlywayUndo,        // U{version}__{title}.sql
  kFlywayRepeatable,  // R__{title}.sql
  kNumbered,          // {version}_{title}.sql: dbmate or goose, told apart by the content
  kGooseGo,           // {version}_{title}.go: a goose migration written in Go (cannot run here)
};

struct MigrationName {
  NameKind kind;
  std::string version;  // digits; Flyway's '_' separators as '.' ("1_1" -> "1.1"); "" for R__
  std::string title;    // as written: "create_users"
};

// The first pattern `file_name` matches, in the order above (a golang-migrate name is also a
// {version}_{title}.sql one); nullopt when none does. Matched by hand: std::regex cost more than
// everything else in a nothing-to-do run.
std::optional<MigrationName> ParseMigrationName(absl::string_view file_name);

// The patterns, for errors naming a file that matches none.
inline constexpr char kMigrationNamePatterns[] =
    "golang-migrate {version}_{title}.up.sql/.down.sql, dbmate or goose {version}_{name}.sql, "
    "Flyway V{version}__{description}.sql or R__{description}.sql";

// A migration's description from its title: underscores become spaces ("create_users" -> "create
// users"), and a doubled extension goes ("create_table.sql" of x_create_table.sql.sql).
std::string DescriptionFromTitle(absl::string_view title);

}  // namespace noshell

#endif  // NOSHELL_MIGRATE_MIGRATION_NAME_H_
