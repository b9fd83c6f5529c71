// migrate/formats.h — what each tool's file content means: dbmate's and goose's markers (up and
// down parts, transaction opt-outs, goose's StatementBegin blocks) and Flyway's per-script .conf.
// Pure: text in, pieces out. Errors are kInvalidArgument saying "line L: what" (the caller adds
// the file).
#ifndef NOSHELL_MIGRATE_FORMATS_H_
#define NOSHELL_MIGRATE_FORMATS_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "migrate/migration.h"
#include "migrate/split.h"

namespace noshell {

// The pieces of one file's content.
struct ParsedFile {
  std::vector<Segment> up;
  std::optional<std::vector<Segment>> down;
  bool no_transaction = false;  // declared by the file
};
absl::StatusOr<ParsedFile> ParseDbmate(absl::string_view content);
// goose: a file without "-- +goose Down" has an empty down part, as for goose itself.
absl::StatusOr<ParsedFile> ParseGoose(absl::string_view content);

// A {version}_{name}.sql file is goose's (a "-- +goose" marker) or dbmate's ("-- migrate:up");
// nullopt when it has neither; kInvalidArgument when it has both.
absl::StatusOr<std::optional<MigrationFormat>> DetectNumberedFormat(absl::string_view content);

// Flyway's checksum of a file, exactly as Flyway computes it (its ChecksumCalculator): CRC-32 over
// the UTF-8 bytes of each line, line terminators (\n, \r, \r\n) dropped and a leading BOM
// stripped, as a signed 32-bit int. flyway_schema_history.checksum holds it.
int32_t FlywayChecksum(absl::string_view content);

// Flyway's V1__x.sql.conf: executeInTransaction=true|false is the one setting read; any other is
// refused (it would be silently ignored). nullopt when the file does not set it.
absl::StatusOr<std::optional<bool>> ParseFlywayConf(absl::string_view content);

}  // namespace noshell

#endif  // NOSHELL_MIGRATE_FORMATS_H_
