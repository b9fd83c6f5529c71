// entrypoint/init_scripts.cc — see init_scripts.h.
#include "entrypoint/init_scripts.h"

#include <zlib.h>

#include <algorithm>
#include <iterator>
#include <memory>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errno_status.h"
#include "common/file.h"
#include "common/status_macros.h"
#include "migrate/source.h"
#include "migrate/split.h"
#include "spdlog/spdlog.h"

namespace noshell {
namespace {

// gunzip, member after member, refusing more than `max_bytes` of output.
absl::StatusOr<std::string> Gunzip(const std::string& in, const std::string& path, size_t max_bytes) {
  std::string out;
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return absl::InternalError("zlib: inflateInit2 failed");
  std::unique_ptr<z_stream, int (*)(z_stream*)> done(&z, &inflateEnd);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  char buf[1 << 16];
  for (;;) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    const int rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": not a valid gzip file (", z.msg != nullptr ? z.msg : "corrupt", ")"));
    }
    const size_t produced = sizeof buf - z.avail_out;
    if (out.size() + produced > max_bytes) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": larger than ", max_bytes, " bytes once decompressed"));
    }
    out.append(buf, produced);
    if (rc == Z_STREAM_END) {
      if (z.avail_in == 0) return out;
      if (inflateReset(&z) != Z_OK) return absl::InternalError("zlib: inflateReset failed");  // the next member
      continue;
    }
    if (rc == Z_BUF_ERROR && produced == 0) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": truncated gzip file"));
    }
  }
}

// A psql meta-command line: a backslash, a command name psql knows, its arguments (psql's
// quoting: 'single', "double" kept as written minus the quotes). Only the names worth telling
// apart from data are read: COPY data lines start with escapes such as \N or \t, which are not
// here, and stay data.
struct PsqlCommand {
  std::string name;
  std::vector<std::string> args;
};

std::optional<PsqlCommand> ReadPsqlCommand(absl::string_view line) {
  line = absl::StripAsciiWhitespace(line);
  if (line.size() < 2 || line[0] != '\\') return std::nullopt;
  size_t n = 1;
  while (n < line.size() && (absl::ascii_isalpha(line[n]) || line[n] == '_')) ++n;
  PsqlCommand c{std::string(line.substr(1, n - 1)), {}};
  static const char* const kKnown[] = {"c", "connect", "set", "unset", "i", "include", "ir", "include_relative", "g", "gexec", "gset",
                                       "gx", "if", "elif", "else", "endif", "echo", "qecho", "warn", "o", "out", "q", "quit", "copy",
                                       "pset", "timing", "x", "a", "C", "H", "setenv", "prompt", "password", "cd", "lo_import", "watch"};
  if (std::find_if(std::begin(kKnown), std::end(kKnown), [&](const char* k) { return c.name == k; }) == std::end(kKnown)) {
    return std::nullopt;
  }
  if (n < line.size() && !absl::ascii_isspace(line[n])) return std::nullopt;  // \cx is not \c
  for (size_t i = n; i < line.size();) {
    while (i < line.size() && absl::ascii_isspace(line[i])) ++i;
    if (i >= line.size()) break;
    std::string arg;
    if (line[i] == '\'' || line[i] == '"') {
      const char q = line[i++];
      while (i < line.size()) {
        if (line[i] == q && i + 1 < line.size() && line[i + 1] == q) {  // a doubled quote is one
          arg.push_back(q);
          i += 2;
        } else if (line[i] == q) {
          ++i;
          break;
        } else {
          arg.push_back(line[i++]);
        }
      }
    } else {
      while (i < line.size() && !absl::ascii_isspace(line[i])) arg.push_back(line[i++]);
    }
    c.args.push_back(std::move(arg));
  }
  return c;
}

}  // namespace

absl::StatusOr<std::vector<InitScript>> ListInitScripts(const std::string& dir) {
  std::vector<InitScript> out;
  absl::StatusOr<std::vector<std::string>> names = ListDirectory(dir);
  if (absl::IsNotFound(names.status())) return out;
  if (!names.ok()) return absl::InvalidArgumentError(names.status().message());
  std::vector<std::string> refused;
  for (const std::string& name : *names) {
    if (absl::StartsWith(name, ".")) continue;
    InitScript s{absl::StrCat(dir, "/", name), name, InitScriptKind::kOther};
    if (absl::EndsWith(name, ".sql")) s.kind = InitScriptKind::kSql;
    else if (absl::EndsWith(name, ".sql.gz")) s.kind = InitScriptKind::kSqlGz;
    else if (absl::EndsWith(name, ".sh")) refused.push_back(absl::StrCat(s.path, " (a shell script: there is no shell to run it)"));
    else if (absl::EndsWith(name, ".sql.xz") || absl::EndsWith(name, ".sql.zst") || absl::EndsWith(name, ".sql.bz2")) {
      refused.push_back(absl::StrCat(s.path, " (compressed with what this build cannot read: use .sql or .sql.gz)"));
    }
    out.push_back(std::move(s));
  }
  if (!refused.empty()) {
    std::sort(refused.begin(), refused.end());
    return absl::InvalidArgumentError(absl::StrCat("init scripts that cannot run here: ", absl::StrJoin(refused, "; "),
                                                   ". Nothing was run"));
  }
  std::sort(out.begin(), out.end(), [](const InitScript& a, const InitScript& b) { return a.name < b.name; });
  return out;
}

