// entrypoint/init_scripts.cc — see init_scripts.h.
#include "entrypoint/init_scripts.h"

#include <zlib.h>

#include <algorithm>
#include <memory>

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

absl::Status RunInitScript(Database* db, const InitScript& script, const std::string& sql) {
  absl::StatusOr<std::vector<Statement>> statements = SplitSql(sql);
  if (!statements.ok()) return absl::InvalidArgumentError(absl::StrCat(script.name, ", ", statements.status().message()));
  spdlog::info("init script {}: {} statements", script.name, statements->size());
  for (const Statement& s : *statements) {
    if (absl::Status run = db->Run(s); !run.ok()) {
      const SqlError& e = db->last_error();
      return absl::AbortedError(absl::StrCat(script.name, ", line ", s.line, ": ", e.message.empty() ? run.message() : e.message,
                                             e.sqlstate.empty() ? "" : absl::StrCat(" (SQLSTATE ", e.sqlstate, ")")));
    }
  }
  return absl::OkStatus();
}

}  // namespace noshell
