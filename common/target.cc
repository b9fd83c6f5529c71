// common/target.cc — target string parsing for every kind.
#include "common/target.h"

#include <map>
#include <memory>

#include <libpq-fe.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/redact.h"
#include "common/status_macros.h"
#include "common/url.h"

namespace noshell {
namespace {

absl::Status Bad(absl::string_view target, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("target ", RedactTarget(target), ": ", why));
}

// Our own per-target options, allowed per kind.
bool IsOwnOption(TargetKind kind, absl::string_view key) {
  switch (kind) {
    case TargetKind::kPostgres: return key == "check" || key == "query" || key == "role";
    case TargetKind::kRedis: return key == "role" || key == "ca_file" || key == "insecure" || key == "db";
    case TargetKind::kFile: return key == "max_age";
    default: return false;
  }
}

// The password of "scheme://user:password@host...", as written and %-decoded, for the Redactor.
void RegisterUrlPassword(absl::string_view text) {
  size_t sep = text.find("://");
  if (sep == absl::string_view::npos) return;
  const UrlParts parts = SplitAfterScheme(text.substr(sep + 3));
  size_t colon = parts.userinfo.find(':');
  if (!parts.has_userinfo || colon == absl::string_view::npos) return;
  absl::string_view raw = parts.userinfo.substr(colon + 1);
  Redactor::Global().Add(raw);
  if (auto decoded = PercentDecode(raw); decoded.ok()) Redactor::Global().Add(*decoded);
}

// Values of secret-looking query parameters (?token=..., ?api_key=...), as written and decoded:
// an HTTP server may echo its request line back in an error.
void RegisterQuerySecrets(absl::string_view text) {
  size_t q = text.find('?');
  if (q == absl::string_view::npos) return;
  absl::string_view query = text.substr(q + 1);
  query = query.substr(0, query.find('#'));
  for (const auto& [key, raw] : SplitQuery(query)) {
    if (!IsSecretKey(key) || raw.empty()) continue;
    Redactor::Global().Add(raw);
    if (auto decoded = PercentDecode(raw, true); decoded.ok()) Redactor::Global().Add(*decoded);
  }
}

absl::Status ParsePostgres(absl::string_view text, const Env& env, Target* t) {
  t->kind = TargetKind::kPostgres;
  std::map<std::string, std::string> own;  // our options from the query
  std::string conninfo;
  if (absl::StrContains(text, "://")) {
    // postgresql+asyncpg://, postgres+psycopg://, jdbc:postgresql:// all mean postgresql://.
    absl::string_view rest = text.substr(text.find("://") + 3);
    // Only the query is ours to read; libpq parses the rest (multi-host lists included).
    std::vector<std::pair<std::string, std::string>> query;
    if (size_t qpos = rest.find('?'); qpos != absl::string_view::npos) {
      auto parsed = ParseQuery(rest.substr(qpos + 1));
      if (!parsed.ok()) return Bad(text, parsed.status().message());
      query = *std::move(parsed);
    }
    // Rebuild the query without our own options; asyncpg's ssl= means libpq's sslmode=.
    std::vector<std::string> kept;
    for (const auto& [k, v] : query) {
      if (IsOwnOption(TargetKind::kPostgres, k)) {
        own[k] = v;
      } else if (k == "ssl") {
        kept.push_back(absl::StrCat("sslmode=", v == "true" ? "require" : v));
      } else {
        kept.push_back(absl::StrCat(k, "=", v));
      }
    }
    size_t q = rest.find('?');
    absl::string_view before_query = rest.substr(0, q);
    conninfo = absl::StrCat("postgresql://", before_query);
    if (!kept.empty()) {
      // Values were decoded above; libpq decodes again, so re-escape the few characters that matter.
      std::vector<std::string> escaped;
      for (const std::string& kv : kept) {
        std::string e;
        for (char c : kv) {
          if (c == '%' || c == '&' || c == '#' || c == ' ' || c == '+') {
            absl::StrAppend(&e, "%", absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
          } else {
            e.push_back(c);
          }
        }
        // Keep the first '=' literal.
        size_t eq = kv.find('=');
        std::string key = kv.substr(0, eq);
        escaped.push_back(absl::StrCat(key, "=", e.substr(key.size() + 1)));
      }
      absl::StrAppend(&conninfo, "?", absl::StrJoin(escaped, "&"));
    }
  } else {
    conninfo = std::string(text);
  }

  // The password is a secret before libpq has parsed anything: its errors quote what they read.
  RegisterUrlPassword(text);
  char* err = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> opts(
      PQconninfoParse(conninfo.c_str(), &err), &PQconninfoFree);
  if (opts == nullptr) {
    // libpq quotes the token it choked on, or the whole URI, password included: keep its words,
    // never what it quotes (unless that is a keyword such as "user").
    std::string why = err != nullptr ? HideQuotedValues(absl::StripTrailingAsciiWhitespace(err))
                                     : "cannot parse connection string";
    PQfreemem(err);
    return Bad(text, why);
  }
  for (PQconninfoOption* o = opts.get(); o->keyword != nullptr; ++o) {
    if (o->val != nullptr && o->val[0] != '\0') t->pg_params.emplace_back(o->keyword, o->val);
  }
  // PG* variables fill what the target leaves out; PGPASSWORD may come from PGPASSWORD_FILE.
  struct EnvDefault { const char* key; const char* var; };
  for (const EnvDefault& d : {EnvDefault{"host", "PGHOST"}, EnvDefault{"port", "PGPORT"},
                              EnvDefault{"user", "PGUSER"}, EnvDefault{"dbname", "PGDATABASE"}}) {
    if (PgParam(*t, d.key).empty()) {
      if (auto v = env.Get(d.var); v.has_value() && !v->empty()) t->pg_params.emplace_back(d.key, *v);
    }
  }
  // Then the official postgres image's POSTGRES_USER (or POSTGRES_USER_FILE): inside that image,
  // and next to it in a compose file, it names the superuser its first start made, the role a
  // health check of `postgres:///postgres?host=/var/run/postgresql` means.
  if (PgParam(*t, "user").empty()) {
    auto user = GetSecret(env, "POSTGRES_USER", WholeValue::kMayContainSecret);
    if (!user.ok()) return Bad(text, user.status().message());
    if (user->has_value() && !(*user)->empty()) t->pg_params.emplace_back("user", **user);
  }
  if (PgParam(*t, "password").empty()) {
    auto pw = GetSecret(env, "PGPASSWORD");
    if (!pw.ok()) return Bad(text, pw.status().message());
    if (pw->has_value()) t->pg_params.emplace_back("password", **pw);
  } else {
    Redactor::Global().Add(PgParam(*t, "password"));
  }

  for (const auto& [k, v] : own) {
    if (k == "check") {
      t->options.pg_check = ParsePgCheck(v);
      if (!t->options.pg_check) return Bad(text, "check= must be login or ping");
    } else if (k == "role") {
      t->options.pg_role = ParsePgRole(v);
      if (!t->options.pg_role) return Bad(text, "role= must be primary, standby or read-write");
    } else if (k == "query") {
      t->options.pg_query = v;
    }
  }
  std::string host = PgParam(*t, "host");
  if (host.empty()) host = PgParam(*t, "hostaddr");
  std::string port = PgParam(*t, "port");
  std::string user = PgParam(*t, "user");
  std::string db = PgParam(*t, "dbname");
  // IPv6 literals in brackets, each host with its own port when the list gives one:
  // "postgres://app@[::1]:5432/app", "postgres://app@db1,db2:5433/app".
  std::vector<std::string> hosts = absl::StrSplit(host, ',');
  std::vector<std::string> ports = absl::StrSplit(port, ',');
  std::vector<std::string> shown;
  for (size_t i = 0; i < hosts.size(); ++i) {
    std::string h = hosts[i];
    if (absl::StrContains(h, ':') && !absl::StartsWith(h, "/")) h = absl::StrCat("[", h, "]");
    if (h.empty() && hosts.size() == 1) h = "/var/run/postgresql";
    const std::string p = ports.size() == hosts.size() ? ports[i] : (i + 1 == hosts.size() ? port : "");
    shown.push_back(p.empty() ? h : absl::StrCat(h, ":", p));
  }
  t->display = absl::StrCat("postgres://", user.empty() ? "" : absl::StrCat(user, "@"), absl::StrJoin(shown, ","),
                            db.empty() ? "" : "/", db);
  if (std::string service = PgParam(*t, "service"); !service.empty()) absl::StrAppend(&t->display, "?service=", service);
  t->display = Redactor::Global().Scrub(t->display);
  return absl::OkStatus();
}

absl::Status ParseRedis(absl::string_view text, const Env& env, const Url& url,
                        const std::map<std::string, std::string>& own, Target* t) {
  t->kind = TargetKind::kRedis;
  t->tls = url.scheme == "rediss";
  t->host = url.host.empty() ? "localhost" : url.host;
  t->port = url.port.value_or(6379);
  t->user = url.user;
  t->password = url.password;
  if (t->password.has_value() && t->password->empty()) t->password.reset();
  if (!t->password.has_value()) {
    auto pw = GetSecret(env, "REDISCLI_AUTH");
    if (!pw.ok()) return Bad(text, pw.status().message());
    t->password = *pw;
  } else {
    Redactor::Global().Add(*t->password);
    RegisterUrlPassword(text);  // as written, too: %-encoded forms show up in echoed requests
  }
  absl::string_view db = absl::StripPrefix(url.path, "/");
  if (auto it = own.find("db"); it != own.end()) db = it->second;
  if (!db.empty() && (!absl::SimpleAtoi(db, &t->redis_db) || t->redis_db < 0)) {
    return Bad(text, absl::StrCat("database \"", db, "\" is not a number"));
  }
  if (auto it = own.find("role"); it != own.end()) {
    t->options.redis_role = ParseRedisRole(it->second);
    if (!t->options.redis_role) return Bad(text, "role= must be master or replica");
  }
  if (auto it = own.find("ca_file"); it != own.end()) t->options.ca_file = it->second;
  if (auto it = own.find("insecure"); it != own.end()) {
    const std::string& v = it->second;
    if (v.empty() || v == "true" || v == "1") t->options.insecure = true;
    else if (v == "false" || v == "0") t->options.insecure = false;
    else return Bad(text, "insecure= must be true or false");
  }
  t->display = absl::StrCat(url.scheme, "://", t->user.empty() ? "" : absl::StrCat(t->user, "@"),
                            JoinHostPort(t->host, t->port), "/", t->redis_db);
  return absl::OkStatus();
}

}  // namespace

std::string PgParam(const Target& t, absl::string_view key) {
  for (const auto& [k, v] : t.pg_params) {
    if (k == key) return v;
  }
  return "";
}

absl::StatusOr<Target> ParseTarget(absl::string_view text, const Env& env) {
  text = absl::StripAsciiWhitespace(text);
  if (text.empty()) return absl::InvalidArgumentError("empty target");
  if (absl::StartsWith(text, "env:")) {
    absl::string_view name = text.substr(4);
    if (name.empty()) return absl::InvalidArgumentError("target env: names no variable");
    auto value = GetSecret(env, name, WholeValue::kMayContainSecret);
    if (!value.ok()) return absl::InvalidArgumentError(absl::StrCat("target ", text, ": ", value.status().message()));
    if (!value->has_value() || (*value)->empty()) {
      return absl::InvalidArgumentError(absl::StrCat("target ", text, ": ", name, " is not set or empty"));
    }
    // One level only: "X=env:X", or a cycle, would otherwise recurse for ever.
    if (absl::StartsWith(absl::StripAsciiWhitespace(**value), "env:")) {
      return absl::InvalidArgumentError(absl::StrCat("target ", text, ": the value of ", name,
                                                     " is itself env:...; env: refers to one variable, whose "
                                                     "value must be the target"));
    }
    // The value may be a secret itself (a password file named by mistake): errors name the
    // variable, never its value.
    absl::StatusOr<Target> t = ParseTarget(**value, env);
    if (!t.ok()) {
      std::string prefix = absl::StrCat("target ", RedactTarget(**value), ": ");
      absl::string_view why = t.status().message();
      if (absl::StartsWith(why, prefix)) why.remove_prefix(prefix.size());
      else why = "not a valid target";
      return absl::Status(t.status().code(), absl::StrCat("target ", text, ": value of ", name, ": ", why));
    }
    return t;
  }

  Target t;
  size_t sep = text.find("://");
  if (sep == absl::string_view::npos) {
    if (absl::StrContains(text, '=')) {
      NOSHELL_RETURN_IF_ERROR(ParsePostgres(text, env, &t));
      return t;
    }
    return Bad(text,
               "not a target; want postgres://, redis://, rediss://, tcp://host:port, unix:///path, "
               "http(s)://, file:///path, a libpq key=value string or env:NAME");
  }
  std::string scheme = absl::AsciiStrToLower(text.substr(0, sep));
  if (scheme == "postgres" || scheme == "postgresql" || scheme == "jdbc:postgresql" ||
      absl::StartsWith(scheme, "postgresql+") || absl::StartsWith(scheme, "postgres+")) {
    NOSHELL_RETURN_IF_ERROR(ParsePostgres(text, env, &t));
    return t;
  }

  auto url = ParseUrl(text);
  if (!url.ok()) return Bad(text, url.status().message());
  if (scheme == "redis" || scheme == "rediss") t.kind = TargetKind::kRedis;
  else if (scheme == "tcp") t.kind = TargetKind::kTcp;
  else if (scheme == "unix") t.kind = TargetKind::kUnix;
  else if (scheme == "http" || scheme == "https") t.kind = TargetKind::kHttp;
  else if (scheme == "file") t.kind = TargetKind::kFile;
  else return Bad(text, absl::StrCat("unknown scheme \"", scheme, "\""));

  std::map<std::string, std::string> own;  // our options from the query
  if (t.kind != TargetKind::kHttp) {
    for (const auto& [k, v] : url->query) {
      if (!IsOwnOption(t.kind, k)) {
        return Bad(text, absl::StrCat("unknown option \"", k, "\" for a ", scheme, " target"));
      }
      own[k] = v;
    }
  }

  switch (t.kind) {
    case TargetKind::kRedis:
      NOSHELL_RETURN_IF_ERROR(ParseRedis(text, env, *url, own, &t));
      break;
    case TargetKind::kTcp:
      if (url->host.empty() || !url->port.has_value()) return Bad(text, "want tcp://host:port");
      t.host = url->host;
      t.port = *url->port;
      t.display = absl::StrCat("tcp://", JoinHostPort(t.host, t.port));
      break;
    case TargetKind::kUnix:
    case TargetKind::kFile:
      if (!url->host.empty() && url->host != "localhost") {
        return Bad(text, absl::StrCat("want ", scheme, ":///absolute/path (three slashes)"));
      }
      if (url->path.empty() || url->path[0] != '/') return Bad(text, "path must be absolute");
      t.path = url->path;
      t.display = absl::StrCat(scheme, "://", t.path);
      if (t.kind == TargetKind::kFile) {
        if (auto it = own.find("max_age"); it != own.end()) {
          absl::Duration d;
          if (!absl::ParseDuration(it->second, &d) || d <= absl::ZeroDuration()) {
            return Bad(text, absl::StrCat("max_age=", it->second, " is not a positive duration such as 30s"));
          }
          t.options.max_age = d;
        }
      }
      break;
    case TargetKind::kHttp:
      if (url->host.empty()) return Bad(text, "no host");
      t.tls = scheme == "https";
      t.host = url->host;
      t.port = url->port.value_or(t.tls ? 443 : 80);
      t.request = url->raw_path_and_query;
      t.user = url->user;
      t.password = url->password;
      if (t.password.has_value()) Redactor::Global().Add(*t.password);
      RegisterQuerySecrets(text);
      t.display = RedactTarget(text);
      break;
    case TargetKind::kPostgres:
      break;
  }
  return t;
}

}  // namespace noshell
