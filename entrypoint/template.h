// entrypoint/template.h — the config template language: strict, small, shell-like.
//
//   ${NAME}             the value of NAME; an error if NAME is unset
//   ${NAME:-default}    NAME if set and not empty, else default (which may itself hold ${...})
//   ${NAME-default}     NAME if set (even empty), else default
//   ${NAME:?message}    NAME if set and not empty, else an error carrying message
//   $$                  a literal $
//   $((expression))     64-bit integer arithmetic: + - * / % ( ), unary -, decimal literals,
//                       variables (bare NAME, $NAME, ${NAME}, or ${NAME:-expression} when NAME
//                       may be unset or empty), min(a, b, ...) and max(a, b, ...); division by
//                       zero is an error
//   any other $         itself ("costs $5" stays as written)
//
// Every problem in a template is reported at once, each with its line and column. Rendering is
// pure (no I/O) and never logs values. Thread-compatible.
#ifndef NOSHELL_ENTRYPOINT_TEMPLATE_H_
#define NOSHELL_ENTRYPOINT_TEMPLATE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/env.h"

namespace noshell {

// Renders `text`. Errors are kInvalidArgument: "NAME:LINE:COL: problem" lines joined by "; ",
// where NAME is `source` (a file name, for messages).
absl::StatusOr<std::string> RenderTemplate(absl::string_view text, const Env& env, absl::string_view source);

}  // namespace noshell

#endif  // NOSHELL_ENTRYPOINT_TEMPLATE_H_
