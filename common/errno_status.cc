// common/errno_status.cc — see errno_status.h.
#include "common/errno_status.h"

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"

namespace noshell {

absl::Status ErrnoToStatus(int err, absl::string_view context) {
  std::string msg = absl::StrCat(context, ": ", std::strerror(err));
  switch (err) {
    case ENOENT:
      return absl::NotFoundError(msg);
    case EACCES: case EPERM: case EROFS:
      return absl::PermissionDeniedError(msg);
    case ECONNREFUSED: case ECONNRESET: case ECONNABORTED: case ENETUNREACH: case EHOSTUNREACH: case ENETDOWN:
    case EHOSTDOWN: case ETIMEDOUT: case EPIPE: case EAGAIN: case EADDRNOTAVAIL: case ENOTCONN: case ESHUTDOWN:
      return absl::UnavailableError(msg);
    case EISDIR: case ENOTDIR: case ELOOP: case ENAMETOOLONG: case EINVAL: case EEXIST: case ENXIO: case ENODEV:
    case EFBIG: case ENOTEMPTY: case EXDEV:
      return absl::InvalidArgumentError(msg);
    default:
      return absl::UnknownError(msg);
  }
}

}  // namespace noshell
