// common/redact.cc — structural redaction of targets and the process-wide secret scrubber.
#include "common/redact.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/url.h"

namespace noshell {

bool IsPublicPgKey(absl::string_view key) {
  static constexpr absl::string_view kPublic[] = {
      "host", "hostaddr", "port", "dbname", "user", "options", "application_name",
      "fallback_application_name", "connect_timeout", "client_encoding", "keepalives", "keepalives_idle",
      "keepalives_interval", "keepalives_count", "tcp_user_timeout", "sslmode", "sslcompression", "sslcert",
      "sslkey", "sslrootcert", "sslcrl", "sslcrldir", "sslsni", "requirepeer", "ssl_min_protocol_version",
      "ssl_max_protocol_version", "gssencmode", "krbsrvname", "gsslib", "service", "target_session_attrs",
      "replication", "channel_binding", "load_balance_hosts", "sslcertmode", "require_auth", "passfile",
      "ssl", "check", "query", "role"};
  for (absl::string_view k : kPublic) {
    if (key == k) return true;
  }
  return false;
}

std::string HideQuotedValues(absl::string_view message) {
  std::string out;
  size_t i = 0;
  while (i < message.size()) {
    size_t open = message.find('"', i);
    if (open == absl::string_view::npos) {
      absl::StrAppend(&out, message.substr(i));
      break;
    }
    absl::StrAppend(&out, message.substr(i, open - i + 1));
    size_t close = message.find('"', open + 1);
    absl::string_view quoted = message.substr(open + 1, close == absl::string_view::npos ? absl::string_view::npos
                                                                                        : close - open - 1);
    const bool punctuation = quoted.size() == 1 && absl::ascii_ispunct(static_cast<unsigned char>(quoted[0]));
    absl::StrAppend(&out, IsPublicPgKey(quoted) || punctuation ? quoted : "(hidden)", "\"");
    if (close == absl::string_view::npos) break;
    i = close + 1;
  }
  return out;
}

namespace {

bool IsNotPublicPgKey(absl::string_view key) { return !IsPublicPgKey(key); }

// Redacts "key=value" pairs of a URL query ("a=1&password=x").
std::string RedactQuery(absl::string_view query, bool (*is_secret)(absl::string_view)) {
  std::string out;
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == absl::string_view::npos) end = query.size();
    absl::string_view pair = query.substr(start, end - start);
    size_t eq = pair.find('=');
    if (!out.empty() || start > 0) out.push_back('&');
    if (eq != absl::string_view::npos && is_secret(pair.substr(0, eq))) {
      absl::StrAppend(&out, pair.substr(0, eq + 1), kRedacted);
    } else {
      absl::StrAppend(&out, pair);
    }
    start = end + 1;
  }
  return out;
}

std::string RedactUrl(absl::string_view url, size_t scheme_end) {
  const size_t auth_start = scheme_end + 3;
  const UrlParts parts = SplitAfterScheme(url.substr(auth_start));
  std::string out(url.substr(0, auth_start));
  if (parts.has_userinfo) {
    size_t colon = parts.userinfo.find(':');
    if (colon != absl::string_view::npos) {
      absl::StrAppend(&out, parts.userinfo.substr(0, colon + 1), kRedacted);
    } else {
      absl::StrAppend(&out, parts.userinfo);
    }
    absl::StrAppend(&out, "@");
  }
  absl::StrAppend(&out, parts.hostport);
  const size_t auth_end = url.size() - parts.rest.size();
  absl::string_view rest = url.substr(auth_end);
  size_t q = rest.find('?');
  if (q == absl::string_view::npos) {
    absl::StrAppend(&out, rest);
    return out;
  }
  size_t hash = rest.find('#', q);
  absl::string_view query = rest.substr(q + 1, hash == absl::string_view::npos ? absl::string_view::npos
                                                                                : hash - q - 1);
  const bool postgres = absl::StrContains(absl::AsciiStrToLower(url.substr(0, scheme_end)), "postgres");
  absl::StrAppend(&out, rest.substr(0, q + 1),
                  RedactQuery(query, postgres ? &IsNotPublicPgKey : &IsSecretKey));
  if (hash != absl::string_view::npos) absl::StrAppend(&out, rest.substr(hash));
  return out;
}

