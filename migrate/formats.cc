// migrate/formats.cc — see formats.h.
#include "migrate/formats.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace noshell {
namespace {

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

}  // namespace

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
  // A file without "-- +goose Down" has an empty down for goose: rolling back through it only
  // removes its version from the history.
  f.down = down;
  return f;
}

absl::StatusOr<std::optional<MigrationFormat>> DetectNumberedFormat(absl::string_view content) {
  bool goose = false, dbmate = false;
  for (absl::string_view line : Lines(content)) {
    goose |= IsMarker(line, "+goose", nullptr);
    dbmate |= IsMarker(line, "migrate:up", nullptr);
  }
  if (goose && dbmate) return absl::InvalidArgumentError("has both goose (-- +goose Up) and dbmate (-- migrate:up) markers");
  if (goose) return MigrationFormat::kGoose;
  if (dbmate) return MigrationFormat::kDbmate;
  return std::nullopt;
}

absl::StatusOr<std::optional<bool>> ParseFlywayConf(absl::string_view content) {
  std::optional<bool> in_transaction;
  for (absl::string_view line : absl::StrSplit(content, '\n')) {
    absl::string_view l = absl::StripAsciiWhitespace(line);
    if (absl::StartsWith(l, "#") || l.empty()) continue;
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(l, absl::MaxSplits('=', 1));
    if (absl::StripAsciiWhitespace(kv.first) != "executeInTransaction") {
      return absl::InvalidArgumentError(absl::StrCat("unsupported setting \"", kv.first, "\""));
    }
    absl::string_view value = absl::StripAsciiWhitespace(kv.second);
    if (value != "true" && value != "false") {
      return absl::InvalidArgumentError(absl::StrCat("executeInTransaction=", value, ": want true or false"));
    }
    in_transaction = value == "true";
  }
  return in_transaction;
}

int32_t FlywayChecksum(absl::string_view content) {
  // The CRC-32 of the lines' bytes one after the other is the CRC-32 of the content without its
  // line terminators: Java's readLine() ends a line at \n, \r or \r\n and drops them.
  static const auto* const table = [] {
    auto* t = new uint32_t[256];
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  absl::ConsumePrefix(&content, "\xEF\xBB\xBF");  // Flyway's BomFilter, on the first line only
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char b : content) {
    if (b == '\n' || b == '\r') continue;
    crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
  }
  return static_cast<int32_t>(crc ^ 0xFFFFFFFFu);
}

}  // namespace noshell
