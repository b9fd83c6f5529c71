// common/status_macros.h — early-return helpers for absl::Status, which Abseil 20220623 lacks.
#ifndef NOSHELL_COMMON_STATUS_MACROS_H_
#define NOSHELL_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define NOSHELL_CONCAT_INNER_(a, b) a##b
#define NOSHELL_CONCAT_(a, b) NOSHELL_CONCAT_INNER_(a, b)

// Returns the status of `expr` from the enclosing function unless it is OK.
#define NOSHELL_RETURN_IF_ERROR(expr)                 \
  do {                                                \
    ::absl::Status noshell_status_ = (expr);          \
    if (!noshell_status_.ok()) return noshell_status_; \
  } while (0)

// `lhs = value of expr`, or returns its error status.
#define NOSHELL_ASSIGN_OR_RETURN(lhs, expr) \
  NOSHELL_ASSIGN_OR_RETURN_IMPL_(NOSHELL_CONCAT_(noshell_statusor_, __LINE__), lhs, expr)
#define NOSHELL_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                   \
  if (!statusor.ok()) return statusor.status();             \
  lhs = std::move(statusor).value()

#endif  // NOSHELL_COMMON_STATUS_MACROS_H_
