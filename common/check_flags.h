// common/check_flags.h — the per-target check options as command-line flags, shared by
// healthcheck and entrypoint --wait, so both accept the same ones (--pg-role, --ca-file,
// --http-status...). Each is also read from PREFIX_NAME in the environment.
#ifndef NOSHELL_COMMON_CHECK_FLAGS_H_
#define NOSHELL_COMMON_CHECK_FLAGS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/check.h"
#include "common/flags.h"

namespace noshell {

// The flag specs, their variables named `env_prefix` + "_" + NAME ("HEALTHCHECK_PG_ROLE").
std::vector<FlagSpec> CheckFlagSpecs(absl::string_view env_prefix);

// Fills `options` from those flags. kInvalidArgument names the flag and what is wrong.
absl::Status ParseCheckFlags(const Flags& flags, CheckOptions* options);

}  // namespace noshell

#endif  // NOSHELL_COMMON_CHECK_FLAGS_H_
