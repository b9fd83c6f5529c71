// common/logging.h — spdlog on stderr, as human lines or JSON lines, every message scrubbed of
// known secrets by the Redactor before it is written. stdout stays for program output.
#ifndef NOSHELL_COMMON_LOGGING_H_
#define NOSHELL_COMMON_LOGGING_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace noshell {

enum class OutputFormat { kText, kJson };
absl::StatusOr<OutputFormat> ParseOutputFormat(absl::string_view s);

// OK for the levels InitLogging accepts; kInvalidArgument naming `level` otherwise.
absl::Status CheckLogLevel(absl::string_view level);

// Installs the default spdlog logger named `program`. `level`: trace, debug, info, warn, error, off.
absl::Status InitLogging(absl::string_view program, OutputFormat format, absl::string_view level);

}  // namespace noshell

#endif  // NOSHELL_COMMON_LOGGING_H_
