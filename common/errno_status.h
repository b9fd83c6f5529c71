// common/errno_status.h — the one adapter from errno to absl::Status (leveldb's PosixError is the
// model): "<context>: <strerror>", with the code saying what the caller can do about it.
#ifndef NOSHELL_COMMON_ERRNO_STATUS_H_
#define NOSHELL_COMMON_ERRNO_STATUS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace noshell {

// ENOENT                                        kNotFound
// EACCES, EPERM, EROFS                          kPermissionDenied
// ECONNREFUSED, ECONNRESET, ECONNABORTED, ENETUNREACH, EHOSTUNREACH, ENETDOWN, EHOSTDOWN,
// ETIMEDOUT, EPIPE, EAGAIN, EADDRNOTAVAIL, ENOTCONN, ESHUTDOWN
//                                               kUnavailable (the peer is not there yet, or went)
// EISDIR, ENOTDIR, ELOOP, ENAMETOOLONG, EINVAL, EEXIST, ENXIO, ENODEV, EFBIG, ENOTEMPTY, EXDEV
//                                               kInvalidArgument (what the operator named is wrong)
// anything else (EMFILE, ENOMEM, EIO, ENOSPC...) kUnknown
// A caller for whom ENOENT means "not yet" (a unix socket, a heartbeat file) says so itself.
absl::Status ErrnoToStatus(int err, absl::string_view context);

}  // namespace noshell

#endif  // NOSHELL_COMMON_ERRNO_STATUS_H_
