// common/env.h — the environment seam: the process environment in production, a map in tests.
#ifndef NOSHELL_COMMON_ENV_H_
#define NOSHELL_COMMON_ENV_H_

#include <initializer_list>
#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace noshell {

class Env {
 public:
  virtual ~Env() = default;
  // The value of `name`, or nullopt when it is not set (set-but-empty is "").
  virtual std::optional<std::string> Get(absl::string_view name) const = 0;

  // The process environment, read at each call. Never destroyed.
  static const Env& Process();
};

// An environment made of a fixed map, for tests and for building a child's environment.
class MapEnv : public Env {
 public:
  MapEnv() = default;
  explicit MapEnv(std::map<std::string, std::string> vars) : vars_(std::move(vars)) {}
  MapEnv(std::initializer_list<std::pair<const std::string, std::string>> vars) : vars_(vars) {}
  std::optional<std::string> Get(absl::string_view name) const override;
  void Set(std::string name, std::string value) { vars_[std::move(name)] = std::move(value); }

 private:
  std::map<std::string, std::string> vars_;
};

// Reads a variable that may hold a secret: `name` itself, or the contents of the file named by
// `name`_FILE (the Docker and Kubernetes secrets convention). Both set is an error, so a stale
// value never silently wins. Trailing newlines of the file are removed, as a shell's "$(cat f)"
// would; every other byte is kept. The value is registered with the Redactor before it is returned.
// Returns nullopt when neither is set; kInvalidArgument / kNotFound / kPermissionDenied name the
// variable and file on error, never the contents.
// `secret` says whether the value is a secret as a whole (a password) or may merely contain one
// (a URL, whose password its parser registers): only the former is registered.
enum class WholeValue { kSecret, kMayContainSecret };
absl::StatusOr<std::optional<std::string>> GetSecret(const Env& env, absl::string_view name,
                                                     WholeValue whole = WholeValue::kSecret);

// Reads a whole secret file (at most 1 MiB), strips trailing newlines, registers it with the
// Redactor. `what` names the source in errors, e.g. "PGPASSWORD_FILE".
absl::StatusOr<std::string> ReadSecretFile(absl::string_view path, absl::string_view what,
                                           WholeValue whole = WholeValue::kSecret);

}  // namespace noshell

#endif  // NOSHELL_COMMON_ENV_H_
