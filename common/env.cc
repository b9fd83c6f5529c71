// common/env.cc — process and map environments, and *_FILE secret resolution.
#include "common/env.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "common/file.h"
#include "common/redact.h"
#include "common/status_macros.h"

namespace noshell {
namespace {

constexpr size_t kMaxSecretBytes = 1 << 20;

class ProcessEnv : public Env {
 public:
  std::optional<std::string> Get(absl::string_view name) const override {
    const char* v = std::getenv(std::string(name).c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  }
};

}  // namespace

const Env& Env::Process() {
  static const Env* env = new ProcessEnv();
  return *env;
}

std::optional<std::string> MapEnv::Get(absl::string_view name) const {
  auto it = vars_.find(std::string(name));
  if (it == vars_.end()) return std::nullopt;
  return it->second;
}

absl::StatusOr<std::string> ReadSecretFile(absl::string_view path, absl::string_view what,
                                           WholeValue whole) {
  NOSHELL_ASSIGN_OR_RETURN(std::string data, ReadWholeFile(path, kMaxSecretBytes, what));
  while (!data.empty() && (data.back() == '\n' || data.back() == '\r')) data.pop_back();
  if (whole == WholeValue::kSecret) Redactor::Global().Add(data);
  return data;
}

absl::StatusOr<std::optional<std::string>> GetSecret(const Env& env, absl::string_view name,
                                                     WholeValue whole) {
  const std::string file_var = absl::StrCat(name, "_FILE");
  std::optional<std::string> direct = env.Get(name);
  std::optional<std::string> file = env.Get(file_var);
  if (direct.has_value() && file.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("both ", name, " and ", file_var, " are set; set only one"));
  }
  if (file.has_value()) {
    if (file->empty()) return absl::InvalidArgumentError(absl::StrCat(file_var, " is set but empty"));
    auto data = ReadSecretFile(*file, file_var, whole);
    if (!data.ok()) return data.status();
    return std::optional<std::string>(*std::move(data));
  }
  if (direct.has_value() && whole == WholeValue::kSecret) Redactor::Global().Add(*direct);
  return direct;
}

}  // namespace noshell
