// entrypoint/secrets.cc — see secrets.h.
#include "entrypoint/secrets.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/env.h"
#include "spdlog/spdlog.h"

namespace noshell {

bool IsPathVariable(absl::string_view name) {
  // Paths that programs open (or create) themselves: SSL_CERT_FILE, CONFIG_FILE, LOG_FILE,
  // PID_FILE, NGINX_LOG_FILE... Inlining them would hand the app a file's contents (or, for a file
  // not created yet, stop the container) where it expects a path.
  // A name that says it holds a secret is one, whatever it ends with (SECRET_KEY_FILE, API_KEY_FILE).
  for (absl::string_view secret : {"PASSWORD", "SECRET", "TOKEN", "API_KEY", "ACCESS_KEY", "CREDENTIAL"}) {
    if (absl::StrContains(name, secret)) return false;
  }
  for (absl::string_view what : {"CONFIG", "CONF", "CERT", "CERTS", "CA", "KEY", "LOG", "PID", "SOCKET", "LOCK", "ENV"}) {
    const std::string bare = absl::StrCat(what, "_FILE");
    if (name == bare || absl::EndsWith(name, absl::StrCat("_", bare))) return true;
  }
  return false;
}

absl::Status ResolveFileSecrets(std::map<std::string, std::string>* vars, const std::vector<std::string>& only) {
  std::vector<std::string> file_vars;
  for (const auto& [k, v] : *vars) {
    if (!absl::EndsWith(k, "_FILE") || k.size() <= 5) continue;
    std::string name = k.substr(0, k.size() - 5);
    if (only.empty()) {
      if (IsPathVariable(k)) continue;
    } else if (std::find(only.begin(), only.end(), name) == only.end()) {
      continue;
    }
    file_vars.push_back(k);
  }
  std::map<std::string, std::string> resolved = *vars;
  for (const std::string& k : file_vars) {
    std::string name = k.substr(0, k.size() - 5);
    if (resolved.count(name) > 0) {
      return absl::InvalidArgumentError(absl::StrCat("both ", name, " and ", k, " are set; set only one"));
    }
    auto value = ReadSecretFile(resolved[k], k);
    if (!value.ok()) return value.status();
    resolved[name] = *value;
    resolved.erase(k);
    spdlog::info("secret {} read from {}", name, k);
  }
  vars->swap(resolved);
  return absl::OkStatus();
}

}  // namespace noshell
