// common/env.cc — process and map environments, and *_FILE secret resolution.
#include "common/env.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "common/redact.h"

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

absl::Status FileError(absl::string_view what, absl::string_view path, int err) {
  std::string msg = absl::StrCat("read ", what, " ", path, ": ", std::strerror(err));
  switch (err) {
    case ENOENT: return absl::NotFoundError(msg);
    case EACCES: case EPERM: return absl::PermissionDeniedError(msg);
    default: return absl::InvalidArgumentError(msg);
  }
}

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
  std::ifstream in{std::string(path), std::ios::binary};
  if (!in) return FileError(what, path, errno);
  std::string data;
  char buf[4096];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    data.append(buf, static_cast<size_t>(in.gcount()));
    if (data.size() > kMaxSecretBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("read ", what, " ", path, ": larger than 1 MiB, not a secret file"));
    }
  }
  if (in.bad()) return FileError(what, path, errno);
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
