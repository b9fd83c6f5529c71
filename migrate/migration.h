// migrate/migration.h — what a migration folder holds, independent of the tool that wrote it.
#ifndef NOSHELL_MIGRATE_MIGRATION_H_
#define NOSHELL_MIGRATE_MIGRATION_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "migrate/split.h"

namespace noshell {

enum class MigrationFormat { kGolangMigrate, kDbmate, kGoose, kFlyway };
absl::string_view FormatName(MigrationFormat f);
// "golang-migrate", "dbmate", "goose", "flyway"; nullopt otherwise.
std::optional<MigrationFormat> ParseFormatName(absl::string_view name);

// How a migration's statements run.
enum class TxMode {
  kTransaction,    // all statements and the history row commit together
  kNoTransaction,  // statement by statement, each committed on its own
};

struct Migration {
  std::string version;      // as written: "20240101120000", "1.2.1"; empty for repeatables
  std::string description;  // "create users"
  bool repeatable = false;  // Flyway R__ files: re-applied when their checksum changes
  std::string path;         // the file (for golang-migrate: the .up.sql file)
  std::vector<Segment> up;                      // the up part (normalized), as segments to split
  std::optional<std::vector<Segment>> down;     // nullopt when the file gives no down part
  TxMode tx_mode = TxMode::kTransaction;
  bool tx_mode_declared = false;  // opted out by the file (or its Flyway .conf), not detected
  std::string checksum;           // hex SHA-256 of the up part as one text (CRLF -> LF, no BOM)
  std::optional<int32_t> flyway_checksum;  // Flyway folders: Flyway's own checksum of the file
  // A goose migration written in Go: it is in the folder's order and history, but only goose can
  // run it (plan.h: up refuses while one is pending; `repair VERSION applied` records it as run).
  bool go = false;
};

struct MigrationSet {
  MigrationFormat format;
  std::string dir;
  std::vector<Migration> migrations;  // versioned ones in version order, then repeatables by name
};

// -1, 0, 1 comparing versions numerically, component by component ("1.10" > "1.9",
// "20240101" > "9"). Versions are digits separated by '.' or '_'.
int CompareVersions(absl::string_view a, absl::string_view b);
// The form under which equal versions compare equal: "007" -> "7", "1_1" -> "1.1", "1.0" -> "1".
std::string CanonicalVersion(absl::string_view v);

// A VERSION from the command line, as `command` ("up", "baseline", "repair") received it: digits,
// optionally separated by '.' or '_' ("20240101120000", "1.2.1"). Anything else ("v2", "xyz")
// compared as a version would pick an arbitrary subset of the folder, so it is kInvalidArgument.
absl::Status CheckVersionSyntax(absl::string_view version, absl::string_view command);
// The same, and the version of a (non-repeatable) migration of `set`: a typo must not apply or
// baseline a different set of files than meant.
absl::Status CheckVersionInFolder(const MigrationSet& set, absl::string_view version, absl::string_view command);

}  // namespace noshell

#endif  // NOSHELL_MIGRATE_MIGRATION_H_
