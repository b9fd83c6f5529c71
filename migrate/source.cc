// migrate/source.cc — discovery and parsing of golang-migrate, dbmate, goose and Flyway folders.
#include "migrate/source.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/sha.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/file.h"
#include "common/status_macros.h"
#include "common/text.h"

namespace noshell {
namespace fs = std::filesystem;
namespace {

// File-name patterns, matched by hand (std::regex cost more than everything else in a
// nothing-to-do run). Each fills `parts` with the captured pieces.
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

constexpr char kNames[] =
    "golang-migrate {version}_{title}.up.sql/.down.sql, dbmate or goose {version}_{name}.sql, "
    "Flyway V{version}__{description}.sql or R__{description}.sql";

absl::Status FileError(const std::string& path, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", why));
}

// A migration's text: a NUL byte would silently end it where libpq and the parser stop reading.
constexpr size_t kMaxMigrationBytes = size_t{1} << 30;

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  auto data = ReadWholeFile(path, kMaxMigrationBytes, "");
  if (!data.ok()) return absl::InvalidArgumentError(data.status().message());
  if (size_t nul = data->find('\0'); nul != std::string::npos) {
    return FileError(path, absl::StrCat("NUL byte at line ", PositionOfByte(*data, nul).line,
                                        ": not a text file, or damaged (everything after it would be lost)"));
  }
  return NormalizeSql(*data);
}

std::string Describe(absl::string_view name) { return absl::StrReplaceAll(name, {{"_", " "}}); }

std::string Join(const std::vector<Segment>& segments) {
  std::string out;
  for (const Segment& s : segments) out += s.text;
  return out;
}

std::vector<Segment> Whole(const std::string& text) { return {Segment{text, 1, false}}; }

bool IsMarker(absl::string_view line, absl::string_view marker, absl::string_view* rest) {
  absl::string_view t = absl::StripLeadingAsciiWhitespace(line);
  if (!absl::ConsumePrefix(&t, "--")) return false;
  t = absl::StripLeadingAsciiWhitespace(t);
  if (t.size() < marker.size() || !absl::EqualsIgnoreCase(t.substr(0, marker.size()), marker)) return false;
  absl::string_view after = t.substr(marker.size());
  if (!after.empty() && !absl::ascii_isspace(static_cast<unsigned char>(after[0]))) return false;
  if (rest != nullptr) *rest = absl::StripAsciiWhitespace(after);
  return true;
}

std::vector<absl::string_view> Lines(absl::string_view content) {
  // Keeps the '\n' on each line so segments reproduce the file exactly.
  std::vector<absl::string_view> lines;
  size_t pos = 0;
  while (pos < content.size()) {
    size_t eol = content.find('\n', pos);
    size_t end = eol == absl::string_view::npos ? content.size() : eol + 1;
    lines.push_back(content.substr(pos, end - pos));
    pos = end;
  }
  return lines;
}

// Whether a folder entry is a migration file to read. Entries that look like migrations but
// cannot be read as one are refused rather than skipped: a ConfigMap with a broken link, or a
// file saved as .SQL, must not lose a migration without a word.
absl::StatusOr<bool> IsMigrationCandidate(const fs::directory_entry& entry, absl::string_view name, const std::string& path) {
  const std::string lower = absl::AsciiStrToLower(name);
  if (!absl::EndsWith(lower, ".sql")) {
    for (absl::string_view copy : {".sql~", ".sql.bak", ".sql.orig", ".sql.rej", ".sql.swp", ".sql.tmp", ".sql.old"}) {
      if (absl::EndsWith(lower, copy)) {
        return FileError(path, "looks like an editor's or merge tool's copy of a migration; remove it from the folder");
      }
    }
    return false;
  }
  if (!absl::EndsWith(name, ".sql")) {
    return FileError(path, absl::StrCat("extension \"", name.substr(name.size() - 4), "\": rename it to .sql"));
  }
  std::error_code ec;
  if (entry.is_directory(ec)) {
    return FileError(path, "is a directory named like a migration file");
  }
  if (!entry.is_regular_file(ec)) {
    return FileError(path, entry.is_symlink(ec) ? "is a symlink to nothing (dangling)" : "is not a regular file");
  }
  if (!IsValidUtf8(name)) {
    return FileError(EscapeForTerminal(path), "file name is not valid UTF-8; rename it (it is recorded in the history table)");
  }
  return true;
}

struct Candidate {
  std::string path;
  std::string name;
  bool in_subfolder = false;
};

}  // namespace

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
    size_t end = s->find_first_of("._");
    absl::string_view part = s->substr(0, end);
    *s = end == absl::string_view::npos ? absl::string_view() : s->substr(end + 1);
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

