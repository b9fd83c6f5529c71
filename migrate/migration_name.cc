// migrate/migration_name.cc — see migration_name.h.
#include "migrate/migration_name.h"

#include <algorithm>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"

namespace noshell {
namespace {

size_t LeadingDigits(absl::string_view s) {
  size_t n = 0;
  while (n < s.size() && absl::ascii_isdigit(static_cast<unsigned char>(s[n]))) ++n;
  return n;
}

// What a pattern matched: views into the name (copied once, into MigrationName).
struct Match {
  NameKind kind;
  absl::string_view version, title;
};

// {version}_{title}.up.sql / .down.sql
bool MatchGolang(absl::string_view name, Match* m) {
  size_t d = LeadingDigits(name);
  if (d == 0 || d >= name.size() || name[d] != '_') return false;
  absl::string_view rest = name.substr(d + 1);
  for (absl::string_view dir : {".up.sql", ".down.sql"}) {
    if (absl::EndsWith(rest, dir) && rest.size() > dir.size()) {
      *m = {dir == ".up.sql" ? NameKind::kGolangUp : NameKind::kGolangDown, name.substr(0, d),
            rest.substr(0, rest.size() - dir.size())};
      return true;
    }
  }
  return false;
}

// {version}_{name}.sql
bool MatchNumbered(absl::string_view name, Match* m) {
  size_t d = LeadingDigits(name);
  if (d == 0 || d >= name.size() || name[d] != '_' || !absl::EndsWith(name, ".sql") || name.size() <= d + 5) return false;
  *m = {NameKind::kNumbered, name.substr(0, d), name.substr(d + 1, name.size() - d - 5)};
  return true;
}

// V|U{digits([._]digits)*}__{desc}.sql
bool MatchFlywayVersioned(absl::string_view name, Match* m) {
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
  *m = {name[0] == 'V' ? NameKind::kFlywayVersioned : NameKind::kFlywayUndo, version, name.substr(sep + 2, name.size() - sep - 6)};
  return true;
}

// R__{desc}.sql
bool MatchFlywayRepeatable(absl::string_view name, Match* m) {
  if (!absl::StartsWith(name, "R__") || !absl::EndsWith(name, ".sql") || name.size() <= 7) return false;
  *m = {NameKind::kFlywayRepeatable, absl::string_view(), name.substr(3, name.size() - 7)};
  return true;
}

// goose's Go migrations: {version}_{title}.go (its tests, *_test.go, are not migrations).
bool MatchGooseGo(absl::string_view name, Match* m) {
  const size_t d = LeadingDigits(name);
  if (d == 0 || d >= name.size() || name[d] != '_' || !absl::EndsWith(name, ".go") || absl::EndsWith(name, "_test.go") ||
      name.size() <= d + 4) {
    return false;
  }
  *m = {NameKind::kGooseGo, name.substr(0, d), name.substr(d + 1, name.size() - d - 4)};
  return true;
}

}  // namespace

std::optional<MigrationName> ParseMigrationName(absl::string_view file_name) {
  Match m;
  if (!MatchGolang(file_name, &m) && !MatchFlywayVersioned(file_name, &m) && !MatchFlywayRepeatable(file_name, &m) &&
      !MatchNumbered(file_name, &m) && !MatchGooseGo(file_name, &m)) {
    return std::nullopt;
  }
  MigrationName out{m.kind, std::string(m.version), std::string(m.title)};
  if (m.kind == NameKind::kFlywayVersioned || m.kind == NameKind::kFlywayUndo) {
    std::replace(out.version.begin(), out.version.end(), '_', '.');
  }
  return out;
}

std::string DescriptionFromTitle(absl::string_view title) {
  // "create_table.sql" of a file saved as x_create_table.sql.sql: the extension is no description.
  while (absl::ConsumeSuffix(&title, ".sql")) {
  }
  std::string out(title);
  std::replace(out.begin(), out.end(), '_', ' ');
  return out;
}

}  // namespace noshell
