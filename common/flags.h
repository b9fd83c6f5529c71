// common/flags.h — the command-line and environment option parser all noshell binaries share.
// Every option `--some-name` can also be set by an environment variable (PROGRAM_SOME_NAME by
// convention; the spec names it). The command line wins over the environment. Errors are
// kInvalidArgument and name the option and what is wrong. Values are echoed in errors; they pass
// through the secret scrubber and the terminal escaping of every output line.
#ifndef NOSHELL_COMMON_FLAGS_H_
#define NOSHELL_COMMON_FLAGS_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/strings/string_view.h"
#include "common/env.h"

namespace noshell {

struct FlagSpec {
  std::string name;        // without dashes: "timeout"
  std::string env;         // "HEALTHCHECK_TIMEOUT"; "" for none
  std::string value_name;  // "DURATION"; "" for a boolean switch
  std::string help;
  bool repeated = false;   // may be given several times (environment: whitespace-separated)
  std::string env_separators = " \t\n";  // for repeated options read from the environment
};

class Flags {
 public:
  explicit Flags(std::vector<FlagSpec> specs) : specs_(std::move(specs)) {}

  // Parses argv[1..]. Positional arguments are collected in order; "--" ends the options and the
  // rest are positional (`rest_after_dashes` then holds them separately, for entrypoint).
  absl::Status Parse(int argc, const char* const* argv, const Env& env);

  bool Has(absl::string_view name) const { return values_.count(std::string(name)) > 0; }
  std::string Get(absl::string_view name, absl::string_view fallback = "") const;
  std::vector<std::string> GetAll(absl::string_view name) const;
  // Boolean switches: given bare, "=true"/"1"/"yes" or "=false"/"0"/"no"; env likewise.
  absl::StatusOr<bool> GetBool(absl::string_view name) const;
  // A duration ("500ms", "2m"), left as it is when not given. kInvalidArgument for anything else,
  // a negative one, or (kPositive) zero.
  enum class DurationMin { kZero, kPositive };
  absl::Status GetDuration(absl::string_view name, DurationMin min, absl::Duration* out) const;
  // The text for --help (`usage_head` then every option) or --version ("PROGRAM (noshell) 1.2.3");
  // "" when neither was asked for.
  std::string HelpOrVersion(absl::string_view program, absl::string_view usage_head) const;
  bool help() const { return help_; }
  bool version() const { return version_; }
  const std::vector<std::string>& positional() const { return positional_; }
  const std::vector<std::string>& after_dashes() const { return after_dashes_; }

  // The options section of --help.
  std::string Usage() const;

 private:
  const FlagSpec* Find(absl::string_view name) const;

  std::vector<FlagSpec> specs_;
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
  std::vector<std::string> after_dashes_;
  bool help_ = false;
  bool version_ = false;
};

}  // namespace noshell

#endif  // NOSHELL_COMMON_FLAGS_H_
