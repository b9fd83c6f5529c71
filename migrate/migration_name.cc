// migrate/migration_name.cc — see migration_name.h.
#include "migrate/migration_name.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"

namespace noshell {
namespace {

size_t LeadingDigits(absl::string_view s) {
  size_t n = 0;
  while (n < s.size() && absl::ascii_isdigit(static_cast<unsigned char>(s[n]))) ++n;
  return n;
}

// {version}_{title}.up.sql / .down.sql -> version, title, "up"|"down"
bool MatchGolang(absl::string_view name, std::vector<std::string>* parts) {
  size_t d = LeadingDigits(name);
  if (d == 0 || d >= name.size() || name[d] != '_') return false;
  absl::string_view rest = name.substr(d + 1);
  for (absl::string_view dir : {".up.sql", ".down.sql"}) {
    if (absl::EndsWith(rest, dir) && rest.size() > dir.size()) {
      *parts = {std::string(name.substr(0, d)), std::string(rest.substr(0, rest.size() - dir.size())),
                dir == ".up.sql" ? "up" : "down"};
      return true;
    }
  }
  return false;
}

// {version}_{name}.sql -> version, name
bool MatchNumbered(absl::string_view name, std::vector<std::string>* parts) {
  size_t d = LeadingDigits(name);
  if (d == 0 || d >= name.size() || name[d] != '_' || !absl::EndsWith(name, ".sql") || name.size() <= d + 5) return false;
  *parts = {std::string(name.substr(0, d)), std::string(name.substr(d + 1, name.size() - d - 5))};
  return true;
}

// V|U{digits([._]digits)*}__{desc}.sql -> "V"|"U", version, desc
bool MatchFlywayVersioned(absl::string_view name, std::vector<std::string>* parts) {
  if (name.size() < 8 || (name[0] != 'V' && name[0] != 'U') || !absl::EndsWith(name, ".sql")) return false;
  size_t sep = name.find("__", 1);
  if (sep == absl::string_view::npos || sep + 2 >= name.size() - 4) return false;
  absl::string_view version = name.substr(1, sep - 1);
  if (version.empty() || !absl::ascii_isdigit(static_cast<unsigned char>(version.front())) ||
      !absl::ascii_isdigit(static_cast<unsigned char>(version.back()))) {
    return false;
  }
  for (size_t i = 0; i < version.size(); ++i) {
    char c = version[i];
    bool sep_char = c == '.' || c == '_';
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)) && !sep_char) return false;
    if (sep_char && i + 1 < version.size() && (version[i + 1] == '.' || version[i + 1] == '_')) return false;
  }
  *parts = {std::string(name.substr(0, 1)), std::string(version), std::string(name.substr(sep + 2, name.size() - sep - 6))};
  return true;
}

// R__{desc}.sql -> desc
bool MatchFlywayRepeatable(absl::string_view name, std::vector<std::string>* parts) {
  if (!absl::StartsWith(name, "R__") || !absl::EndsWith(name, ".sql") || name.size() <= 7) return false;
  *parts = {std::string(name.substr(3, name.size() - 7))};
  return true;
}

}  // namespace

std::optional<MigrationName> ParseMigrationName(absl::string_view file_name) {
  std::vector<std::string> m;
  if (MatchGolang(file_name, &m)) return MigrationName{m[2] == "up" ? NameKind::kGolangUp : NameKind::kGolangDown, m[0], m[1]};
  if (MatchFlywayVersioned(file_name, &m)) {
    return MigrationName{m[0] == "V" ? NameKind::kFlywayVersioned : NameKind::kFlywayUndo, absl::StrReplaceAll(m[1], {{"_", "."}}),
                         m[2]};
  }
  if (MatchFlywayRepeatable(file_name, &m)) return MigrationName{NameKind::kFlywayRepeatable, "", m[0]};
  if (MatchNumbered(file_name, &m)) return MigrationName{NameKind::kNumbered, m[0], m[1]};
  // goose's Go migrations: {version}_{title}.go (its tests, *_test.go, are not migrations).
  if (const size_t d = LeadingDigits(file_name); d > 0 && d < file_name.size() && file_name[d] == '_' &&
      absl::EndsWith(file_name, ".go") && !absl::EndsWith(file_name, "_test.go") && file_name.size() > d + 4) {
    return MigrationName{NameKind::kGooseGo, std::string(file_name.substr(0, d)),
                         std::string(file_name.substr(d + 1, file_name.size() - d - 4))};
  }
  return std::nullopt;
}

std::string DescriptionFromTitle(absl::string_view title) {
  // "create_table.sql" of a file saved as x_create_table.sql.sql: the extension is no description.
  while (absl::ConsumeSuffix(&title, ".sql")) {
  }
  return absl::StrReplaceAll(title, {{"_", " "}});
}

}  // namespace noshell
