// common/url.cc — strict URL parsing for targets.
#include "common/url.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace noshell {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

UrlParts SplitAfterScheme(absl::string_view s) {
  UrlParts p;
  const size_t query = s.find_first_of("?#");
  const size_t at = s.substr(0, query).rfind('@');
  if (at != absl::string_view::npos) {
    p.has_userinfo = true;
    p.userinfo = s.substr(0, at);
    s.remove_prefix(at + 1);
  }
  const size_t end = s.find_first_of("/?#");
  p.hostport = s.substr(0, end);
  p.rest = end == absl::string_view::npos ? absl::string_view() : s.substr(end);
  return p;
}

absl::StatusOr<std::string> PercentDecode(absl::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      int hi = i + 1 < s.size() ? HexValue(s[i + 1]) : -1;
      int lo = i + 2 < s.size() ? HexValue(s[i + 2]) : -1;
      if (hi < 0 || lo < 0) return absl::InvalidArgumentError("malformed %-escape");
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (plus_is_space && s[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string JoinHostPort(absl::string_view host, int port) {
  if (absl::StrContains(host, ':')) return absl::StrCat("[", host, "]:", port);
  return absl::StrCat(host, ":", port);
}

absl::StatusOr<Url> ParseUrl(absl::string_view text) {
  Url url;
  size_t sep = text.find("://");
  if (sep == absl::string_view::npos || sep == 0) {
    return absl::InvalidArgumentError("not a URL (expected scheme://...)");
  }
  url.scheme = absl::AsciiStrToLower(text.substr(0, sep));
  for (char c : url.scheme) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
      return absl::InvalidArgumentError(absl::StrCat("invalid scheme \"", url.scheme, "\""));
    }
  }
  absl::string_view rest = text.substr(sep + 3);

  size_t hash = rest.find('#');
  if (hash != absl::string_view::npos) {
    url.fragment = std::string(rest.substr(hash + 1));
    rest = rest.substr(0, hash);
  }
  const UrlParts parts = SplitAfterScheme(rest);
  absl::string_view authority = parts.hostport;
  absl::string_view path_query = parts.rest;

  if (parts.has_userinfo) {
    absl::string_view userinfo = parts.userinfo;
    size_t colon = userinfo.find(':');
    auto user = PercentDecode(userinfo.substr(0, colon));
    if (!user.ok()) return absl::InvalidArgumentError("user name: " + std::string(user.status().message()));
    url.user = *user;
    if (colon != absl::string_view::npos) {
      auto pass = PercentDecode(userinfo.substr(colon + 1));
      if (!pass.ok()) return absl::InvalidArgumentError("password: malformed %-escape");
      url.password = *pass;
    }
  }

  absl::string_view host = authority;
  absl::string_view port;
  if (absl::StartsWith(authority, "[")) {
    size_t close = authority.find(']');
    if (close == absl::string_view::npos) return absl::InvalidArgumentError("unterminated [IPv6] host");
    host = authority.substr(1, close - 1);
    absl::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return absl::InvalidArgumentError("unexpected text after ]");
      port = after.substr(1);
    }
  } else {
    size_t colon = authority.rfind(':');
    if (colon != absl::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      if (absl::StrContains(host, ':')) {
        return absl::InvalidArgumentError("IPv6 addresses must be written in brackets, e.g. [::1]:5432");
      }
    }
  }
  auto decoded_host = PercentDecode(host);
  if (!decoded_host.ok()) return absl::InvalidArgumentError("host: malformed %-escape");
  url.host = *decoded_host;
  if (!port.empty()) {
    int p = 0;
    if (!absl::SimpleAtoi(port, &p) || p <= 0 || p > 65535) {
      return absl::InvalidArgumentError(absl::StrCat("invalid port \"", port, "\" (want 1-65535)"));
    }
    url.port = p;
  } else if (authority.size() > host.size() && !absl::StartsWith(authority, "[")) {
    return absl::InvalidArgumentError("empty port after ':'");
  }

  url.raw_path_and_query = path_query.empty() ? "/" : std::string(path_query);
  if (absl::StartsWith(url.raw_path_and_query, "?")) url.raw_path_and_query.insert(0, "/");
  size_t q = path_query.find('?');
  auto path = PercentDecode(path_query.substr(0, q));
  if (!path.ok()) return absl::InvalidArgumentError("path: malformed %-escape");
  url.path = *path;
  if (q != absl::string_view::npos) {
    auto query = ParseQuery(path_query.substr(q + 1));
    if (!query.ok()) return query.status();
    url.query = *std::move(query);
  }
  return url;
}

std::vector<std::pair<absl::string_view, absl::string_view>> SplitQuery(absl::string_view query) {
  std::vector<std::pair<absl::string_view, absl::string_view>> out;
  size_t start = 0;
  while (start < query.size()) {
    size_t end = query.find('&', start);
    if (end == absl::string_view::npos) end = query.size();
    absl::string_view pair = query.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    out.emplace_back(pair.substr(0, eq), eq == absl::string_view::npos ? absl::string_view() : pair.substr(eq + 1));
  }
  return out;
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ParseQuery(absl::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [k, v] : SplitQuery(query)) {
    auto key = PercentDecode(k, true);
    auto value = PercentDecode(v, true);
    if (!key.ok() || !value.ok()) return absl::InvalidArgumentError("query: malformed %-escape");
    out.emplace_back(*std::move(key), *std::move(value));
  }
  return out;
}

}  // namespace noshell
