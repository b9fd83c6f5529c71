// migrate/source.cc — reading a folder: walk it, classify each file, build the migrations.
#include "migrate/source.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <utility>

#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/sha.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "common/errno_status.h"
#include "common/file.h"
#include "common/status_macros.h"
#include "common/text.h"
#include "migrate/formats.h"
#include "migrate/migration_name.h"

namespace noshell {
namespace fs = std::filesystem;
namespace {

absl::Status FileError(const std::string& path, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", why));
}

// A migration's text: a NUL byte would silently end it where libpq and the parser stop reading.
constexpr size_t kMaxMigrationBytes = size_t{1} << 30;
constexpr size_t kMaxConfBytes = 1 << 20;

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  auto data = ReadWholeFile(path, kMaxMigrationBytes, "");
  if (!data.ok()) return absl::InvalidArgumentError(data.status().message());
  if (size_t nul = data->find('\0'); nul != std::string::npos) {
    return FileError(path, absl::StrCat("NUL byte at line ", PositionOfByte(*data, nul).line,
                                        ": not a text file, or damaged (everything after it would be lost)"));
  }
  if (!absl::StartsWith(*data, "\xEF\xBB\xBF") && data->find('\r') == std::string::npos) return *std::move(data);
  return NormalizeSql(*data);
}


// Whether a folder entry is a migration file to read. Entries that look like migrations but
// cannot be read as one are refused rather than skipped: a ConfigMap with a broken link, or a
// file saved as .SQL, must not lose a migration without a word.
// What a folder entry is: the entry itself (a symlink?) and what it leads to.
struct EntryKind {
  bool symlink = false;
  bool directory = false;  // itself, or through the link
  bool regular = false;    // itself, or through the link
};

// `parsed`: what the name says (ParseMigrationName).
absl::StatusOr<bool> IsMigrationCandidate(const EntryKind& entry, absl::string_view name, const std::optional<MigrationName>& parsed,
                                          const std::string& path) {
  if (parsed.has_value() && parsed->kind == NameKind::kGooseGo) {
    return entry.regular || entry.symlink;  // goose's Go migrations: in the order, never run
  }
  if (!absl::EndsWithIgnoreCase(name, ".sql")) {
    for (absl::string_view copy : {".sql~", ".sql.bak", ".sql.orig", ".sql.rej", ".sql.swp", ".sql.tmp", ".sql.old"}) {
      if (absl::EndsWithIgnoreCase(name, copy)) {
        return FileError(path, "looks like an editor's or merge tool's copy of a migration; remove it from the folder");
      }
    }
    return false;
  }
  if (!absl::EndsWith(name, ".sql")) {
    return FileError(path, absl::StrCat("extension \"", name.substr(name.size() - 4), "\": rename it to .sql"));
  }
  if (entry.directory) {
    return FileError(path, "is a directory named like a migration file");
  }
  if (!entry.regular) {
    return FileError(path, entry.symlink ? "is a symlink to nothing (dangling)" : "is not a regular file");
  }
  if (!IsValidUtf8(name)) {
    return FileError(EscapeForTerminal(path), "file name is not valid UTF-8; rename it (it is recorded in the history table)");
  }
  return true;
}

// A migration file found in the folder.
struct Candidate {
  std::string path;
  std::string name;
  bool in_subfolder = false;
  std::optional<MigrationName> parsed;  // what the name says
  MigrationFormat format = MigrationFormat::kGolangMigrate;
  std::string content;  // read while classifying ({version}_{name}.sql), else while building
};

// Every migration file below `dir` (`depth` folders down), by readdir: a nothing-to-do run reads a
// folder of hundreds of files, and std::filesystem's iterator cost more than hashing them.
absl::Status WalkInto(const std::string& dir, int depth, std::vector<Candidate>* files) {
  std::unique_ptr<DIR, int (*)(DIR*)> d(opendir(dir.c_str()), &closedir);
  if (d == nullptr) return absl::InvalidArgumentError(ErrnoToStatus(errno, dir).message());
  for (;;) {
    errno = 0;
    const dirent* e = readdir(d.get());
    if (e == nullptr) {
      if (errno != 0) return absl::InvalidArgumentError(ErrnoToStatus(errno, dir).message());
      return absl::OkStatus();
    }
    // Hidden entries are not migrations: ., .., .git, editor files, and the ..data / ..2024_...
    // folders a Kubernetes ConfigMap volume keeps beside the links to its files (read twice).
    if (e->d_name[0] == '.') continue;
    std::string name = e->d_name;
    const std::string path = absl::EndsWith(dir, "/") ? dir + name : absl::StrCat(dir, "/", name);
    EntryKind kind;
    struct stat st;
    unsigned char type = e->d_type;
    if (type == DT_UNKNOWN) type = lstat(path.c_str(), &st) != 0 ? DT_UNKNOWN : S_ISLNK(st.st_mode) ? DT_LNK : S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
    kind.symlink = type == DT_LNK;
    if (kind.symlink) {
      if (stat(path.c_str(), &st) == 0) {  // a dangling one is neither
        kind.directory = S_ISDIR(st.st_mode);
        kind.regular = S_ISREG(st.st_mode);
      }
    } else {
      kind.directory = type == DT_DIR;
      kind.regular = type == DT_REG;
    }
    std::optional<MigrationName> parsed = ParseMigrationName(name);
    NOSHELL_ASSIGN_OR_RETURN(bool is_candidate, IsMigrationCandidate(kind, name, parsed, path));
    if (is_candidate) {
      Candidate c;
      c.parsed = std::move(parsed);
      c.path = path;
      c.name = std::move(name);
      c.in_subfolder = depth > 0;  // only Flyway reads subfolders
      files->push_back(std::move(c));
    } else if (kind.directory && !kind.symlink) {
      NOSHELL_RETURN_IF_ERROR(WalkInto(path, depth + 1, files));
    }
  }
}

// Step 1: every migration file of `dir`, in path order.
absl::StatusOr<std::vector<Candidate>> Walk(const std::string& dir) {
  struct stat st;
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::NotFoundError(absl::StrCat("migrations folder ", dir, ": not a directory"));
  }
  std::vector<Candidate> found;
  NOSHELL_RETURN_IF_ERROR(WalkInto(dir, 0, &found));
  // readdir's order is the file system's: sorted by path, through an index (a Candidate is costly to move).
  std::vector<size_t> order(found.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return found[a].path < found[b].path; });
  std::vector<Candidate> files;
  files.reserve(found.size());
  for (size_t i : order) files.push_back(std::move(found[i]));
  return files;
}