absl::StatusOr<std::string> ReadInitScript(const InitScript& script, size_t max_bytes) {
  absl::StatusOr<std::string> raw = ReadWholeFile(script.path, max_bytes, "init script");
  if (!raw.ok()) return absl::InvalidArgumentError(raw.status().message());
  std::string sql = *std::move(raw);
  if (script.kind == InitScriptKind::kSqlGz) {
    NOSHELL_ASSIGN_OR_RETURN(sql, Gunzip(sql, script.path, max_bytes));
  }
  return NormalizeSql(sql);
}

absl::StatusOr<std::vector<ScriptPart>> SplitPsqlScript(const std::string& sql) {
  std::vector<ScriptPart> parts(1);
  int line_number = 0;
  bool in_copy_data = false;
  for (absl::string_view rest = sql; !rest.empty();) {
    const size_t eol = rest.find('\n');
    const absl::string_view line = rest.substr(0, eol == absl::string_view::npos ? rest.size() : eol + 1);
    rest.remove_prefix(line.size());
    ++line_number;
    std::optional<PsqlCommand> command = in_copy_data ? std::nullopt : ReadPsqlCommand(line);
    if (in_copy_data && absl::StripTrailingAsciiWhitespace(line) == "\\.") in_copy_data = false;
    // A command only where a statement may start: what came before must be whole statements (it
    // is not when the line is COPY data, or inside a dollar-quoted or multi-line string). Inside
    // COPY data nothing is checked again until its "\." line: a long COPY stays linear.
    if (command.has_value()) {
      const absl::Status whole = SplitSql(parts.back().sql, parts.back().first_line).status();
      if (!whole.ok()) {
        command.reset();
        in_copy_data = absl::IsFailedPrecondition(whole);  // COPY ... FROM stdin without its "\." yet
      }
    }
    if (!command.has_value()) {
      parts.back().sql.append(line.data(), line.size());
      continue;
    }
    if (command->name == "c" || command->name == "connect") {
      if (command->args.empty() || command->args.size() > 2 || command->args[0] == "-") {
        return absl::InvalidArgumentError(absl::StrCat("line ", line_number, ": \\", command->name,
                                                       " takes a database name (and nothing else here: the user, host and port are the first start's)"));
      }
      parts.back().connect_to = command->args[0];
      parts.emplace_back();
    } else if (command->name == "set" && command->args.size() == 2 && command->args[0] == "ON_ERROR_STOP" &&
               (command->args[1] == "on" || command->args[1] == "1" || command->args[1] == "true")) {
      // What we always do. Its line stays in the part as an empty one, so the statements after it
      // keep their line numbers (unless nothing came before it in this part).
      if (!parts.back().sql.empty()) {
        parts.back().sql.push_back('\n');
        continue;
      }
    } else {
      return absl::InvalidArgumentError(absl::StrCat("line ", line_number, ": psql's \\", command->name,
                                                     " is not supported here (only \\connect DB and \\set ON_ERROR_STOP on are; this is "
                                                     "not psql)"));
    }
    parts.back().first_line = line_number + 1;
  }
  return parts;
}

absl::Status RunInitScript(Database* db, const InitScript& script, const std::string& sql, const ConnectTo& connect) {
  absl::StatusOr<std::vector<ScriptPart>> parts = SplitPsqlScript(sql);
  if (!parts.ok()) return absl::InvalidArgumentError(absl::StrCat(script.name, ", ", parts.status().message()));
  std::vector<std::vector<Statement>> statements;
  size_t count = 0;
  for (const ScriptPart& part : *parts) {
    absl::StatusOr<std::vector<Statement>> split = SplitSql(part.sql, part.first_line);
    if (!split.ok()) return absl::InvalidArgumentError(absl::StrCat(script.name, ", ", split.status().message()));
    count += split->size();
    statements.push_back(*std::move(split));
  }
  spdlog::info("init script {}: {} statements", script.name, count);
  std::unique_ptr<Database> switched;  // the session of the file's last \connect
  for (size_t i = 0; i < parts->size(); ++i) {
    for (const Statement& s : statements[i]) {
      if (absl::Status run = db->Run(s); !run.ok()) {
        const SqlError& e = db->last_error();
        return absl::AbortedError(absl::StrCat(script.name, ", line ", s.line, ": ", e.message.empty() ? run.message() : e.message,
                                               e.sqlstate.empty() ? "" : absl::StrCat(" (SQLSTATE ", e.sqlstate, ")")));
      }
    }
    const std::string& target = (*parts)[i].connect_to;
    if (target.empty()) continue;
    if (!connect) return absl::FailedPreconditionError(absl::StrCat(script.name, ": \\connect ", target, ": no way to connect here"));
    absl::StatusOr<std::unique_ptr<Database>> next = connect(target);
    if (!next.ok()) return absl::AbortedError(absl::StrCat(script.name, ", \\connect ", target, ": ", next.status().message()));
    switched = *std::move(next);
    db = switched.get();
    spdlog::info("init script {}: connected to database {}", script.name, target);
  }
  return absl::OkStatus();
}

}  // namespace noshell
