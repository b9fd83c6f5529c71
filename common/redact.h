// common/redact.h — keeps secrets out of every line noshell prints.
// Two layers: structural redaction of URLs and libpq conninfo strings (the password is replaced by
// "***"), and a process-wide Redactor that remembers every secret value seen (passwords, *_FILE
// contents) and scrubs them from any text on its way out, whatever path that text took.
// Thread-safe.
#ifndef NOSHELL_COMMON_REDACT_H_
#define NOSHELL_COMMON_REDACT_H_

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace noshell {

inline constexpr absl::string_view kRedacted = "***";

class Redactor {
 public:
  // Values shorter than this are not scrubbed from free text (a one-letter password would blank
  // out every occurrence of that letter); structural redaction still hides them.
  static constexpr size_t kMinScrubLength = 3;

  static Redactor& Global();

  void Add(absl::string_view secret);
  // `text` with every known secret replaced by "***".
  std::string Scrub(absl::string_view text) const;

 private:
  mutable absl::Mutex mu_;
  std::vector<std::string> secrets_ ABSL_GUARDED_BY(mu_);
};

// A URL ("scheme://user:pass@host/...?password=x") or libpq "key=value" string with the password
// and password-like query values replaced by "***". Unparseable input is returned scrubbed by the
// global Redactor and with anything between "://" and "@" hidden.
std::string RedactTarget(absl::string_view target);

// True for parameter names that may carry secrets: anything containing pass, pwd, secret, token,
// key, auth, credential, signature, session or cookie (password, api_key, x-auth-token...).
bool IsSecretKey(absl::string_view key);

// True for libpq keywords that never hold a secret (host, port, user, dbname, sslmode...). In
// Postgres URLs and conninfo strings every other value is hidden, misspelled keys included.
bool IsPublicPgKey(absl::string_view key);

// A message from a parser (libpq's) that may quote what it was given: every "quoted" part that
// is not a public libpq keyword or a lone punctuation mark becomes "(hidden)".
std::string HideQuotedValues(absl::string_view message);

}  // namespace noshell

#endif  // NOSHELL_COMMON_REDACT_H_
