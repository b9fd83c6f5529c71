// migrate/placeholders.h — opt-in ${NAME} placeholders in migrations (--placeholders).
#ifndef NOSHELL_MIGRATE_PLACEHOLDERS_H_
#define NOSHELL_MIGRATE_PLACEHOLDERS_H_

#include "absl/status/status.h"
#include "common/env.h"
#include "migrate/migration.h"

namespace noshell {

// Replaces ${NAME} in every migration's SQL with the value of environment variable NAME (or the
// file named by NAME_FILE). A placeholder whose variable is unset is an error naming the file, line
// and variable; "${" not followed by a name and "}" is left as written. Checksums stay those of the
// files as written. Values are registered with the Redactor: a placeholder may carry a password.
absl::Status ExpandPlaceholders(MigrationSet* set, const Env& env);

}  // namespace noshell

#endif  // NOSHELL_MIGRATE_PLACEHOLDERS_H_
