// Fuzzes what migrate reads from a migration file: the dbmate and goose parsers, statement
// splitting (libpg_query plus our COPY handling) and classification; and the same text as an init
// script of entrypoint --postgres (psql's \connect between statements). Checks: no crash, no hang
// (splitting is linear), and every statement's line lies within the file.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "entrypoint/init_scripts.h"
#include "migrate/formats.h"
#include "migrate/source.h"
#include "migrate/split.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string raw(reinterpret_cast<const char*>(data), size);
  if (raw.find('\0') != std::string::npos) return 0;  // refused when the file is read
  const std::string text = noshell::NormalizeSql(raw);
  const int lines = 1 + static_cast<int>(std::count(text.begin(), text.end(), '\n'));
  auto check = [&](const absl::StatusOr<std::vector<noshell::Statement>>& stmts) {
    if (!stmts.ok()) return;
    for (const noshell::Statement& s : *stmts) {
      if (s.line < 1 || s.line > lines) std::abort();
    }
  };
  check(noshell::SplitSql(text));
  for (auto parse : {&noshell::ParseDbmate, &noshell::ParseGoose}) {
    auto f = parse(text);
    if (!f.ok()) continue;
    check(noshell::SplitSegments(f->up));
    if (f->down.has_value()) check(noshell::SplitSegments(*f->down));
  }
  if (auto parts = noshell::SplitPsqlScript(text); parts.ok()) {
    for (const noshell::ScriptPart& p : *parts) {
      if (p.first_line < 1 || p.first_line > lines + 1) std::abort();
      check(noshell::SplitSql(p.sql, p.first_line));
    }
  }
  (void)noshell::Checksum(text);
  return 0;
}
