// entrypoint/users.h — who the app runs as: resolving USER[:GROUP] from /etc/passwd and
// /etc/group text (no NSS, so it works in a static binary in any image). The drop itself is in
// supervisor.cc, in the forked child.
#ifndef NOSHELL_ENTRYPOINT_USERS_H_
#define NOSHELL_ENTRYPOINT_USERS_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace noshell {

struct ResolvedUser {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary groups: the primary one and every /etc/group membership
  std::string name;           // "" for a numeric uid not in /etc/passwd
  std::string home;           // "/" when unknown
};

// Resolves "name", "name:group", "uid", "uid:gid" (names or numbers on either side) against the
// contents of /etc/passwd and /etc/group. A numeric uid missing from /etc/passwd is allowed (as in
// Docker: group 0 unless given); an unknown name is an error naming it.
absl::StatusOr<ResolvedUser> ResolveUser(absl::string_view spec, absl::string_view passwd, absl::string_view group);

// The same, reading root/etc/passwd and root/etc/group.
absl::StatusOr<ResolvedUser> ResolveUserFromFiles(absl::string_view spec, const std::string& root = "");

// chowns each path to uid:gid, recursively, skipping a path whose top is already owned by them
// (so a restart does not walk the whole tree again). Errors name the path.
absl::Status ChownPaths(const std::vector<std::string>& paths, uid_t uid, gid_t gid);

}  // namespace noshell

#endif  // NOSHELL_ENTRYPOINT_USERS_H_