// Step 2: each file's format, from its name ({version}_{name}.sql files from their markers), and
// the folder's: `forced`, or the one format all files share.
absl::StatusOr<MigrationFormat> Classify(const std::string& dir, std::optional<MigrationFormat> forced, std::vector<Candidate>* files) {
  std::map<MigrationFormat, std::string> seen;  // format -> an example file
  for (Candidate& c : *files) {
    if (!c.parsed.has_value()) return FileError(c.path, absl::StrCat("not a migration file name; want ", kMigrationNamePatterns));
    switch (c.parsed->kind) {
      case NameKind::kGolangUp:
      case NameKind::kGolangDown:
        c.format = MigrationFormat::kGolangMigrate;
        break;
      case NameKind::kFlywayVersioned:
      case NameKind::kFlywayUndo:
      case NameKind::kFlywayRepeatable:
        c.format = MigrationFormat::kFlyway;
        break;
      case NameKind::kGooseGo:
        c.format = MigrationFormat::kGoose;
        break;
      case NameKind::kNumbered: {
        NOSHELL_ASSIGN_OR_RETURN(c.content, ReadFile(c.path));
        absl::StatusOr<std::optional<MigrationFormat>> detected = DetectNumberedFormat(c.content);
        if (!detected.ok()) return FileError(c.path, detected.status().message());
        if (detected->has_value()) c.format = **detected;
        else if (forced == MigrationFormat::kGoose || forced == MigrationFormat::kDbmate) c.format = *forced;
        else return FileError(c.path, "has neither a dbmate (-- migrate:up) nor a goose (-- +goose Up) marker");
        break;
      }
    }
    if (c.format != MigrationFormat::kFlyway && c.in_subfolder) {
      return FileError(c.path, absl::StrCat(FormatName(c.format), " reads no subfolders; move it into ", dir));
    }
    seen.emplace(c.format, c.path);
  }
  if (forced.has_value()) {
    for (const auto& [f, example] : seen) {
      if (f != *forced) return FileError(example, absl::StrCat("is a ", FormatName(f), " file, but --source-format=", FormatName(*forced)));
    }
    return *forced;
  }
  if (seen.size() > 1) {
    std::vector<std::string> parts;
    for (const auto& [f, example] : seen) parts.push_back(absl::StrCat(FormatName(f), " (", example, ")"));
    return absl::InvalidArgumentError(absl::StrCat(dir, ": mixes migration formats: ", absl::StrJoin(parts, ", "),
                                                   "; keep one, or choose with --source-format"));
  }
  return seen.empty() ? MigrationFormat::kGolangMigrate : seen.begin()->first;
}

