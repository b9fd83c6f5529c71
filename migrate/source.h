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
#include "migrate/migration.h"

namespace noshell {

// Loads every migration of `dir`. The format is detected from the file names (and, for
// {version}_{name}.sql files, from their dbmate or goose markers) unless `format` is given.
absl::StatusOr<MigrationSet> LoadMigrations(const std::string& dir, std::optional<MigrationFormat> format);

// Content as used for parsing and checksums: UTF-8 BOM removed, CRLF turned into LF.
std::string NormalizeSql(absl::string_view content);
// Hex SHA-256 of NormalizeSql(text).
std::string Checksum(absl::string_view text);
// The checksum of the segments' join (a migration's up part): that of JoinSegments(segments).
std::string Checksum(const std::vector<Segment>& segments);

}  // namespace noshell

#endif  // NOSHELL_MIGRATE_SOURCE_H_
