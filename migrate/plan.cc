// migrate/plan.cc — see plan.h.
#include "migrate/plan.h"

#include <map>
#include <unordered_map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace noshell {
namespace {

bool StartsWord(absl::string_view sql, absl::string_view word) {
  return absl::StartsWith(absl::AsciiStrToUpper(absl::StripLeadingAsciiWhitespace(sql)), word);
}

bool Unfinished(EntryState s) { return s == EntryState::kFailed || s == EntryState::kRunning; }

// The state a history row's status gives: "failed" and "running" say so; "applied" is `applied`.
EntryState FromRowStatus(const HistoryRow& row, EntryState applied) {
  if (row.status == "failed") return EntryState::kFailed;
  if (row.status == "running") return EntryState::kRunning;
  return applied;
}

}  // namespace

absl::string_view StateName(EntryState state) {
  switch (state) {
    case EntryState::kApplied: return "applied";
    case EntryState::kPending: return "pending";
    case EntryState::kChanged: return "changed";
    case EntryState::kMissing: return "missing";
    case EntryState::kFailed: return "failed";
    case EntryState::kRunning: return "running";
  }
  return "?";
}

std::vector<Entry> Reconcile(const MigrationSet& set, const std::vector<HistoryRow>& history) {
  std::unordered_map<std::string, const HistoryRow*> by_version;  // by CanonicalVersion
  std::map<std::string, const HistoryRow*> repeatable_latest;
  by_version.reserve(history.size());
  std::vector<std::string> order;  // history versions in order, for the "missing" ones
  for (const HistoryRow& r : history) {
    if (r.type == "repeatable") {
      repeatable_latest[r.description] = &r;  // ordered by id: the last wins
    } else {
      std::string key = CanonicalVersion(r.version);
      if (by_version.emplace(key, &r).second) order.push_back(key);
      else by_version[key] = &r;
    }
  }
  std::vector<Entry> out;
  out.reserve(set.migrations.size());
  for (const Migration& m : set.migrations) {
    Entry e;
    e.file = &m;
    if (m.repeatable) {
      auto it = repeatable_latest.find(m.description);
      e.row = it == repeatable_latest.end() ? nullptr : it->second;
      e.state = e.row == nullptr || e.row->checksum != m.checksum ? EntryState::kPending : EntryState::kApplied;
      if (e.row != nullptr) repeatable_latest.erase(it);
    } else {
      auto it = by_version.find(CanonicalVersion(m.version));
      e.row = it == by_version.end() ? nullptr : it->second;
      if (it != by_version.end()) by_version.erase(it);
      if (e.row == nullptr) e.state = EntryState::kPending;
      else e.state = FromRowStatus(*e.row, !e.row->checksum.empty() && e.row->checksum != m.checksum ? EntryState::kChanged
                                                                                                  : EntryState::kApplied);
    }
    out.push_back(e);
  }
  for (const std::string& key : order) {
    auto it = by_version.find(key);
    if (it == by_version.end()) continue;
    Entry e;
    e.row = it->second;
    e.state = FromRowStatus(*e.row, EntryState::kMissing);
    out.push_back(e);
  }
  return out;
}

bool WithinTarget(const Migration& m, absl::string_view target_version) {
  return target_version.empty() || m.repeatable || CompareVersions(m.version, target_version) <= 0;
}

std::vector<const Migration*> PendingUpTo(const std::vector<Entry>& entries, absl::string_view target_version) {
  std::vector<const Migration*> out;
  for (const Entry& e : entries) {
    if (e.file != nullptr && e.state == EntryState::kPending && WithinTarget(*e.file, target_version)) out.push_back(e.file);
  }
  return out;
}

absl::Status CheckUpMayRun(const std::vector<Entry>& entries) {
  std::vector<std::string> changed;
  for (const Entry& e : entries) {
    if (Unfinished(e.state)) {
      const bool running = e.state == EntryState::kRunning;
      return absl::AbortedError(absl::StrCat(
          "migration ", e.row->version, " ", e.row->description, " is ", running ? "interrupted" : "failed", " after ",
          e.row->statements_done, " of ", e.row->statements_total, " statements", running ? InFlightNote(*e.row) : "",
          e.row->error.empty() ? "" : absl::StrCat(": ", e.row->error),
          "; nothing more runs until an operator fixes the database and runs `migrate repair`"));
    }
    if (e.state == EntryState::kChanged) changed.push_back(absl::StrCat(e.file->path, " (version ", e.file->version, ")"));
  }
  if (!changed.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("applied migrations changed since they ran: ", absl::StrJoin(changed, ", ")));
  }
  return absl::OkStatus();
}

std::string GoMigrationNote(const Migration& m) {
  return absl::StrCat("a Go migration: only goose can run it; run it with goose (goose up-to ", m.version,
                      "), then record it with `migrate repair ", m.version, " applied`");
}