// Flyway's per-script configuration: V1__x.sql.conf beside the file, if there is one.
absl::Status ApplyFlywayConf(const std::string& path, Migration* mig) {
  const std::string conf_path = path + ".conf";
  std::error_code ec;
  if (!fs::exists(conf_path, ec)) return absl::OkStatus();
  auto conf = ReadWholeFile(conf_path, kMaxConfBytes, "");
  if (!conf.ok()) return absl::InvalidArgumentError(conf.status().message());
  absl::StatusOr<std::optional<bool>> in_transaction = ParseFlywayConf(*conf);
  if (!in_transaction.ok()) return FileError(conf_path, in_transaction.status().message());
  if (in_transaction->has_value() && !**in_transaction) {
    mig->tx_mode = TxMode::kNoTransaction;
    mig->tx_mode_declared = true;
  }
  return absl::OkStatus();
}

// Step 3: one migration from a classified file. Down files (golang-migrate .down.sql, Flyway U)
// go to `downs` by version instead.
absl::StatusOr<std::optional<Migration>> BuildOne(Candidate& c, std::map<std::string, std::pair<std::string, std::string>>* downs) {
  Migration mig;
  const MigrationName& n = *c.parsed;  // Classify refused names that say nothing
  if (c.content.empty() && n.kind != NameKind::kGooseGo) {
    NOSHELL_ASSIGN_OR_RETURN(c.content, ReadFile(c.path));
  }
  switch (n.kind) {
    case NameKind::kGooseGo:  // never read: only goose can run it
      mig.version = n.version;
      mig.description = DescriptionFromTitle(n.title);
      mig.go = true;
      mig.down = std::vector<Segment>{};
      mig.path = std::move(c.path);
      return mig;
    case NameKind::kGolangDown:
    case NameKind::kFlywayUndo:
      if (auto it = downs->find(n.version); it != downs->end()) {
        return FileError(c.path, absl::StrCat("a second down file for version ", n.version, " (", it->second.first, ")"));
      }
      (*downs)[n.version] = {c.path, std::move(c.content)};
      return std::nullopt;
    case NameKind::kGolangUp:
    case NameKind::kFlywayVersioned:
    case NameKind::kFlywayRepeatable:
      mig.version = n.version;
      mig.repeatable = n.kind == NameKind::kFlywayRepeatable;
      if (c.format == MigrationFormat::kFlyway) {
        NOSHELL_RETURN_IF_ERROR(ApplyFlywayConf(c.path, &mig));
        mig.flyway_checksum = FlywayChecksum(c.content);  // of the file as written (placeholders come later)
      }
      mig.up.push_back(Segment{std::move(c.content), 1, false});
      break;
    case NameKind::kNumbered: {
      absl::StatusOr<ParsedFile> parsed = c.format == MigrationFormat::kDbmate ? ParseDbmate(c.content) : ParseGoose(c.content);
      if (!parsed.ok()) return FileError(c.path, parsed.status().message());
      mig.version = n.version;
      mig.up = std::move(parsed->up);
      mig.down = std::move(parsed->down);
      if (parsed->no_transaction) {
        mig.tx_mode = TxMode::kNoTransaction;
        mig.tx_mode_declared = true;
      }
      break;
    }
  }
  mig.description = DescriptionFromTitle(n.title);
  mig.checksum = Checksum(mig.up);
  mig.path = std::move(c.path);
  return mig;
}

}  // namespace

std::string NormalizeSql(absl::string_view content) {
  if (absl::StartsWith(content, "\xEF\xBB\xBF")) content.remove_prefix(3);
  return absl::StrReplaceAll(content, {{"\r\n", "\n"}});
}

