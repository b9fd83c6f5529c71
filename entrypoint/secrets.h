// entrypoint/secrets.h — *_FILE secrets: the Docker and Kubernetes convention of passing a secret
// as the path of a mounted file (POSTGRES_PASSWORD_FILE=/run/secrets/pw) instead of its value.
#ifndef NOSHELL_ENTRYPOINT_SECRETS_H_
#define NOSHELL_ENTRYPOINT_SECRETS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace noshell {

// Resolves *_FILE secrets in `vars` (the child's environment): for each eligible X with X_FILE
// set, X becomes the file's contents (trailing newlines removed, registered with the Redactor) and
// X_FILE is removed. `only` lists the eligible names; empty means every X_FILE except path
// variables (IsPathVariable). Both X and X_FILE set is kInvalidArgument; a file that cannot be
// read is an error naming the variable. Nothing is changed unless all succeed.
absl::Status ResolveFileSecrets(std::map<std::string, std::string>* vars, const std::vector<std::string>& only);

// True for X_FILE variables that name a file a program opens or creates itself rather than a
// secret: CONFIG_FILE, CONF_FILE, CERT_FILE, CERTS_FILE, CA_FILE, KEY_FILE, LOG_FILE, PID_FILE,
// SOCKET_FILE, LOCK_FILE, ENV_FILE, bare or after a prefix (SSL_CERT_FILE, NGINX_LOG_FILE), unless
// the name says it is a secret (contains PASSWORD, SECRET, TOKEN, API_KEY, ACCESS_KEY, CREDENTIAL).
bool IsPathVariable(absl::string_view name);

}  // namespace noshell

#endif  // NOSHELL_ENTRYPOINT_SECRETS_H_
