// migrate/migration.cc — see migration.h: format names and versions.
#include "migrate/migration.h"

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "common/text.h"

namespace noshell {

absl::string_view FormatName(MigrationFormat f) {
  switch (f) {
    case MigrationFormat::kGolangMigrate: return "golang-migrate";
    case MigrationFormat::kDbmate: return "dbmate";
    case MigrationFormat::kGoose: return "goose";
    case MigrationFormat::kFlyway: return "flyway";
  }
  return "unknown";
}

std::optional<MigrationFormat> ParseFormatName(absl::string_view name) {
  for (MigrationFormat f : {MigrationFormat::kGolangMigrate, MigrationFormat::kDbmate, MigrationFormat::kGoose,
                            MigrationFormat::kFlyway}) {
    if (name == FormatName(f)) return f;
  }
  return std::nullopt;
}

int CompareVersions(absl::string_view a, absl::string_view b) {
  // Component by component, numerically, without allocating: this runs n log n times per load.
  auto next = [](absl::string_view* s) {
    size_t end = 0;  // by hand: find_first_of builds a lookup table on every call
    while (end < s->size() && (*s)[end] != '.' && (*s)[end] != '_') ++end;
    absl::string_view part = s->substr(0, end);
    *s = end == s->size() ? absl::string_view() : s->substr(end + 1);
    while (part.size() > 1 && part[0] == '0') part.remove_prefix(1);
    return part.empty() ? absl::string_view("0") : part;
  };
  while (!a.empty() || !b.empty()) {
    absl::string_view x = a.empty() ? "0" : next(&a);
    absl::string_view y = b.empty() ? "0" : next(&b);
    if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
    if (int c = x.compare(y); c != 0) return c < 0 ? -1 : 1;
  }
  return 0;
}

std::string CanonicalVersion(absl::string_view v) {
  // Built in one string (this runs for every file and every history row of a run).
  std::string out;
  out.reserve(v.size());
  size_t keep = 0;  // out's length through its last component that is not "0" (or its first)
  for (bool first = true;; first = false) {
    size_t end = 0;
    while (end < v.size() && v[end] != '.' && v[end] != '_') ++end;
    absl::string_view part = v.substr(0, end);
    while (part.size() > 1 && part[0] == '0') part.remove_prefix(1);
    if (!first) out.push_back('.');
    out.append(part.data(), part.size());
    if (first || part != "0") keep = out.size();
    if (end == v.size()) break;
    v.remove_prefix(end + 1);
  }
  out.resize(keep);
  return out;
}

absl::Status CheckVersionSyntax(absl::string_view version, absl::string_view command) {
  bool ok = !version.empty() && absl::ascii_isdigit(static_cast<unsigned char>(version.front())) &&
            absl::ascii_isdigit(static_cast<unsigned char>(version.back()));
  for (size_t i = 0; ok && i < version.size(); ++i) {
    const char c = version[i];
    const bool sep = c == '.' || c == '_';
    ok = absl::ascii_isdigit(static_cast<unsigned char>(c)) || (sep && version[i - 1] != '.' && version[i - 1] != '_');
  }
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(command, " ", EscapeForTerminal(TruncateUtf8(version, 80)),
                                                 ": not a version (want digits, optionally separated by '.' or '_', "
                                                 "e.g. 20240101120000 or 1.2)"));
}

absl::Status CheckVersionInFolder(const MigrationSet& set, absl::string_view version, absl::string_view command) {
  NOSHELL_RETURN_IF_ERROR(CheckVersionSyntax(version, command));
  for (const Migration& m : set.migrations) {
    if (!m.repeatable && CompareVersions(m.version, version) == 0) return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat(command, " ", version, ": no migration in ", set.dir, " has this version"));
}

}  // namespace noshell
