// common/file.h — whole-file reads and atomic writes, the only places noshell touches file
// contents. Both refuse what would hang or mislead: a read never blocks on a FIFO or a device and
// never silently returns part of a file; a write never follows a symlink planted at its temp name.
#ifndef NOSHELL_COMMON_FILE_H_
#define NOSHELL_COMMON_FILE_H_

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace noshell {

// Reads the whole regular file at `path` (symlinks followed), at most `max_bytes`. A directory, a
// FIFO, a socket or a device is refused without blocking; so is a file larger than `max_bytes`
// and a read error part-way. `what` names the file in messages: "read <what> <path>: why".
absl::StatusOr<std::string> ReadWholeFile(absl::string_view path, size_t max_bytes, absl::string_view what);

// The names in folder `dir` (not "." and ".."), in the order the file system gives them. kNotFound
// when it does not exist; other errors as ErrnoToStatus names them.
absl::StatusOr<std::vector<std::string>> ListDirectory(const std::string& dir);

// Writes `content` to `path` atomically: a temp file with an unpredictable name beside `path`,
// created with O_EXCL|O_NOFOLLOW (a symlink planted there is never followed), given its final
// mode and owner, synced, then renamed over `path`. Readers see the old file or the new one.
// uid/gid -1: leave as created. On error nothing is left behind and `path` is untouched.
absl::Status WriteFileAtomically(const std::string& path, absl::string_view content, mode_t mode,
                                 uid_t uid = static_cast<uid_t>(-1), gid_t gid = static_cast<gid_t>(-1));

// Creates `path` with `content` and `mode`, never replacing anything: kAlreadyExists when it
// exists (or is a symlink). On error nothing is left behind.
absl::Status WriteNewFile(const std::string& path, absl::string_view content, mode_t mode);

// A file written but not yet in place: Commit() renames it over its destination; destroying it
// uncommitted removes it. Lets a caller prepare several files and replace them only when every
// one was written (all or nothing up to the renames, which do not fail on one file system).
class StagedFile {
 public:
  static absl::StatusOr<StagedFile> Write(const std::string& path, absl::string_view content, mode_t mode,
                                          uid_t uid = static_cast<uid_t>(-1), gid_t gid = static_cast<gid_t>(-1));
  StagedFile(StagedFile&& o) noexcept : path_(std::move(o.path_)), tmp_(std::move(o.tmp_)) { o.tmp_.clear(); }
  StagedFile& operator=(StagedFile&&) = delete;
  StagedFile(const StagedFile&) = delete;
  ~StagedFile();
  absl::Status Commit();
  // Puts it in place only if nothing is at the destination (kAlreadyExists otherwise).
  absl::Status CommitIfAbsent();

 private:
  StagedFile(std::string path, std::string tmp) : path_(std::move(path)), tmp_(std::move(tmp)) {}
  std::string path_, tmp_;
};

// Removes the temp files of every StagedFile not yet committed or destroyed: for a process about
// to _exit (a stop signal) so that nothing half-done is left beside a destination. Never blocks:
// if another thread is registering a file at that instant, it does nothing.
void RemovePendingStagedFiles();

}  // namespace noshell

#endif  // NOSHELL_COMMON_FILE_H_