absl::Status CheckNoGoMigrations(const std::vector<const Migration*>& pending) {
  std::vector<std::string> go;
  for (const Migration* m : pending) {
    if (m->go) go.push_back(absl::StrCat(m->path, " (version ", m->version, ")"));
  }
  if (go.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      go.size(), " pending migration", go.size() == 1 ? " is" : "s are", " written in Go: ", absl::StrJoin(go, ", "),
      "; migrate runs SQL only. Run ", go.size() == 1 ? "it" : "them", " with goose (goose up-to VERSION), then record ",
      go.size() == 1 ? "it" : "each", " with `migrate repair VERSION applied`; `migrate up VERSION` applies what comes before. "
      "Nothing was applied"));
}

absl::StatusOr<std::vector<const Migration*>> ToRevert(const std::vector<Entry>& entries, int steps) {
  std::vector<const Migration*> applied;
  for (const Entry& e : entries) {
    if (Unfinished(e.state)) {
      return absl::AbortedError(
          absl::StrCat("migration ", e.row->version, " is ", StateName(e.state), "; run `migrate repair` first"));
    }
    if (e.file != nullptr && !e.file->repeatable && (e.state == EntryState::kApplied || e.state == EntryState::kChanged)) {
      applied.push_back(e.file);
    }
  }
  std::vector<const Migration*> out;
  for (int i = 0; i < steps && !applied.empty(); ++i) {
    out.push_back(applied.back());
    applied.pop_back();
  }
  return out;
}

std::vector<std::string> Drift(const std::vector<Entry>& entries) {
  std::vector<std::string> out;
  for (const Entry& e : entries) {
    if (e.state == EntryState::kChanged) out.push_back(absl::StrCat("changed: ", e.file->path));
    if (e.state == EntryState::kMissing) out.push_back(absl::StrCat("missing: version ", e.row->version, " has no file"));
    if (Unfinished(e.state)) out.push_back(absl::StrCat(StateName(e.state), ": version ", e.row->version));
  }
  return out;
}

std::string InFlightNote(const HistoryRow& row) {
  if (row.statements_done >= row.statements_total) return "";
  return absl::StrCat(" (statement ", row.statements_done + 1, " was in progress when it stopped and may have completed)");
}

std::string Label(const Migration& m) {
  return m.repeatable ? absl::StrCat("R ", m.description) : absl::StrCat(m.version, " ", m.description);
}

absl::StatusOr<Prepared> Prepare(const Migration& m, Direction direction) {
  const bool down = direction == Direction::kDown;
  const std::vector<Segment>& segments = down ? *m.down : m.up;
  Prepared p;
  p.whole_sql = JoinSegments(segments);
  p.first_line = segments.empty() ? 1 : segments[0].first_line;
  absl::StatusOr<std::vector<Statement>> split = SplitSegments(segments);
  // What can never run (COPY data without its end, COPY TO stdout) is refused whatever the mode;
  // a statement our parser does not know may still be one a newer server does.
  if (!split.ok() && (m.tx_mode == TxMode::kNoTransaction || !absl::IsInvalidArgument(split.status()))) {
    return absl::InvalidArgumentError(absl::StrCat(m.path, ": ", split.status().message()));
  }
  p.split_ok = split.ok();
  if (!split.ok()) p.split_error = std::string(split.status().message());
  p.stmts = split.ok() ? *std::move(split) : std::vector<Statement>{};
  std::vector<Statement>& stmts = p.stmts;
  p.mode = m.tx_mode;
  p.why_no_tx = m.tx_mode_declared ? "declared by the file" : "";
  for (const Statement& s : stmts) {
    if (!s.no_transaction.empty() && p.mode == TxMode::kTransaction) {
      p.mode = TxMode::kNoTransaction;
      p.why_no_tx = absl::StrCat(s.no_transaction, " at line ", s.line);
    }
  }
  if (p.mode == TxMode::kTransaction && p.split_ok) {
    // A file that wraps itself in BEGIN ... COMMIT gets our transaction instead.
    if (stmts.size() >= 2 && stmts.front().transaction_control && stmts.back().transaction_control &&
        (StartsWord(stmts.front().sql, "BEGIN") || StartsWord(stmts.front().sql, "START")) &&
        (StartsWord(stmts.back().sql, "COMMIT") || StartsWord(stmts.back().sql, "END"))) {
      stmts.erase(stmts.begin());
      stmts.pop_back();
      p.whole = false;
    }
    for (const Statement& s : stmts) {
      if (s.transaction_control) {
        return absl::InvalidArgumentError(absl::StrCat(
            m.path, ": line ", s.line, ": \"", s.sql.substr(0, 40),
            "\" manages transactions inside a migration that runs in one; remove it, or mark the file non-transactional"));
      }
      if (s.copy_data.has_value()) p.whole = false;
    }
  }
  return p;
}

std::string DescribeMode(const Prepared& p) {
  std::string out = p.mode == TxMode::kNoTransaction ? absl::StrCat("no transaction (", p.why_no_tx, ")") : "transaction";
  if (!p.split_ok) return absl::StrCat(out, "; sent whole (", p.split_error, ")");
  return absl::StrCat(out, ", ", p.stmts.size(), " statements");
}

}  // namespace noshell
