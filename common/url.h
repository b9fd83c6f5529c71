// common/url.h — a small, strict URL parser for target strings (RFC 3986 subset, no I/O).
#ifndef NOSHELL_COMMON_URL_H_
#define NOSHELL_COMMON_URL_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace noshell {

struct Url {
  std::string scheme;                    // lower-case, e.g. "redis"
  std::string user;                      // percent-decoded
  std::optional<std::string> password;   // percent-decoded; nullopt when absent
  std::string host;                      // percent-decoded, IPv6 without brackets
  std::optional<int> port;
  std::string path;                      // percent-decoded
  std::string raw_path_and_query;        // as written, for an HTTP request line ("/" if empty)
  std::vector<std::pair<std::string, std::string>> query;  // percent-decoded, in order
  std::string fragment;
};

// What follows "scheme://": userinfo, host[:port] and the rest ("/path?query#fragment"). The
// userinfo ends at the last '@' before any '?' or '#', so a password holding a raw '/' (not
// %-encoded, as people do write) is still taken for the password, never for a path.
struct UrlParts {
  bool has_userinfo = false;
  absl::string_view userinfo;  // "user:password", as written
  absl::string_view hostport;
  absl::string_view rest;
};
UrlParts SplitAfterScheme(absl::string_view after_scheme);

// Parses "scheme://[user[:password]@]host[:port][/path][?query][#fragment]". Errors are
// kInvalidArgument and never contain the password.
absl::StatusOr<Url> ParseUrl(absl::string_view text);

// The key=value pairs of a query string ("a=1&b=&c"), in order, empty pairs skipped; a pair
// without '=' has an empty value. SplitQuery leaves them as written; ParseQuery %-decodes them
// ('+' is a space), and a malformed escape is kInvalidArgument.
std::vector<std::pair<absl::string_view, absl::string_view>> SplitQuery(absl::string_view query);
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ParseQuery(absl::string_view query);

// Decodes %XX escapes (and, when `plus_is_space`, '+'). Malformed escapes are an error.
absl::StatusOr<std::string> PercentDecode(absl::string_view s, bool plus_is_space = false);

// "host:port", with brackets around IPv6 literals.
std::string JoinHostPort(absl::string_view host, int port);

}  // namespace noshell

#endif  // NOSHELL_COMMON_URL_H_
