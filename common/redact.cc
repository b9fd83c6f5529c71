// common/redact.cc — structural redaction of targets and the process-wide secret scrubber.
#include "common/redact.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace noshell {
namespace {

// Redacts "key=value" pairs of a URL query ("a=1&password=x").
std::string RedactQuery(absl::string_view query) {
  std::string out;
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == absl::string_view::npos) end = query.size();
    absl::string_view pair = query.substr(start, end - start);
    size_t eq = pair.find('=');
    if (!out.empty() || start > 0) out.push_back('&');
    if (eq != absl::string_view::npos && IsSecretKey(pair.substr(0, eq))) {
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
  size_t auth_end = url.find_first_of("/?#", auth_start);
  if (auth_end == absl::string_view::npos) auth_end = url.size();
  absl::string_view authority = url.substr(auth_start, auth_end - auth_start);
  std::string out(url.substr(0, auth_start));
  size_t at = authority.rfind('@');
  if (at != absl::string_view::npos) {
    absl::string_view userinfo = authority.substr(0, at);
    size_t colon = userinfo.find(':');
    if (colon != absl::string_view::npos) {
      absl::StrAppend(&out, userinfo.substr(0, colon + 1), kRedacted);
    } else {
      absl::StrAppend(&out, userinfo);
    }
    absl::StrAppend(&out, authority.substr(at));
  } else {
    absl::StrAppend(&out, authority);
  }
  absl::string_view rest = url.substr(auth_end);
  size_t q = rest.find('?');
  if (q == absl::string_view::npos) {
    absl::StrAppend(&out, rest);
    return out;
  }
  size_t hash = rest.find('#', q);
  absl::string_view query = rest.substr(q + 1, hash == absl::string_view::npos ? absl::string_view::npos
                                                                                : hash - q - 1);
  absl::StrAppend(&out, rest.substr(0, q + 1), RedactQuery(query));
  if (hash != absl::string_view::npos) absl::StrAppend(&out, rest.substr(hash));
  return out;
}

// Redacts a libpq "key = value key2='quoted value'" string, keeping its layout.
std::string RedactConninfo(absl::string_view s) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    // Copy whitespace, then a key up to '='.
    while (i < s.size() && absl::ascii_isspace(static_cast<unsigned char>(s[i]))) out.push_back(s[i++]);
    size_t key_start = i;
    while (i < s.size() && s[i] != '=' && !absl::ascii_isspace(static_cast<unsigned char>(s[i]))) ++i;
    absl::string_view key = s.substr(key_start, i - key_start);
    out.append(key.data(), key.size());
    while (i < s.size() && s[i] != '=') out.push_back(s[i++]);
    if (i >= s.size()) break;
    out.push_back(s[i++]);  // '='
    while (i < s.size() && absl::ascii_isspace(static_cast<unsigned char>(s[i]))) out.push_back(s[i++]);
    const bool secret = IsSecretKey(key);
    size_t value_start = i;
    if (i < s.size() && s[i] == '\'') {
      ++i;
      while (i < s.size() && s[i] != '\'') i += (s[i] == '\\' && i + 1 < s.size()) ? 2 : 1;
      if (i < s.size()) ++i;
    } else {
      while (i < s.size() && !absl::ascii_isspace(static_cast<unsigned char>(s[i]))) {
        i += (s[i] == '\\' && i + 1 < s.size()) ? 2 : 1;
      }
    }
    if (secret) {
      out.append(kRedacted.data(), kRedacted.size());
    } else {
      out.append(s.data() + value_start, std::min(i, s.size()) - value_start);
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
  secrets_.emplace_back(secret);
  // Longest first, so a secret that contains another is replaced whole.
  std::sort(secrets_.begin(), secrets_.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
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
  std::string k = absl::AsciiStrToLower(key);
  return k == "password" || k == "pass" || k == "passwd" || k == "pwd" || k == "secret" ||
         k == "token" || k == "sslpassword" || k == "auth" || k == "access_token" ||
         absl::EndsWith(k, "_password") || absl::EndsWith(k, "_secret") || absl::EndsWith(k, "_token");
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
