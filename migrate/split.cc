// migrate/split.cc — statement splitting and classification with libpg_query.
#include "migrate/split.h"

#include <algorithm>

#include <pg_query.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "common/text.h"

namespace noshell {
namespace {

int CountLines(absl::string_view text) { return static_cast<int>(std::count(text.begin(), text.end(), '\n')); }

struct RawSplit {
  std::vector<std::pair<size_t, size_t>> stmts;  // (offset, length) within the input
  bool ok = true;
  size_t error_offset = 0;  // where the parser gave up, when !ok
  std::string error;        // "line L, column C: message", when !ok
};

// Splits the NUL-terminated `text` (which starts at file line `first_line`) with the server's
// parser. `len` is strlen(text), known to the caller.
RawSplit ParserSplit(const char* text, size_t len, int first_line) {
  PgQuerySplitResult r = pg_query_split_with_parser(text);
  RawSplit out;
  if (r.error != nullptr) {
    // cursorpos is 1-based; 0 means "no position".
    out.ok = false;
    out.error_offset = r.error->cursorpos > 0 ? std::min(static_cast<size_t>(r.error->cursorpos - 1), len) : len;
    const TextPosition at = PositionOfByte(absl::string_view(text, len), out.error_offset);
    out.error = absl::StrCat("line ", at.line + first_line - 1, ", column ", at.column, ": ", r.error->message);
  } else {
    for (int i = 0; i < r.n_stmts; ++i) {
      out.stmts.emplace_back(static_cast<size_t>(r.stmts[i]->stmt_location), static_cast<size_t>(r.stmts[i]->stmt_len));
    }
  }
  pg_query_free_split_result(r);
  return out;
}

// The statement text at (offset, len); len 0 means "to the end".
absl::string_view Slice(absl::string_view text, std::pair<size_t, size_t> s) {
  absl::string_view t = s.second == 0 ? text.substr(s.first) : text.substr(s.first, s.second);
  return absl::StripAsciiWhitespace(t);
}

// Appends statement `s` of `text` to `out`; `lines` numbers `text`'s offsets.
absl::Status Append(absl::string_view text, std::pair<size_t, size_t> s, LineCounter* lines, std::vector<Statement>* out,
                    bool* is_copy_in) {
  absl::string_view body = Slice(text, s);
  // Skip leading whitespace (the parser's location includes it) to find the real first line.
  size_t lead = s.first;
  while (lead < text.size() && absl::ascii_isspace(static_cast<unsigned char>(text[lead]))) ++lead;
  Statement st;
  st.sql = std::string(absl::StripSuffix(body, ";"));
  st.line = lines->LineAt(lead);
  auto kind = ClassifyStatement(st.sql);
  if (!kind.ok()) return absl::FailedPreconditionError(absl::StrCat("line ", st.line, ": ", kind.status().message()));
  st.no_transaction = kind->no_transaction;
  st.transaction_control = kind->transaction_control;
  *is_copy_in = kind->copy_from_stdin;
  out->push_back(std::move(st));
  return absl::OkStatus();
}

// Reads COPY data starting at `pos` (the start of a line, on file line `start_line`) up to a line
// "\."; returns the offset just past that line.
absl::StatusOr<size_t> ReadCopyData(absl::string_view text, size_t pos, int start_line, std::string* data) {
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    absl::string_view line = text.substr(pos, eol == absl::string_view::npos ? absl::string_view::npos : eol - pos);
    size_t next = eol == absl::string_view::npos ? text.size() : eol + 1;
    if (absl::StripTrailingAsciiWhitespace(line) == "\\.") return next;
    absl::StrAppend(data, line, "\n");
    pos = next;
  }
  return absl::FailedPreconditionError(
      absl::StrCat("line ", start_line, ": COPY FROM stdin data is not ended by a line \"\\.\""));
}

}  // namespace