std::string CanonicalVersion(absl::string_view v) {
  std::vector<std::string> parts;
  for (absl::string_view p : absl::StrSplit(v, absl::ByAnyChar("._"))) {
    while (p.size() > 1 && p[0] == '0') p.remove_prefix(1);
    parts.emplace_back(p);
  }
  while (parts.size() > 1 && parts.back() == "0") parts.pop_back();
  return absl::StrJoin(parts, ".");
}

std::string NormalizeSql(absl::string_view content) {
  if (absl::StartsWith(content, "\xEF\xBB\xBF")) content.remove_prefix(3);
  return absl::StrReplaceAll(content, {{"\r\n", "\n"}});
}

std::string Checksum(absl::string_view text) {
  std::string normalized = NormalizeSql(text);
  // The low-level digest: OpenSSL 3's one-shot SHA256() fetches the algorithm from its provider
  // on every call, which cost more than hashing a folder of migrations.
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, normalized.data(), normalized.size());
  SHA256_Final(digest, &ctx);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(digest), sizeof digest));
}

absl::StatusOr<ParsedFile> ParseDbmate(absl::string_view content) {
  ParsedFile f;
  std::vector<absl::string_view> lines = Lines(content);
  enum { kNone, kUp, kDown } section = kNone;
  std::string up, down;
  int up_line = 0, down_line = 0;
  bool seen_up = false, seen_down = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    absl::string_view opts;
    if (IsMarker(lines[i], "migrate:up", &opts)) {
      if (seen_up) return absl::InvalidArgumentError(absl::StrCat("line ", i + 1, ": a second -- migrate:up"));
      seen_up = true;
      section = kUp;
      up_line = static_cast<int>(i) + 2;
      for (absl::string_view opt : absl::StrSplit(opts, ' ', absl::SkipEmpty())) {
        if (opt == "transaction:false") f.no_transaction = true;
        else if (opt != "transaction:true") {
          return absl::InvalidArgumentError(absl::StrCat("line ", i + 1, ": unknown dbmate option \"", opt, "\""));
        }
      }
      continue;
    }
    if (IsMarker(lines[i], "migrate:down", &opts)) {
      if (seen_down) return absl::InvalidArgumentError(absl::StrCat("line ", i + 1, ": a second -- migrate:down"));
      seen_down = true;
      section = kDown;
      down_line = static_cast<int>(i) + 2;
      continue;
    }
    if (section == kUp) up.append(lines[i].data(), lines[i].size());
    if (section == kDown) down.append(lines[i].data(), lines[i].size());
    if (section == kNone && !absl::StripAsciiWhitespace(lines[i]).empty() &&
        !absl::StartsWith(absl::StripLeadingAsciiWhitespace(lines[i]), "--")) {
      return absl::InvalidArgumentError(absl::StrCat("line ", i + 1, ": SQL before -- migrate:up"));
    }
  }
  if (!seen_up) return absl::InvalidArgumentError("no -- migrate:up section (dbmate format)");
  f.up = {Segment{up, up_line, false}};
  if (seen_down) f.down = std::vector<Segment>{Segment{down, down_line, false}};
  return f;
}

