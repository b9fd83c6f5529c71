// migrate/formats.cc — see formats.h.
#include "migrate/formats.h"

#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace noshell {
namespace {

size_t LeadingSpace(absl::string_view s) {
  size_t i = 0;  // by hand: StripLeadingAsciiWhitespace calls through a function pointer per byte
  while (i < s.size() && absl::ascii_isspace(static_cast<unsigned char>(s[i]))) ++i;
  return i;
}

bool IsMarker(absl::string_view line, absl::string_view marker, absl::string_view* rest) {
  // Most lines are SQL: refused at their first non-blank byte.
  absl::string_view t = line.substr(LeadingSpace(line));
  if (!absl::ConsumePrefix(&t, "--")) return false;
  t.remove_prefix(LeadingSpace(t));
  if (t.size() < marker.size() || !absl::EqualsIgnoreCase(t.substr(0, marker.size()), marker)) return false;
  absl::string_view after = t.substr(marker.size());
  if (!after.empty() && !absl::ascii_isspace(static_cast<unsigned char>(after[0]))) return false;
  if (rest != nullptr) *rest = absl::StripAsciiWhitespace(after);
  return true;
}

// The next line of `*rest`, with its '\n' (segments reproduce the file exactly); consumed.
absl::string_view NextLine(absl::string_view* rest) {
  const size_t eol = rest->find('\n');
  const size_t end = eol == absl::string_view::npos ? rest->size() : eol + 1;
  absl::string_view line = rest->substr(0, end);
  rest->remove_prefix(end);
  return line;
}

}  // namespace

absl::StatusOr<ParsedFile> ParseDbmate(absl::string_view content) {
  // Each section is one run of lines: kept as offsets, copied once at the end.
  ParsedFile f;
  enum { kNone, kUp, kDown } section = kNone;
  size_t up_begin = 0, up_end = 0, down_begin = 0, down_end = 0;
  int up_line = 0, down_line = 0;
  bool seen_up = false, seen_down = false;
  absl::string_view rest = content;
  for (int lineno = 1; !rest.empty(); ++lineno) {
    const size_t at = content.size() - rest.size();
    const absl::string_view line = NextLine(&rest);
    const size_t end = at + line.size();
    absl::string_view opts;
    if (IsMarker(line, "migrate:up", &opts)) {
      if (seen_up) return absl::InvalidArgumentError(absl::StrCat("line ", lineno, ": a second -- migrate:up"));
      seen_up = true;
      section = kUp;
      up_line = lineno + 1;
      up_begin = up_end = end;
      for (absl::string_view opt : absl::StrSplit(opts, ' ', absl::SkipEmpty())) {
        if (opt == "transaction:false") f.no_transaction = true;
        else if (opt != "transaction:true") {
          return absl::InvalidArgumentError(absl::StrCat("line ", lineno, ": unknown dbmate option \"", opt, "\""));
        }
      }
      continue;
    }
    if (IsMarker(line, "migrate:down", &opts)) {
      if (seen_down) return absl::InvalidArgumentError(absl::StrCat("line ", lineno, ": a second -- migrate:down"));
      seen_down = true;
      section = kDown;
      down_line = lineno + 1;
      down_begin = down_end = end;
      continue;
    }
    if (section == kUp) up_end = end;
    if (section == kDown) down_end = end;
    if (section == kNone && !absl::StripAsciiWhitespace(line).empty() &&
        !absl::StartsWith(absl::StripLeadingAsciiWhitespace(line), "--")) {
      return absl::InvalidArgumentError(absl::StrCat("line ", lineno, ": SQL before -- migrate:up"));
    }
  }
  if (!seen_up) return absl::InvalidArgumentError("no -- migrate:up section (dbmate format)");
  f.up.push_back(Segment{std::string(content.substr(up_begin, up_end - up_begin)), up_line, false});
  if (seen_down) {
    f.down.emplace().push_back(Segment{std::string(content.substr(down_begin, down_end - down_begin)), down_line, false});
  }
  return f;
}

absl::StatusOr<ParsedFile> ParseGoose(absl::string_view content) {
  ParsedFile f;
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
  absl::string_view remaining = content;
  for (int lineno = 1; !remaining.empty(); ++lineno) {
    const absl::string_view line = NextLine(&remaining);
    absl::string_view rest;
    if (IsMarker(line, "+goose", &rest)) {
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
      if (!absl::StripAsciiWhitespace(line).empty() && !absl::StartsWith(absl::StripLeadingAsciiWhitespace(line), "--")) {
        return absl::InvalidArgumentError(absl::StrCat("line ", lineno, ": SQL before -- +goose Up"));
      }
      continue;
    }
    append(line, lineno, in_block);
  }
  if (in_block) return absl::InvalidArgumentError("+goose StatementBegin without StatementEnd");
  if (!seen_up) return absl::InvalidArgumentError("no -- +goose Up annotation (goose format)");
  f.up = up.empty() ? std::vector<Segment>{Segment{"", 1, false}} : std::move(up);
  // A file without "-- +goose Down" has an empty down for goose: rolling back through it only
  // removes its version from the history.
  f.down = std::move(down);
  return f;
}

absl::StatusOr<std::optional<MigrationFormat>> DetectNumberedFormat(absl::string_view content) {
  bool goose = false, dbmate = false;
  for (absl::string_view rest = content; !rest.empty();) {
    const absl::string_view line = NextLine(&rest);
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
