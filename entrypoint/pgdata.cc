// entrypoint/pgdata.cc — see pgdata.h.
#include "entrypoint/pgdata.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/errno_status.h"
#include "common/file.h"
#include "common/status_macros.h"

namespace noshell {
namespace {

constexpr char kVersionFile[] = "PG_VERSION";

// The entries of `dir`; nothing when it does not exist.
absl::StatusOr<std::vector<std::string>> Entries(const std::string& dir) {
  absl::StatusOr<std::vector<std::string>> names = ListDirectory(dir);
  if (absl::IsNotFound(names.status())) return std::vector<std::string>();
  return names;
}

absl::Status RemoveAll(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (ec) return absl::InternalError(absl::StrCat("remove ", path, ": ", ec.message()));
  return absl::OkStatus();
}

absl::Status SyncDir(const std::string& dir) {
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoToStatus(errno, dir);
  const int rc = fsync(fd);
  const int err = errno;
  close(fd);
  return rc == 0 ? absl::OkStatus() : ErrnoToStatus(err, absl::StrCat("fsync ", dir));
}

}  // namespace

std::string StagingDir(const std::string& pgdata) { return absl::StrCat(pgdata, "/", kStagingDirName); }

absl::StatusOr<Pgdata> InspectPgdata(const std::string& pgdata) {
  NOSHELL_ASSIGN_OR_RETURN(std::vector<std::string> entries, Entries(pgdata));
  Pgdata out;
  bool staging = false;
  std::vector<std::string> others;
  for (const std::string& e : entries) {
    if (e == kVersionFile) {
      absl::StatusOr<std::string> version = ReadWholeFile(absl::StrCat(pgdata, "/", kVersionFile), 64, "");
      if (!version.ok()) return version.status();
      out.state = PgdataState::kInitialized;
      out.version = std::string(absl::StripAsciiWhitespace(*version));
    } else if (e == kStagingDirName) {
      staging = true;
    } else if (e != "lost+found") {
      others.push_back(e);
    }
  }
  if (out.state == PgdataState::kInitialized) {
    out.staging_left = staging;  // a commit stopped after moving PG_VERSION: only its rmdir was left
    return out;
  }
  if (staging) {
    out.state = PgdataState::kInterrupted;
    return out;
  }
  if (!others.empty()) {
    std::sort(others.begin(), others.end());
    return absl::FailedPreconditionError(absl::StrCat(
        "PGDATA ", pgdata, " holds files (", others.front(), others.size() > 1 ? absl::StrCat(" and ", others.size() - 1, " more") : "",
        ") but no PG_VERSION: it is not a PostgreSQL cluster. Empty it, or set PGDATA to a folder below the volume "
        "(e.g. /var/lib/postgresql/data/pgdata)"));
  }
  return out;
}

absl::Status CheckMajorVersion(const Pgdata& pgdata, absl::string_view server_major) {
  if (pgdata.state != PgdataState::kInitialized || pgdata.version == server_major) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat("the cluster in PGDATA is PostgreSQL ", pgdata.version, ", this server is ", server_major,
                                                    ": start it with PostgreSQL ", pgdata.version,
                                                    " binaries, or upgrade it with pg_upgrade first"));
}

absl::Status ClearInterruptedStart(const std::string& pgdata, const std::string& waldir) {
  NOSHELL_ASSIGN_OR_RETURN(std::vector<std::string> entries, Entries(pgdata));
  for (const std::string& e : entries) {
    if (e == kVersionFile) return absl::FailedPreconditionError(absl::StrCat(pgdata, " holds a finished cluster: not cleared"));
  }
  for (const std::string& e : entries) {
    if (e != "lost+found") NOSHELL_RETURN_IF_ERROR(RemoveAll(absl::StrCat(pgdata, "/", e)));
  }
  if (!waldir.empty()) {
    NOSHELL_ASSIGN_OR_RETURN(std::vector<std::string> wal, Entries(waldir));
    for (const std::string& e : wal) NOSHELL_RETURN_IF_ERROR(RemoveAll(absl::StrCat(waldir, "/", e)));
  }
  return SyncDir(pgdata);
}

absl::Status CommitStagedCluster(const std::string& pgdata) {
  const std::string staging = StagingDir(pgdata);
  NOSHELL_ASSIGN_OR_RETURN(std::vector<std::string> entries, Entries(staging));
  bool has_version = false;
  for (const std::string& e : entries) has_version |= e == kVersionFile;
  if (!has_version) return absl::FailedPreconditionError(absl::StrCat(staging, " holds no cluster (no PG_VERSION)"));
  // Everything but PG_VERSION, made durable; then PG_VERSION, the mark of a finished cluster.
  for (const std::string& e : entries) {
    if (e == kVersionFile) continue;
    const std::string from = absl::StrCat(staging, "/", e), to = absl::StrCat(pgdata, "/", e);
    if (rename(from.c_str(), to.c_str()) != 0) return ErrnoToStatus(errno, absl::StrCat("move ", from, " to ", to));
  }
  NOSHELL_RETURN_IF_ERROR(SyncDir(pgdata));
  const std::string from = absl::StrCat(staging, "/", kVersionFile), to = absl::StrCat(pgdata, "/", kVersionFile);
  if (rename(from.c_str(), to.c_str()) != 0) return ErrnoToStatus(errno, absl::StrCat("move ", from, " to ", to));
  NOSHELL_RETURN_IF_ERROR(SyncDir(pgdata));
  if (rmdir(staging.c_str()) != 0) return ErrnoToStatus(errno, absl::StrCat("remove ", staging));
  return SyncDir(pgdata);
}

}  // namespace noshell