// Redacts a libpq "key = value key2='quoted value'" string, keeping its layout. A value is shown
// only when its key is a known non-secret libpq keyword; a bare word (a missing "=") is copied and
// the scan goes on with the next word, so "user app password=x" still hides x.
std::string RedactConninfo(absl::string_view s) {
  std::string out;
  size_t i = 0;
  auto space = [&](size_t k) { return k < s.size() && absl::ascii_isspace(static_cast<unsigned char>(s[k])); };
  while (i < s.size()) {
    while (space(i)) out.push_back(s[i++]);
    size_t key_start = i;
    while (i < s.size() && s[i] != '=' && !space(i)) ++i;
    absl::string_view key = s.substr(key_start, i - key_start);
    out.append(key.data(), key.size());
    size_t after_key = i;
    while (space(i)) ++i;
    if (i >= s.size() || s[i] != '=') {  // a bare word: not a key=value pair
      out.append(s.data() + after_key, i - after_key);
      continue;
    }
    out.append(s.data() + after_key, i - after_key);
    out.push_back(s[i++]);  // '='
    while (space(i)) out.push_back(s[i++]);
    size_t value_start = i;
    if (i < s.size() && s[i] == '\'') {
      ++i;
      while (i < s.size() && s[i] != '\'') i += (s[i] == '\\' && i + 1 < s.size()) ? 2 : 1;
      if (i < s.size()) ++i;
    } else {
      while (i < s.size() && !space(i)) i += (s[i] == '\\' && i + 1 < s.size()) ? 2 : 1;
    }
    i = std::min(i, s.size());
    if (IsPublicPgKey(key)) {
      out.append(s.data() + value_start, i - value_start);
    } else if (i > value_start) {
      out.append(kRedacted.data(), kRedacted.size());
    }
  }
  return out;
}

}  // namespace

Redactor& Redactor::Global() {
  static Redactor* r = new Redactor();
  return *r;
}

void Redactor::Add(absl::string_view secret) {
  if (secret.size() < kMinScrubLength) return;
  absl::MutexLock lock(&mu_);
  if (std::find(secrets_.begin(), secrets_.end(), secret) != secrets_.end()) return;
  // Kept longest first, so a secret that contains another is replaced whole. Inserted in place:
  // thousands of *_FILE secrets must not sort the list thousands of times.
  auto at = std::upper_bound(secrets_.begin(), secrets_.end(), secret.size(),
                             [](size_t size, const std::string& s) { return size > s.size(); });
  secrets_.emplace(at, secret);
}

std::string Redactor::Scrub(absl::string_view text) const {
  std::string out(text);
  absl::MutexLock lock(&mu_);
  for (const std::string& s : secrets_) {
    if (absl::StrContains(out, s)) absl::StrReplaceAll({{s, kRedacted}}, &out);
  }
  return out;
}

bool IsSecretKey(absl::string_view key) {
  const std::string k = absl::AsciiStrToLower(key);
  // Substrings, so api_key, apikey, access_key, x-auth-token, client_secret, sessionid all count.
  for (absl::string_view part : {"pass", "pwd", "secret", "token", "key", "auth", "credential", "signature",
                                 "session", "cookie"}) {
    if (absl::StrContains(k, part)) return true;
  }
  return false;
}

std::string RedactTarget(absl::string_view target) {
  std::string out;
  size_t scheme_end = target.find("://");
  if (scheme_end != absl::string_view::npos) {
    out = RedactUrl(target, scheme_end);
  } else if (absl::StrContains(target, '=')) {
    out = RedactConninfo(target);
  } else {
    out = std::string(target);
  }
  return Redactor::Global().Scrub(out);
}

}  // namespace noshell
