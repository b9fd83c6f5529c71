// common/verdict.cc — pure decisions on PostgreSQL, Redis and HTTP answers.
#include "common/verdict.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/static_stubs.h"

namespace noshell {
namespace {

bool IsSqlStateChar(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'); }

uint32_t ReadBe32(absl::string_view s) {
  return (static_cast<uint32_t>(static_cast<unsigned char>(s[0])) << 24) |
         (static_cast<uint32_t>(static_cast<unsigned char>(s[1])) << 16) |
         (static_cast<uint32_t>(static_cast<unsigned char>(s[2])) << 8) |
         static_cast<uint32_t>(static_cast<unsigned char>(s[3]));
}

void AppendBe32(std::string* out, uint32_t v) {
  out->push_back(static_cast<char>(v >> 24));
  out->push_back(static_cast<char>(v >> 16));
  out->push_back(static_cast<char>(v >> 8));
  out->push_back(static_cast<char>(v));
}

}  // namespace

PgError ParsePgError(absl::string_view msg) {
  PgError e;
  // Verbose server errors read "...failed: FATAL:  28P01: password authentication failed...".
  for (size_t pos = msg.find(":  "); pos != absl::string_view::npos; pos = msg.find(":  ", pos + 1)) {
    absl::string_view rest = msg.substr(pos + 3);
    if (rest.size() >= 7 && IsSqlStateChar(rest[0]) && IsSqlStateChar(rest[1]) &&
        IsSqlStateChar(rest[2]) && IsSqlStateChar(rest[3]) && IsSqlStateChar(rest[4]) &&
        rest[5] == ':' && rest[6] == ' ') {
      e.sqlstate = std::string(rest.substr(0, 5));
      absl::string_view text = rest.substr(7);
      text = text.substr(0, text.find('\n'));
      size_t sev_start = msg.rfind(' ', pos);
      absl::string_view severity =
          msg.substr(sev_start == absl::string_view::npos ? 0 : sev_start + 1,
                     pos - (sev_start == absl::string_view::npos ? 0 : sev_start + 1));
      e.message = absl::StrCat(severity, ": ", absl::StripAsciiWhitespace(text), " (SQLSTATE ",
                               e.sqlstate, ")");
      return e;
    }
  }
  // Client-side failure: keep the first line, without libpq's "connection to server ... failed: ".
  absl::string_view line = msg.substr(0, msg.find('\n'));
  if (size_t f = line.find(" failed: "); f != absl::string_view::npos &&
                                        absl::StartsWith(line, "connection to server")) {
    line = line.substr(f + 9);
  }
  e.message = std::string(absl::StripAsciiWhitespace(line));
  if (e.message.empty()) e.message = "connection failed";
  return e;
}

absl::Status PgConnectVerdict(const PgError& e, ProbeMode mode) {
  if (absl::StrContains(e.message, "not supported by this static build")) {
    return absl::UnimplementedError(e.message);
  }
  if (absl::StrContains(e.message, "LDAP")) {
    return absl::UnimplementedError(absl::StrCat(e.message, ": ", NOSHELL_NO_LDAP_MESSAGE));
  }
  const std::string& s = e.sqlstate;
  if (s.empty()) return absl::UnavailableError(e.message);
  if (s == "57P03") {
    if (mode == ProbeMode::kLiveness) return absl::OkStatus();
    return absl::UnavailableError(e.message);
  }
  if (absl::StartsWith(s, "28")) return absl::UnauthenticatedError(e.message);
  if (s == "3D000") return absl::NotFoundError(e.message);
  if (s == "42501") return absl::PermissionDeniedError(e.message);
  if (absl::StartsWith(s, "08") || absl::StartsWith(s, "53") || absl::StartsWith(s, "57")) {
    return absl::UnavailableError(e.message);
  }
  return absl::UnknownError(e.message);
}

absl::Status PgRoleVerdict(bool in_recovery, bool read_only, PgRole want) {
  switch (want) {
    case PgRole::kAny:
      return absl::OkStatus();
    case PgRole::kPrimary:
      if (in_recovery) return absl::FailedPreconditionError("server is a standby, want primary");
      return absl::OkStatus();
    case PgRole::kStandby:
      if (!in_recovery) return absl::FailedPreconditionError("server is a primary, want standby");
      return absl::OkStatus();
    case PgRole::kReadWrite:
      if (in_recovery) return absl::FailedPreconditionError("server is a standby, want read-write");
      if (read_only) return absl::FailedPreconditionError("server is read-only (default_transaction_read_only), want read-write");
      return absl::OkStatus();
  }
  return absl::OkStatus();
}

absl::Status PgQueryVerdict(absl::string_view sqlstate, std::string message) {
  if (sqlstate == "42501") return absl::PermissionDeniedError(message);
  if (absl::StartsWith(sqlstate, "42")) return absl::InvalidArgumentError(message);
  return absl::UnavailableError(message);
}

bool PgIsDuplicateObject(absl::string_view sqlstate) { return sqlstate == "23505" || sqlstate == "42P07"; }

bool PgIsLockTimeout(absl::string_view sqlstate) { return sqlstate == "55P03"; }

bool PgIsUndefinedTable(absl::string_view sqlstate) { return sqlstate == "42P01" || sqlstate == "3F000"; }

bool PgTruthy(absl::string_view value) {
  std::string v = absl::AsciiStrToLower(absl::StripAsciiWhitespace(value));
  return v == "t" || v == "true" || v == "1" || v == "on" || v == "yes" || v == "y";
}

std::string PgStartupMessage(absl::string_view user, absl::string_view database) {
  std::string body;
  AppendBe32(&body, 196608);  // protocol 3.0
  for (absl::string_view kv : {absl::string_view("user"), user, absl::string_view("database"), database,
                               absl::string_view("application_name"), absl::string_view("noshell")}) {
    body.append(kv.data(), kv.size());
    body.push_back('\0');
  }
  body.push_back('\0');
  std::string msg;
  AppendBe32(&msg, static_cast<uint32_t>(body.size() + 4));
  msg += body;
  return msg;
}

absl::Status PgPingVerdict(absl::string_view data, ProbeMode mode) {
  if (data.size() < 5) return absl::UnavailableError("server closed the connection without answering");
  const char type = data[0];
  if (type == 'R') return absl::OkStatus();  // an authentication request: the server is accepting
  if (type != 'E') {
    return absl::UnavailableError(absl::StrCat("unexpected reply to startup (message type '", std::string(1, type), "')"));
  }
  uint32_t len = ReadBe32(data.substr(1));
  absl::string_view body = data.substr(5, len >= 4 ? len - 4 : 0);
  std::string code, text, severity;
  while (!body.empty() && body[0] != '\0') {
    char field = body[0];
    size_t end = body.find('\0', 1);
    if (end == absl::string_view::npos) break;
    absl::string_view value = body.substr(1, end - 1);
    if (field == 'C') code = std::string(value);
    if (field == 'M') text = std::string(value);
    if (field == 'S') severity = std::string(value);
    body.remove_prefix(end + 1);
  }
  if (code == "57P03") {
    if (mode == ProbeMode::kLiveness) return absl::OkStatus();
    return absl::UnavailableError(absl::StrCat(severity.empty() ? "FATAL" : severity, ": ", text, " (SQLSTATE 57P03)"));
  }
  // Any other error (unknown user, no pg_hba entry...) still proves the server is up and
  // accepting connections: pg_isready's semantics.
  return absl::OkStatus();
}

absl::Status RedisPingVerdict(const RedisReplyView& reply, ProbeMode mode) {
  if ((reply.kind == RedisReplyKind::kStatus || reply.kind == RedisReplyKind::kString) && reply.text == "PONG") {
    return absl::OkStatus();
  }
  if (reply.kind != RedisReplyKind::kError) {
    return absl::UnknownError(absl::StrCat("unexpected reply to PING: ", reply.text));
  }
  const std::string& t = reply.text;
  if (absl::StartsWith(t, "LOADING")) {
    if (mode == ProbeMode::kLiveness) return absl::OkStatus();
    return absl::UnavailableError(t);
  }
  if (absl::StartsWith(t, "NOAUTH") || absl::StartsWith(t, "WRONGPASS") || absl::StartsWith(t, "NOPERM")) {
    return absl::UnauthenticatedError(t);
  }
  return absl::UnavailableError(t);  // MASTERDOWN, BUSY, MISCONF, ... with the reply as the reason
}

absl::Status RedisCommandVerdict(absl::string_view command, const RedisReplyView& reply) {
  if (reply.kind == RedisReplyKind::kStatus && reply.text == "OK") return absl::OkStatus();
  std::string msg = absl::StrCat(command, ": ", reply.text);
  if (reply.kind != RedisReplyKind::kError) return absl::UnknownError(msg);
  if (absl::StartsWith(reply.text, "LOADING")) return absl::UnavailableError(msg);
  if (command == "AUTH" || absl::StartsWith(reply.text, "WRONGPASS") || absl::StartsWith(reply.text, "NOAUTH")) {
    return absl::UnauthenticatedError(msg);
  }
  return absl::InvalidArgumentError(msg);
}

absl::Status RedisRoleVerdict(absl::string_view info, RedisRole want) {
  if (want == RedisRole::kAny) return absl::OkStatus();
  std::string role, link, master;
  for (absl::string_view line : absl::StrSplit(info, '\n')) {
    line = absl::StripTrailingAsciiWhitespace(line);
    if (absl::ConsumePrefix(&line, "role:")) role = std::string(line);
    else if (absl::ConsumePrefix(&line, "master_link_status:")) link = std::string(line);
    else if (absl::ConsumePrefix(&line, "master_host:")) master = std::string(line);
  }
  if (role.empty()) return absl::UnknownError("INFO replication has no role");
  const std::string have = role == "slave" ? "replica" : role;
  if (want == RedisRole::kMaster) {
    if (have == "master") return absl::OkStatus();
    return absl::FailedPreconditionError(absl::StrCat("role is ", have, ", want master"));
  }
  if (have != "replica") return absl::FailedPreconditionError(absl::StrCat("role is ", have, ", want replica"));
  if (link != "up") {
    return absl::UnavailableError(absl::StrCat("replica's link to master ", master, " is ", link.empty() ? "unknown" : link));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<HttpHead>> ParseHttpHead(absl::string_view buf) {
  size_t end = buf.find("\r\n\r\n");
  size_t sep = 4;
  if (end == absl::string_view::npos) {
    end = buf.find("\n\n");
    sep = 2;
  }
  if (end == absl::string_view::npos) {
    if (buf.size() > 16384) return absl::UnavailableError("HTTP response head larger than 16 KiB");
    return std::optional<HttpHead>();
  }
  HttpHead h;
  h.head_len = end + sep;
  std::vector<absl::string_view> lines = absl::StrSplit(buf.substr(0, end), '\n');
  absl::string_view status_line = absl::StripTrailingAsciiWhitespace(lines[0]);
  if (!absl::StartsWith(status_line, "HTTP/1.")) {
    return absl::UnavailableError("not an HTTP/1.x response");
  }
  std::vector<absl::string_view> parts = absl::StrSplit(status_line, absl::MaxSplits(' ', 2));
  if (parts.size() < 2 || parts[1].size() != 3 || !absl::SimpleAtoi(parts[1], &h.status)) {
    return absl::UnavailableError("malformed HTTP status line");
  }
  if (parts.size() == 3) h.reason = std::string(parts[2]);
  for (size_t i = 1; i < lines.size(); ++i) {
    absl::string_view line = absl::StripTrailingAsciiWhitespace(lines[i]);
    size_t colon = line.find(':');
    if (colon == absl::string_view::npos) continue;
    std::string name = absl::AsciiStrToLower(line.substr(0, colon));
    absl::string_view value = absl::StripAsciiWhitespace(line.substr(colon + 1));
    if (name == "content-length") {
      size_t n = 0;
      if (absl::SimpleAtoi(value, &n)) h.content_length = n;
    } else if (name == "transfer-encoding" && absl::StrContains(absl::AsciiStrToLower(value), "chunked")) {
      h.chunked = true;
    }
  }
  return std::optional<HttpHead>(h);
}

constexpr size_t kMaxChunkLine = 4096;

absl::StatusOr<std::string> DecodeChunked(absl::string_view body, bool* complete) {
  std::string out;
  *complete = false;
  while (true) {
    size_t eol = body.find("\r\n");
    if (eol == absl::string_view::npos) {
      // A chunk-size line (with its extensions) is a few bytes; one that never ends is not HTTP.
      if (body.size() > kMaxChunkLine) return absl::UnavailableError("malformed chunked encoding: chunk line longer than 4 KiB");
      return out;
    }
    if (eol > kMaxChunkLine) return absl::UnavailableError("malformed chunked encoding: chunk line longer than 4 KiB");
    absl::string_view size_text = body.substr(0, eol);
    size_text = size_text.substr(0, size_text.find(';'));
    uint64_t size = 0;
    if (!absl::SimpleHexAtoi(absl::StripAsciiWhitespace(size_text), &size)) {
      return absl::UnavailableError("malformed chunked encoding");
    }
    if (size == 0) {
      *complete = true;
      return out;
    }
    body.remove_prefix(eol + 2);
    if (body.size() < size) {
      out.append(body.data(), body.size());
      return out;
    }
    out.append(body.data(), size);
    body.remove_prefix(size);
    if (body.size() < 2) return out;
    body.remove_prefix(2);
  }
}

absl::Status HttpVerdict(const HttpHead& head, const std::vector<StatusRange>& ok,
                         absl::string_view body, absl::string_view want_body, bool body_complete) {
  bool status_ok = false;
  for (const StatusRange& r : ok) status_ok |= head.status >= r.lo && head.status <= r.hi;
  if (!status_ok) {
    return absl::UnavailableError(absl::StrCat("HTTP ", head.status, head.reason.empty() ? "" : " ", head.reason));
  }
  if (!want_body.empty() && !absl::StrContains(body, want_body)) {
    return absl::UnavailableError(absl::StrCat("HTTP ", head.status, " but the body", body_complete ? "" : " (first 64 KiB)",
                                               " does not contain \"", want_body, "\""));
  }
  return absl::OkStatus();
}

}  // namespace noshell
