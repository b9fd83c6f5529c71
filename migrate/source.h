// migrate/source.h — reads a migration folder written for golang-migrate, dbmate, goose or Flyway.
// Reads files only; never touches a database. Errors are kInvalidArgument (or kNotFound for a
// missing folder) and name the file and what is wrong with it.
#ifndef NOSHELL_MIGRATE_SOURCE_H_
#define NOSHELL_MIGRATE_SOURCE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/env.h"
#include "migrate/migration.h"
#include "migrate/split.h"

namespace noshell {

// Loads every migration of `dir`. The format is detected from the file names (and, for
// {version}_{name}.sql files, from their dbmate or goose markers) unless `format` is given.
absl::StatusOr<MigrationSet> LoadMigrations(const std::string& dir, std::optional<MigrationFormat> format);

// Creates a new, empty migration named `name` (lower-cased, other characters as '_') in `dir`
// (created if missing), versioned by the UTC time `now` (YYYYMMDDHHMMSS), in the folder's format
// (or `format`). Returns the path of the up file.
absl::StatusOr<std::string> NewMigrationFile(const std::string& dir, std::optional<MigrationFormat> format,
                                             absl::string_view name, absl::Time now);

// Opt-in placeholders: replaces ${NAME} in every migration's SQL with the value of environment
// variable NAME (or the file named by NAME_FILE). A placeholder whose variable is unset is an error
// naming the file, line and variable. Checksums stay those of the files as written. Values are
// registered with the Redactor: a placeholder may carry a password.
absl::Status ExpandPlaceholders(MigrationSet* set, const Env& env);

// The pieces of one file's content, per format (exposed for tests).
struct ParsedFile {
  std::vector<Segment> up;
  std::optional<std::vector<Segment>> down;
  bool no_transaction = false;  // declared by the file
};
absl::StatusOr<ParsedFile> ParseDbmate(absl::string_view content);
absl::StatusOr<ParsedFile> ParseGoose(absl::string_view content);

// A VERSION from the command line, as `command` ("up", "baseline", "repair") received it: digits,
// optionally separated by '.' or '_' ("20240101120000", "1.2.1"). Anything else ("v2", "xyz")
// compared as a version would pick an arbitrary subset of the folder, so it is kInvalidArgument.
absl::Status CheckVersionSyntax(absl::string_view version, absl::string_view command);
// The same, and the version of a (non-repeatable) migration of `set`: a typo must not apply or
// baseline a different set of files than meant.
absl::Status CheckVersionInFolder(const MigrationSet& set, absl::string_view version, absl::string_view command);

// Content as used for parsing and checksums: UTF-8 BOM removed, CRLF turned into LF.
std::string NormalizeSql(absl::string_view content);
// Hex SHA-256 of NormalizeSql(text).
std::string Checksum(absl::string_view text);

}  // namespace noshell

#endif  // NOSHELL_MIGRATE_SOURCE_H_