namespace {

std::string HexSha256(const std::vector<absl::string_view>& parts) {
  // The low-level digest: OpenSSL 3's one-shot SHA256() fetches the algorithm from its provider
  // on every call, which cost more than hashing a folder of migrations.
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  for (absl::string_view p : parts) SHA256_Update(&ctx, p.data(), p.size());
  SHA256_Final(digest, &ctx);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(2 * sizeof digest, '\0');
  for (size_t i = 0; i < sizeof digest; ++i) {
    hex[2 * i] = kHex[digest[i] >> 4];
    hex[2 * i + 1] = kHex[digest[i] & 0xF];
  }
  return hex;
}

bool IsNormal(absl::string_view text) {
  return !absl::StartsWith(text, "\xEF\xBB\xBF") && text.find('\r') == absl::string_view::npos;
}

}  // namespace

std::string Checksum(absl::string_view text) {
  if (IsNormal(text)) return HexSha256({text});  // the files are, once read: hashed without a copy
  return HexSha256({NormalizeSql(text)});
}

std::string Checksum(const std::vector<Segment>& segments) {
  // The checksum of their join, without joining them when it is already normal.
  std::vector<absl::string_view> parts;
  parts.reserve(segments.size());
  bool normal = true;
  for (const Segment& s : segments) {
    normal &= parts.empty() ? IsNormal(s.text) : s.text.find('\r') == std::string::npos;
    if (!s.text.empty()) parts.push_back(s.text);
  }
  return normal ? HexSha256(parts) : Checksum(JoinSegments(segments));
}

absl::StatusOr<MigrationSet> LoadMigrations(const std::string& dir, std::optional<MigrationFormat> forced) {
  NOSHELL_ASSIGN_OR_RETURN(std::vector<Candidate> files, Walk(dir));
  MigrationSet set;
  set.dir = dir;
  NOSHELL_ASSIGN_OR_RETURN(set.format, Classify(dir, forced, &files));
  std::vector<Migration> versioned;  // sorted by version below
  versioned.reserve(files.size());
  std::map<std::string, Migration> repeatable;
  std::map<std::string, std::pair<std::string, std::string>> down_files;  // version -> (path, sql)
  for (Candidate& c : files) {
    NOSHELL_ASSIGN_OR_RETURN(std::optional<Migration> mig, BuildOne(c, &down_files));
    c.content.clear();
    if (!mig.has_value()) continue;
    if (mig->repeatable) {
      if (auto it = repeatable.find(mig->description); it != repeatable.end()) {
        return FileError(mig->path, absl::StrCat("a second repeatable \"", mig->description, "\" (", it->second.path, ")"));
      }
      repeatable.emplace(mig->description, *std::move(mig));
    } else {
      versioned.push_back(*std::move(mig));
    }
  }
  // Sorted once (std::map with a version comparator cost more than the rest of a nothing-to-do run),
  // and only when the names' order is not already the versions' (it is, for most folders).
  // One pass finds them in strictly increasing order (no two alike); only otherwise are they sorted
  // and searched for a version used twice.
  auto not_before = [](const Migration& a, const Migration& b) { return CompareVersions(a.version, b.version) >= 0; };
  if (std::adjacent_find(versioned.begin(), versioned.end(), not_before) != versioned.end()) {
    std::sort(versioned.begin(), versioned.end(),
              [](const Migration& a, const Migration& b) { return CompareVersions(a.version, b.version) < 0; });
    for (size_t i = 1; i < versioned.size(); ++i) {
      if (CompareVersions(versioned[i - 1].version, versioned[i].version) == 0) {
        const auto [first, second] = std::minmax(versioned[i - 1].path, versioned[i].path);
        return FileError(second, absl::StrCat("version ", versioned[i].version, " is also used by ", first));
      }
    }
  }
  auto find_version = [&](const std::string& version) -> Migration* {
    auto it = std::lower_bound(versioned.begin(), versioned.end(), version,
                               [](const Migration& m, const std::string& v) { return CompareVersions(m.version, v) < 0; });
    return it != versioned.end() && CompareVersions(it->version, version) == 0 ? &*it : nullptr;
  };
  for (auto& [version, down] : down_files) {
    Migration* up = find_version(version);
    if (up == nullptr) return FileError(down.first, absl::StrCat("no up migration for version ", version));
    up->down = std::vector<Segment>{Segment{std::move(down.second), 1, false}};
  }
  set.migrations = std::move(versioned);
  for (auto& [d, mig] : repeatable) set.migrations.push_back(std::move(mig));
  return set;
}

}  // namespace noshell
