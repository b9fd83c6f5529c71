// entrypoint/cli.h — the entrypoint program: secrets, waits, templates, migrations, the user,
// first-start and pre-start commands, then the app.
#ifndef NOSHELL_ENTRYPOINT_CLI_H_
#define NOSHELL_ENTRYPOINT_CLI_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/env.h"

namespace noshell {

// entrypoint's own failures (the app's exit codes pass through unchanged; README lists these).
inline constexpr int kEntrypointUsage = 64;     // bad option or argument
inline constexpr int kEntrypointTemplate = 65;  // a template could not be rendered or written
inline constexpr int kEntrypointSecret = 66;    // a *_FILE secret could not be read
inline constexpr int kEntrypointWait = 69;      // a dependency did not become ready
inline constexpr int kEntrypointMigrate = 70;   // in-process migrations failed (migrate's message says why)
inline constexpr int kEntrypointPreStart = 71;  // a first-start or pre-start command failed
inline constexpr int kEntrypointPermission = 77;  // bad --user, chown failed, or root refused

// Resolves *_FILE secrets in `vars` (the child's environment): for each eligible X with X_FILE
// set, X becomes the file's contents (trailing newlines removed) and X_FILE is removed. `only`
// lists the eligible names; empty means every X_FILE except path variables (IsPathVariable).
// Both X and X_FILE set is an error.
absl::Status ResolveFileSecrets(std::map<std::string, std::string>* vars, const std::vector<std::string>& only);

// True for X_FILE variables that name a file a program opens or creates itself rather than a
// secret: CONFIG_FILE, CONF_FILE, CERT_FILE, CERTS_FILE, CA_FILE, KEY_FILE, LOG_FILE, PID_FILE,
// SOCKET_FILE, LOCK_FILE, ENV_FILE, bare or after a prefix (SSL_CERT_FILE, NGINX_LOG_FILE), unless
// the name says it is a secret (contains PASSWORD, SECRET, TOKEN, API_KEY, ACCESS_KEY, CREDENTIAL).
bool IsPathVariable(absl::string_view name);

int EntrypointMain(int argc, const char* const* argv, const Env& env);

}  // namespace noshell

#endif  // NOSHELL_ENTRYPOINT_CLI_H_
