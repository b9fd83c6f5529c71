// migrate/new_migration.cc — see new_migration.h.
#include "migrate/new_migration.h"

#include <filesystem>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/file.h"
#include "common/status_macros.h"
#include "migrate/source.h"

namespace noshell {
namespace fs = std::filesystem;

absl::StatusOr<std::string> NewMigrationFile(const std::string& dir, std::optional<MigrationFormat> format,
                                             absl::string_view name, absl::Time now) {
  std::string clean;
  for (char c : absl::AsciiStrToLower(name)) clean.push_back(absl::ascii_isalnum(static_cast<unsigned char>(c)) ? c : '_');
  if (clean.empty() || clean.find_first_not_of('_') == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("new: name \"", name, "\" has no letters or digits"));
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat("new: create ", dir, ": ", ec.message()));
  if (!format.has_value()) {
    NOSHELL_ASSIGN_OR_RETURN(MigrationSet set, LoadMigrations(dir, std::nullopt));
    if (set.migrations.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("new: ", dir, " is empty, so its format is unknown; give --source-format"));
    }
    format = set.format;
  }
  const std::string version = absl::FormatTime("%Y%m%d%H%M%S", now, absl::UTCTimeZone());
  std::vector<std::pair<std::string, std::string>> files;
  switch (*format) {
    case MigrationFormat::kGolangMigrate:
      files = {{absl::StrCat(version, "_", clean, ".up.sql"), ""}, {absl::StrCat(version, "_", clean, ".down.sql"), ""}};
      break;
    case MigrationFormat::kDbmate:
      files = {{absl::StrCat(version, "_", clean, ".sql"), "-- migrate:up\n\n\n-- migrate:down\n\n"}};
      break;
    case MigrationFormat::kGoose:
      files = {{absl::StrCat(version, "_", clean, ".sql"), "-- +goose Up\n\n\n-- +goose Down\n\n"}};
      break;
    case MigrationFormat::kFlyway:
      files = {{absl::StrCat("V", version, "__", clean, ".sql"), ""}};
      break;
  }
  for (const auto& [file, content] : files) {
    const std::string path = (fs::path(dir) / file).string();
    absl::Status written = WriteNewFile(path, content, 0644);
    if (absl::IsAlreadyExists(written)) return absl::InvalidArgumentError(absl::StrCat("new: ", path, " already exists"));
    if (!written.ok()) return absl::InvalidArgumentError(absl::StrCat("new: ", written.message()));
  }
  return (fs::path(dir) / files[0].first).string();
}

}  // namespace noshell
