// migrate/new_migration.h — `migrate new NAME`: an empty migration in the folder's format.
#ifndef NOSHELL_MIGRATE_NEW_MIGRATION_H_
#define NOSHELL_MIGRATE_NEW_MIGRATION_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "migrate/migration.h"

namespace noshell {

// Creates a new, empty migration named `name` (lower-cased, other characters as '_') in `dir`
// (created if missing), versioned by the UTC time `now` (YYYYMMDDHHMMSS), in the folder's format
// (or `format`). Returns the path of the up file. Never replaces an existing file.
absl::StatusOr<std::string> NewMigrationFile(const std::string& dir, std::optional<MigrationFormat> format,
                                             absl::string_view name, absl::Time now);

}  // namespace noshell

#endif  // NOSHELL_MIGRATE_NEW_MIGRATION_H_
