// common/file.cc — see file.h.
#include "common/file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/errno_status.h"

namespace noshell {
namespace {

const char* KindOf(mode_t mode) {
  if (S_ISDIR(mode)) return "is a directory";
  if (S_ISFIFO(mode)) return "is a FIFO, not a regular file";
  if (S_ISSOCK(mode)) return "is a socket, not a regular file";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "is a device, not a regular file";
  return "is not a regular file";
}

// 16 hex digits from the kernel's random pool: a temp name nobody can predict.
std::string RandomSuffix() {
  unsigned char bytes[8] = {};
  size_t got = 0;
  while (got < sizeof bytes) {
    ssize_t n = getrandom(bytes + got, sizeof bytes - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // no entropy source: O_EXCL still refuses anything planted
    got += static_cast<size_t>(n);
  }
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

// Temp files of StagedFiles alive now, for RemovePendingStagedFiles.
absl::Mutex g_pending_mu(absl::kConstInit);
std::set<std::string>* g_pending ABSL_GUARDED_BY(g_pending_mu) = nullptr;

void Track(const std::string& tmp) {
  absl::MutexLock lock(&g_pending_mu);
  if (g_pending == nullptr) g_pending = new std::set<std::string>();
  g_pending->insert(tmp);
}

void Untrack(const std::string& tmp) {
  absl::MutexLock lock(&g_pending_mu);
  if (g_pending != nullptr) g_pending->erase(tmp);
}

}  // namespace

void RemovePendingStagedFiles() {
  if (!g_pending_mu.TryLock()) return;
  if (g_pending != nullptr) {
    for (const std::string& tmp : *g_pending) unlink(tmp.c_str());
  }
  g_pending_mu.Unlock();
}

absl::StatusOr<std::string> ReadWholeFile(absl::string_view path, size_t max_bytes, absl::string_view what) {
  const std::string p(path);
  // Built only for an error: a folder of migrations reads hundreds of files.
  auto context = [&]() { return absl::StrCat("read ", what, what.empty() ? "" : " ", path); };
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, for ever.
  int fd = open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    const int err = errno;
    return ErrnoToStatus(err, context());
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int err = errno;
    close(fd);
    return ErrnoToStatus(err, context());
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return absl::InvalidArgumentError(absl::StrCat(context(), ": ", KindOf(st.st_mode)));
  }
  // Read in place, asking for one byte more than the size fstat gave: a read that returns exactly
  // that size is the end of the file (a regular file's read stops short only at its end), so a
  // folder of small files costs one read each, not two.
  const size_t expected = static_cast<size_t>(st.st_size) <= max_bytes ? static_cast<size_t>(st.st_size) : 0;
  std::string data(expected + 1, '\0');
  size_t have = 0;
  for (;;) {
    if (have == data.size()) data.resize(std::min(max_bytes + 1, have + std::max<size_t>(have, 65536)));
    ssize_t n = read(fd, data.data() + have, data.size() - have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      close(fd);
      return ErrnoToStatus(err, context());
    }
    if (n == 0) break;
    have += static_cast<size_t>(n);
    if (have > max_bytes) {
      close(fd);
      return absl::InvalidArgumentError(absl::StrCat(context(), ": larger than ", max_bytes, " bytes"));
    }
    if (have == expected && have < data.size()) break;
  }
  close(fd);
  data.resize(have);
  return data;
}

absl::StatusOr<std::vector<std::string>> ListDirectory(const std::string& dir) {
  std::unique_ptr<DIR, int (*)(DIR*)> d(opendir(dir.c_str()), &closedir);
  if (d == nullptr) return ErrnoToStatus(errno, dir);
  std::vector<std::string> out;
  for (;;) {
    errno = 0;
    const dirent* e = readdir(d.get());
    if (e == nullptr) {
      if (errno != 0) return ErrnoToStatus(errno, dir);
      return out;
    }
    const absl::string_view name = e->d_name;
    if (name != "." && name != "..") out.emplace_back(name);
  }
}

absl::StatusOr<StagedFile> StagedFile::Write(const std::string& path, absl::string_view content, mode_t mode,
                                             uid_t uid, gid_t gid) {
  const std::string context = absl::StrCat("write ", path);
  std::string tmp;
  int fd = -1;
  for (int attempt = 0; fd < 0 && attempt < 8; ++attempt) {
    tmp = absl::StrCat(path, ".tmp-", RandomSuffix());
    fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST) return ErrnoToStatus(errno, context);
  }
  if (fd < 0) return ErrnoToStatus(EEXIST, context);
  Track(tmp);
  auto fail = [&](int err) {
    Untrack(tmp);
    close(fd);
    unlink(tmp.c_str());
    return ErrnoToStatus(err, context);
  };
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = write(fd, content.data() + off, content.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(errno);
    off += static_cast<size_t>(n);
  }
  // Owner before mode: fchown clears set-id bits, and the mode is what the caller asked for.
  if (uid != static_cast<uid_t>(-1) && fchown(fd, uid, gid) != 0) return fail(errno);
  if (fchmod(fd, mode) != 0 || fsync(fd) != 0) return fail(errno);
  if (close(fd) != 0) {
    int err = errno;
    unlink(tmp.c_str());
    Untrack(tmp);
    return ErrnoToStatus(err, context);
  }
  return StagedFile(path, tmp);
}

StagedFile::~StagedFile() {
  if (tmp_.empty()) return;
  unlink(tmp_.c_str());
  Untrack(tmp_);
}

absl::Status StagedFile::Commit() {
  const int rc = rename(tmp_.c_str(), path_.c_str());
  const int err = errno;
  if (rc != 0) unlink(tmp_.c_str());
  Untrack(tmp_);
  tmp_.clear();
  if (rc != 0) return ErrnoToStatus(err, absl::StrCat("write ", path_));
  return absl::OkStatus();
}

absl::Status StagedFile::CommitIfAbsent() {
  // link() never replaces: it fails with EEXIST whatever is there, a dangling symlink included.
  const int rc = link(tmp_.c_str(), path_.c_str());
  const int err = errno;
  unlink(tmp_.c_str());
  Untrack(tmp_);
  tmp_.clear();
  if (rc == 0) return absl::OkStatus();
  if (err == EEXIST) return absl::AlreadyExistsError(absl::StrCat(path_, " already exists"));
  return ErrnoToStatus(err, absl::StrCat("write ", path_));
}

absl::Status WriteNewFile(const std::string& path, absl::string_view content, mode_t mode) {
  absl::StatusOr<StagedFile> staged = StagedFile::Write(path, content, mode);
  if (!staged.ok()) return staged.status();
  return staged->CommitIfAbsent();
}

absl::Status WriteFileAtomically(const std::string& path, absl::string_view content, mode_t mode, uid_t uid,
                                 gid_t gid) {
  absl::StatusOr<StagedFile> staged = StagedFile::Write(path, content, mode, uid, gid);
  if (!staged.ok()) return staged.status();
  return staged->Commit();
}

}  // namespace noshell