absl::StatusOr<ParsedFile> ParseGoose(absl::string_view content) {
  ParsedFile f;
  std::vector<absl::string_view> lines = Lines(content);
  enum { kNone, kUp, kDown } section = kNone;
  std::vector<Segment> up, down;
  bool in_block = false;
  bool block_opened = false;  // the next block line starts a new verbatim segment
  bool seen_up = false;
  auto current = [&]() -> std::vector<Segment>* { return section == kUp ? &up : section == kDown ? &down : nullptr; };
  auto append = [&](absl::string_view line, int lineno, bool verbatim) {
    std::vector<Segment>* segs = current();
    if (segs == nullptr) return;
    if (segs->empty() || segs->back().verbatim != verbatim || (verbatim && block_opened)) {
      segs->push_back(Segment{"", lineno, verbatim});
      block_opened = false;
    }
    segs->back().text.append(line.data(), line.size());
  };
  for (size_t i = 0; i < lines.size(); ++i) {
    const int lineno = static_cast<int>(i) + 1;
    absl::string_view rest;
    if (IsMarker(lines[i], "+goose", &rest)) {
      std::string what = absl::AsciiStrToLower(rest);
      if (what == "up" || what == "down") {
        if (in_block) return absl::InvalidArgumentError(absl::StrCat("line ", lineno, ": +goose ", rest, " inside a StatementBegin block"));
        if (what == "up") {
          if (seen_up) return absl::InvalidArgumentError(absl::StrCat("line ", lineno, ": a second +goose Up"));
          seen_up = true;
          section = kUp;
        } else {
          if (f.down.has_value() || section == kDown) return absl::InvalidArgumentError(absl::StrCat("line ", lineno, ": a second +goose Down"));
          section = kDown;
        }
      } else if (what == "statementbegin") {
        if (in_block) return absl::InvalidArgumentError(absl::StrCat("line ", lineno, ": nested +goose StatementBegin"));
        in_block = true;
        block_opened = true;
      } else if (what == "statementend") {
        if (!in_block) return absl::InvalidArgumentError(absl::StrCat("line ", lineno, ": +goose StatementEnd without StatementBegin"));
        in_block = false;
      } else if (what == "no transaction") {
        f.no_transaction = true;
      } else if (what == "envsub on" || what == "envsub off") {
        return absl::InvalidArgumentError(absl::StrCat("line ", lineno, ": +goose ENVSUB is not supported; use migrate's --placeholders"));
      } else {
        return absl::InvalidArgumentError(absl::StrCat("line ", lineno, ": unknown annotation \"-- +goose ", rest, "\""));
      }
      continue;
    }
    if (section == kNone) {
      if (!absl::StripAsciiWhitespace(lines[i]).empty() && !absl::StartsWith(absl::StripLeadingAsciiWhitespace(lines[i]), "--")) {
        return absl::InvalidArgumentError(absl::StrCat("line ", lineno, ": SQL before -- +goose Up"));
      }
      continue;
    }
    append(lines[i], lineno, in_block);
  }
  if (in_block) return absl::InvalidArgumentError("+goose StatementBegin without StatementEnd");
  if (!seen_up) return absl::InvalidArgumentError("no -- +goose Up annotation (goose format)");
  f.up = up.empty() ? std::vector<Segment>{Segment{"", 1, false}} : up;
  if (section == kDown || !down.empty()) f.down = down;
  return f;
}

