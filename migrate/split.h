// migrate/split.h — psql-grade statement splitting with PostgreSQL's own parser (libpg_query).
// Dollar quotes, E'' strings, comments, quoted identifiers and BEGIN ATOMIC bodies are the
// parser's business; COPY ... FROM stdin with inline data (ended by a line "\.") is ours, as it is
// psql's. Pure: no I/O. Thread-compatible.
#ifndef NOSHELL_MIGRATE_SPLIT_H_
#define NOSHELL_MIGRATE_SPLIT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace noshell {

struct Statement {
  std::string sql;                       // the statement as written, without the final ';'
  int line = 1;                          // 1-based line of the file where it starts
  std::optional<std::string> copy_data;  // rows for COPY ... FROM stdin, without the "\." line
  // Why it cannot run inside a transaction block ("CREATE INDEX CONCURRENTLY"), or "".
  std::string no_transaction;
  bool transaction_control = false;      // BEGIN, COMMIT, ROLLBACK, SAVEPOINT...
};

// A piece of a migration. Goose's StatementBegin/StatementEnd blocks are verbatim: one statement,
// sent as written, never split.
struct Segment {
  std::string text;
  int first_line = 1;
  bool verbatim = false;
};

// The segments' texts, one after the other: the part as one text.
std::string JoinSegments(const std::vector<Segment>& segments);

// Splits `sql` (which starts at line `first_line` of its file). Errors say "line L[, column C]:
// why": kInvalidArgument for what PostgreSQL's parser (of the version we link) rejects, which a
// newer server may accept; kFailedPrecondition for what can never run as a migration (COPY FROM
// stdin data without its "\." line, COPY TO stdout).
absl::StatusOr<std::vector<Statement>> SplitSql(absl::string_view sql, int first_line = 1);
absl::StatusOr<std::vector<Statement>> SplitSegments(const std::vector<Segment>& segments);

// What one statement is, from the parser: fills no_transaction and transaction_control, and says
// whether it is COPY ... FROM stdin. kInvalidArgument for COPY TO stdout (no place to put rows).
struct StatementKind {
  std::string no_transaction;
  bool transaction_control = false;
  bool copy_from_stdin = false;
};
absl::StatusOr<StatementKind> ClassifyStatement(absl::string_view sql);

}  // namespace noshell

#endif  // NOSHELL_MIGRATE_SPLIT_H_