absl::StatusOr<StatementKind> ClassifyStatement(absl::string_view sql) {
  // The splitter has already isolated one statement with the server's parser; what kind it is
  // shows in its leading keywords, so a small token reader suffices here (and keeps libpg_query's
  // JSON and protobuf output code, ~0.7 MB, out of the binary).
  std::vector<std::string> words;  // upper-cased words at parenthesis depth 0, "(" for a group
  size_t i = 0;
  int depth = 0;
  while (i < sql.size() && words.size() < 64) {
    char c = sql[i];
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      while (i < sql.size() && sql[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      int nest = 1;
      i += 2;
      while (i < sql.size() && nest > 0) {
        if (sql.compare(i, 2, "/*") == 0) { ++nest; i += 2; }
        else if (sql.compare(i, 2, "*/") == 0) { --nest; i += 2; }
        else ++i;
      }
    } else if (c == '\'' || c == '"') {
      const bool escapes = c == '\'' && i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e');
      ++i;
      while (i < sql.size()) {
        if (escapes && sql[i] == '\\') { i += 2; continue; }
        if (sql[i] == c) {
          if (i + 1 < sql.size() && sql[i + 1] == c) { i += 2; continue; }
          break;
        }
        ++i;
      }
      ++i;
      if (depth == 0) words.push_back(c == '"' ? "\"" : "'");
    } else if (c == '$' && (i + 1 < sql.size()) && (sql[i + 1] == '$' || absl::ascii_isalpha(static_cast<unsigned char>(sql[i + 1])) || sql[i + 1] == '_')) {
      size_t close = sql.find('$', i + 1);
      if (close == absl::string_view::npos) break;
      absl::string_view tag = sql.substr(i, close - i + 1);
      size_t end = sql.find(tag, close + 1);
      i = end == absl::string_view::npos ? sql.size() : end + tag.size();
      if (depth == 0) words.push_back("$");
    } else if (c == '(') {
      if (depth == 0) words.push_back("(");
      ++depth;
      ++i;
    } else if (c == ')') {
      depth = std::max(0, depth - 1);
      ++i;
    } else if (absl::ascii_isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t start = i;
      while (i < sql.size() && (absl::ascii_isalnum(static_cast<unsigned char>(sql[i])) || sql[i] == '_' || sql[i] == '$')) ++i;
      std::string w = absl::AsciiStrToUpper(sql.substr(start, i - start));
      // REINDEX (CONCURRENTLY) puts the option in parentheses.
      if (depth == 0 || (w == "CONCURRENTLY" && !words.empty() && words[0] == "REINDEX")) words.push_back(w);
    } else {
      ++i;
    }
  }
  auto at = [&](size_t k) -> const std::string& {
    static const std::string kNone;
    return k < words.size() ? words[k] : kNone;
  };
  auto has = [&](const std::string& w) { return std::find(words.begin(), words.end(), w) != words.end(); };
  StatementKind k;
  const std::string& w0 = at(0);
  if (w0 == "CREATE") {
    size_t n = at(1) == "UNIQUE" ? 2 : 1;
    if (at(n) == "INDEX" && at(n + 1) == "CONCURRENTLY") k.no_transaction = "CREATE INDEX CONCURRENTLY";
    else if (at(1) == "DATABASE") k.no_transaction = "CREATE DATABASE";
    else if (at(1) == "TABLESPACE") k.no_transaction = "CREATE TABLESPACE";
    else if (at(1) == "SUBSCRIPTION") k.no_transaction = "CREATE SUBSCRIPTION";
  } else if (w0 == "DROP") {
    if (at(1) == "INDEX" && at(2) == "CONCURRENTLY") k.no_transaction = "DROP INDEX CONCURRENTLY";
    else if (at(1) == "DATABASE") k.no_transaction = "DROP DATABASE";
    else if (at(1) == "TABLESPACE") k.no_transaction = "DROP TABLESPACE";
    else if (at(1) == "SUBSCRIPTION") k.no_transaction = "DROP SUBSCRIPTION";
  } else if (w0 == "REINDEX" && has("CONCURRENTLY")) {
    k.no_transaction = "REINDEX CONCURRENTLY";
  } else if (w0 == "VACUUM") {
    k.no_transaction = "VACUUM";
  } else if (w0 == "ALTER" && at(1) == "SYSTEM") {
    k.no_transaction = "ALTER SYSTEM";
  } else if (w0 == "BEGIN" || w0 == "COMMIT" || w0 == "END" || w0 == "ROLLBACK" || w0 == "ABORT" ||
             w0 == "SAVEPOINT" || w0 == "RELEASE" || (w0 == "START" && at(1) == "TRANSACTION") ||
             (w0 == "PREPARE" && at(1) == "TRANSACTION")) {
    k.transaction_control = true;
  } else if (w0 == "COPY") {
    for (size_t n = 1; n + 1 < words.size(); ++n) {
      if (words[n] == "FROM" && words[n + 1] == "STDIN") {
        k.copy_from_stdin = true;
        break;
      }
      if (words[n] == "TO" && words[n + 1] == "STDOUT") {
        return absl::InvalidArgumentError("COPY ... TO stdout has nowhere to send its rows in a migration");
      }
      if (words[n] == "FROM" || words[n] == "TO") break;
    }
  }
  return k;
}

absl::StatusOr<std::vector<Statement>> SplitSql(absl::string_view sql, int first_line) {
  // One NUL-terminated copy for the parser; each pass parses from an offset into it. The parser
  // stops at the first error, so a file with COPY data is parsed about twice over in all.
  const std::string buf(sql);
  std::vector<Statement> out;
  size_t pos = 0;
  LineCounter file_lines(sql, first_line);
  while (pos < sql.size()) {
    absl::string_view rest = absl::string_view(buf).substr(pos);
    if (absl::StripAsciiWhitespace(rest).empty()) break;
    const int rest_line = file_lines.LineAt(pos);
    LineCounter lines(rest, rest_line);
    RawSplit whole = ParserSplit(buf.c_str() + pos, rest.size(), rest_line);

    // Where does COPY ... FROM stdin end its statement? Either among the statements of a clean
    // split, or, when its inline data made the split fail, in a prefix of `rest` that ends on a
    // line ending in ';' before the error and splits cleanly: searched backwards from the error,
    // so the nearest such line (normally the COPY's own) is tried first.
    size_t copy_end = absl::string_view::npos;  // offset in `rest` just past the COPY's line
    bool is_copy = false;
    if (whole.ok) {
      for (auto s : whole.stmts) {
        NOSHELL_RETURN_IF_ERROR(Append(rest, s, &lines, &out, &is_copy));
        if (is_copy) {
          size_t stmt_end = s.second == 0 ? rest.size() : s.first + s.second;
          size_t eol = rest.find('\n', stmt_end);
          copy_end = eol == absl::string_view::npos ? rest.size() : eol + 1;
          break;
        }
      }
    } else {
      size_t search_end = rest.find('\n', whole.error_offset);
      if (search_end == absl::string_view::npos) search_end = rest.size();
      for (;;) {
        // The last line ending in ';' that ends at or before search_end.
        absl::string_view head = absl::StripTrailingAsciiWhitespace(rest.substr(0, search_end));
        size_t semi = head.rfind(';');
        if (semi == absl::string_view::npos) return absl::InvalidArgumentError(whole.error);
        size_t line_end = rest.find('\n', semi);
        if (line_end == absl::string_view::npos) line_end = rest.size();
        absl::string_view candidate = absl::StripTrailingAsciiWhitespace(rest.substr(0, line_end));
        // The ';' must end its line's code: only whitespace or a comment may follow it, as psql
        // allows after "COPY ... FROM stdin;".
        const absl::string_view after = absl::StripAsciiWhitespace(rest.substr(semi + 1, line_end - semi - 1));
        const bool ends_line = after.empty() || absl::StartsWith(after, "--") ||
                               (absl::StartsWith(after, "/*") && absl::EndsWith(after, "*/"));
        if (!ends_line) {  // ';' inside the line: look further back
          search_end = semi;
          continue;
        }
        const std::string prefix(candidate);
        RawSplit part = ParserSplit(prefix.c_str(), prefix.size(), rest_line);
        if (part.ok) {
          // The first COPY FROM stdin of a clean prefix is the one whose data broke the split.
          for (size_t k = 0; k < part.stmts.size(); ++k) {
            auto kind = ClassifyStatement(Slice(prefix, part.stmts[k]));
            if (!kind.ok() || !kind->copy_from_stdin) continue;
            for (size_t j = 0; j <= k; ++j) NOSHELL_RETURN_IF_ERROR(Append(prefix, part.stmts[j], &lines, &out, &is_copy));
            size_t stmt_end = part.stmts[k].second == 0 ? prefix.size() : part.stmts[k].first + part.stmts[k].second;
            size_t eol = rest.find('\n', stmt_end);
            copy_end = eol == absl::string_view::npos ? rest.size() : eol + 1;
            break;
          }
          // A clean prefix without COPY: the error is a real one.
          if (copy_end == absl::string_view::npos) return absl::InvalidArgumentError(whole.error);
          break;
        }
        search_end = semi;  // this prefix runs into COPY data itself: try an earlier line
      }
    }
    if (copy_end == absl::string_view::npos) break;  // clean split, no COPY: done
    std::string data;
    NOSHELL_ASSIGN_OR_RETURN(size_t after, ReadCopyData(rest, copy_end, lines.LineAt(copy_end), &data));
    out.back().copy_data = std::move(data);
    pos += after;
  }
  return out;
}

absl::StatusOr<std::vector<Statement>> SplitSegments(const std::vector<Segment>& segments) {
  std::vector<Statement> out;
  for (const Segment& seg : segments) {
    if (seg.verbatim) {
      absl::string_view body = absl::StripAsciiWhitespace(seg.text);
      if (body.empty()) continue;
      Statement st;
      st.sql = std::string(absl::StripSuffix(body, ";"));
      size_t lead = seg.text.find(body.front());
      st.line = seg.first_line + CountLines(absl::string_view(seg.text).substr(0, lead));
      // A verbatim block is usually a function body; classify it only when it parses as one
      // statement, and never refuse it.
      auto kind = ClassifyStatement(st.sql);
      if (kind.ok()) {
        st.no_transaction = kind->no_transaction;
        st.transaction_control = kind->transaction_control;
      }
      out.push_back(std::move(st));
      continue;
    }
    NOSHELL_ASSIGN_OR_RETURN(std::vector<Statement> part, SplitSql(seg.text, seg.first_line));
    for (Statement& s : part) out.push_back(std::move(s));
  }
  return out;
}

std::string JoinSegments(const std::vector<Segment>& segments) {
  std::string out;
  for (const Segment& s : segments) out += s.text;
  return out;
}

}  // namespace noshell