namespace {

absl::Status ExpandSegments(std::vector<Segment>* segments, const std::string& path, const Env& env) {
  for (Segment& seg : *segments) {
    std::string out;
    const std::string& t = seg.text;
    size_t pos = 0;
    while (pos < t.size()) {
      size_t open = t.find("${", pos);
      if (open == std::string::npos) {
        out.append(t, pos, std::string::npos);
        break;
      }
      out.append(t, pos, open - pos);
      size_t end = t.find('}', open + 2);
      std::string name = end == std::string::npos ? "" : t.substr(open + 2, end - open - 2);
      bool valid = !name.empty() && (absl::ascii_isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_');
      for (char c : name) valid &= absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_';
      if (!valid) {  // not a placeholder (e.g. "${" inside a string): keep it
        out.append("${");
        pos = open + 2;
        continue;
      }
      const int line = seg.first_line + static_cast<int>(std::count(t.begin(), t.begin() + static_cast<long>(open), '\n'));
      auto value = GetSecret(env, name);
      if (!value.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": line ", line, ": ", value.status().message()));
      if (!value->has_value()) {
        return absl::InvalidArgumentError(absl::StrCat(path, ": line ", line, ": placeholder ${", name, "} but ", name, " is not set"));
      }
      out += **value;
      pos = end + 1;
    }
    seg.text = std::move(out);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ExpandPlaceholders(MigrationSet* set, const Env& env) {
  for (Migration& m : set->migrations) {
    NOSHELL_RETURN_IF_ERROR(ExpandSegments(&m.up, m.path, env));
    if (m.down.has_value()) NOSHELL_RETURN_IF_ERROR(ExpandSegments(&*m.down, m.path, env));
    m.up_sql = Join(m.up);  // what is sent; m.checksum stays that of the file
  }
  return absl::OkStatus();
}

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
    std::string path = (fs::path(dir) / file).string();
    if (fs::exists(path)) return absl::InvalidArgumentError(absl::StrCat("new: ", path, " already exists"));
    std::ofstream out(path, std::ios::binary);
    out << content;
    if (!out) return absl::InvalidArgumentError(absl::StrCat("new: cannot write ", path));
  }
  return (fs::path(dir) / files[0].first).string();
}

absl::StatusOr<MigrationSet> LoadMigrations(const std::string& dir, std::optional<MigrationFormat> forced) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return absl::NotFoundError(absl::StrCat("migrations folder ", dir, ": not a directory"));
  }
  std::vector<Candidate> files;
  for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return absl::InvalidArgumentError(absl::StrCat(dir, ": ", ec.message()));
    std::string name = it->path().filename().string();
    const std::string path = it->path().string();
    // Hidden entries are not migrations: .git, editor files, and the ..data / ..2024_... folders a
    // Kubernetes ConfigMap volume keeps beside the links to its files (which would read twice).
    if (absl::StartsWith(name, ".")) {
      if (it->is_directory(ec) && !it->is_symlink(ec)) it.disable_recursion_pending();
      continue;
    }
    NOSHELL_ASSIGN_OR_RETURN(bool is_candidate, IsMigrationCandidate(*it, name, path));
    if (!is_candidate) continue;
    // Only Flyway reads subfolders; other tools' files must sit in the folder itself.
    files.push_back({path, name, it.depth() > 0});
  }
  std::sort(files.begin(), files.end(), [](const Candidate& a, const Candidate& b) { return a.path < b.path; });

  // Classify each file by name (and content for {version}_{name}.sql).
  std::map<MigrationFormat, std::string> seen;  // format -> an example file
  std::map<std::string, std::string> contents;
  std::map<std::string, MigrationFormat> kind;
  for (const Candidate& c : files) {
    std::vector<std::string> m;
    std::optional<MigrationFormat> f;
    if (MatchGolang(c.name, &m)) {
      f = MigrationFormat::kGolangMigrate;
    } else if (MatchFlywayVersioned(c.name, &m) || MatchFlywayRepeatable(c.name, &m)) {
      f = MigrationFormat::kFlyway;
    } else if (MatchNumbered(c.name, &m)) {
      NOSHELL_ASSIGN_OR_RETURN(std::string content, ReadFile(c.path));
      bool goose = false, dbmate = false;
      for (absl::string_view line : Lines(content)) {
        goose |= IsMarker(line, "+goose", nullptr);
        dbmate |= IsMarker(line, "migrate:up", nullptr);
      }
      if (goose && dbmate) return FileError(c.path, "has both goose (-- +goose Up) and dbmate (-- migrate:up) markers");
      if (goose) f = MigrationFormat::kGoose;
      else if (dbmate) f = MigrationFormat::kDbmate;
      else if (forced == MigrationFormat::kGoose || forced == MigrationFormat::kDbmate) f = forced;
      else return FileError(c.path, "has neither a dbmate (-- migrate:up) nor a goose (-- +goose Up) marker");
      contents[c.path] = std::move(content);
    } else {
      return FileError(c.path, absl::StrCat("not a migration file name; want ", kNames));
    }
    if (f != MigrationFormat::kFlyway && c.in_subfolder) {
      return FileError(c.path, absl::StrCat(FormatName(*f), " reads no subfolders; move it into ", dir));
    }
    seen.emplace(*f, c.path);
    kind[c.path] = *f;
  }

  MigrationSet set;
  set.dir = dir;
  if (forced.has_value()) {
    set.format = *forced;
    for (const auto& [f, example] : seen) {
      if (f != *forced) return FileError(example, absl::StrCat("is a ", FormatName(f), " file, but --source-format=", FormatName(*forced)));
    }
  } else if (seen.size() > 1) {
    std::vector<std::string> parts;
    for (const auto& [f, example] : seen) parts.push_back(absl::StrCat(FormatName(f), " (", example, ")"));
    return absl::InvalidArgumentError(absl::StrCat(dir, ": mixes migration formats: ", absl::StrJoin(parts, ", "),
                                                   "; keep one, or choose with --source-format"));
  } else {
    set.format = seen.empty() ? MigrationFormat::kGolangMigrate : seen.begin()->first;
  }

  std::map<std::string, Migration, std::function<bool(const std::string&, const std::string&)>> versioned(
      [](const std::string& a, const std::string& b) { return CompareVersions(a, b) < 0; });
  std::map<std::string, Migration> repeatable;
  std::map<std::string, std::pair<std::string, std::string>> golang_down;  // version -> (path, sql)

  for (const Candidate& c : files) {
    std::vector<std::string> m;
    Migration mig;
    mig.path = c.path;
    if (set.format == MigrationFormat::kGolangMigrate) {
      MatchGolang(c.name, &m);
      NOSHELL_ASSIGN_OR_RETURN(std::string content, ReadFile(c.path));
      if (m[2] == "down") {
        if (golang_down.count(m[0])) return FileError(c.path, absl::StrCat("a second down file for version ", m[0], " (", golang_down[m[0]].first, ")"));
        golang_down[m[0]] = {c.path, content};
        continue;
      }
      mig.version = m[0];
      mig.description = Describe(m[1]);
      mig.up = Whole(content);
    } else if (set.format == MigrationFormat::kFlyway) {
      NOSHELL_ASSIGN_OR_RETURN(std::string content, ReadFile(c.path));
      if (MatchFlywayRepeatable(c.name, &m)) {
        mig.repeatable = true;
        mig.description = Describe(m[0]);
      } else {
        MatchFlywayVersioned(c.name, &m);
        if (m[0] == "U") {
          golang_down[absl::StrReplaceAll(m[1], {{"_", "."}})] = {c.path, content};
          continue;
        }
        mig.version = absl::StrReplaceAll(m[1], {{"_", "."}});
        mig.description = Describe(m[2]);
      }
      mig.up = Whole(content);
      // Flyway's per-script configuration: V1__x.sql.conf with executeInTransaction=false.
      std::ifstream conf(c.path + ".conf");
      for (std::string line; std::getline(conf, line);) {
        absl::string_view l = absl::StripAsciiWhitespace(line);
        if (absl::StartsWith(l, "#") || l.empty()) continue;
        std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(l, absl::MaxSplits('=', 1));
        if (absl::StripAsciiWhitespace(kv.first) == "executeInTransaction") {
          absl::string_view value = absl::StripAsciiWhitespace(kv.second);
          if (value == "false") {
            mig.tx_mode = TxMode::kNoTransaction;
            mig.tx_mode_declared = true;
          } else if (value != "true") {
            return FileError(c.path + ".conf", absl::StrCat("executeInTransaction=", value, ": want true or false"));
          }
        } else {
          return FileError(c.path + ".conf", absl::StrCat("unsupported setting \"", kv.first, "\""));
        }
      }
    } else {
      MatchNumbered(c.name, &m);
      absl::StatusOr<ParsedFile> parsed = set.format == MigrationFormat::kDbmate ? ParseDbmate(contents[c.path])
                                                                                 : ParseGoose(contents[c.path]);
      if (!parsed.ok()) return FileError(c.path, parsed.status().message());
      mig.version = m[0];
      mig.description = Describe(m[1]);
      mig.up = parsed->up;
      mig.down = parsed->down;
      if (parsed->no_transaction) {
        mig.tx_mode = TxMode::kNoTransaction;
        mig.tx_mode_declared = true;
      }
    }
    mig.up_sql = Join(mig.up);
    mig.checksum = Checksum(mig.up_sql);
    if (mig.repeatable) {
      if (repeatable.count(mig.description)) return FileError(c.path, absl::StrCat("a second repeatable \"", mig.description, "\" (", repeatable[mig.description].path, ")"));
      repeatable.emplace(mig.description, std::move(mig));
    } else {
      if (auto it = versioned.find(mig.version); it != versioned.end()) {
        return FileError(c.path, absl::StrCat("version ", mig.version, " is also used by ", it->second.path));
      }
      versioned.emplace(mig.version, std::move(mig));
    }
  }
  for (auto& [version, down] : golang_down) {
    auto it = versioned.find(version);
    if (it == versioned.end()) return FileError(down.first, absl::StrCat("no up migration for version ", version));
    it->second.down = Whole(down.second);
  }
  for (auto& [v, mig] : versioned) set.migrations.push_back(std::move(mig));
  for (auto& [d, mig] : repeatable) set.migrations.push_back(std::move(mig));
  return set;
}

}  // namespace noshell
