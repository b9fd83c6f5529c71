// entrypoint/users.cc — see users.h.
#include "entrypoint/users.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/errno_status.h"
#include "common/file.h"

namespace noshell {
namespace {

struct PasswdEntry {
  std::string name;
  uid_t uid;
  gid_t gid;
  std::string home;
};

std::vector<PasswdEntry> ParsePasswd(absl::string_view text) {
  std::vector<PasswdEntry> out;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    if (line[0] == '#') continue;
    std::vector<absl::string_view> f = absl::StrSplit(line, ':');
    uint32_t uid = 0, gid = 0;
    if (f.size() < 7 || !absl::SimpleAtoi(f[2], &uid) || !absl::SimpleAtoi(f[3], &gid)) continue;
    out.push_back({std::string(f[0]), uid, gid, std::string(f[5])});
  }
  return out;
}

struct GroupEntry {
  std::string name;
  gid_t gid;
  std::vector<std::string> members;
};

std::vector<GroupEntry> ParseGroup(absl::string_view text) {
  std::vector<GroupEntry> out;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    if (line[0] == '#') continue;
    std::vector<absl::string_view> f = absl::StrSplit(line, ':');
    uint32_t gid = 0;
    if (f.size() < 4 || !absl::SimpleAtoi(f[2], &gid)) continue;
    GroupEntry g{std::string(f[0]), gid, {}};
    for (absl::string_view m : absl::StrSplit(f[3], ',', absl::SkipEmpty())) g.members.emplace_back(m);
    out.push_back(std::move(g));
  }
  return out;
}

// /etc/passwd or /etc/group; a missing or unreadable one reads as empty (numeric ids still work).
std::string Slurp(const std::string& path) {
  auto data = ReadWholeFile(path, 16 << 20, "");
  return data.ok() ? *data : "";
}

}  // namespace

absl::StatusOr<ResolvedUser> ResolveUser(absl::string_view spec, absl::string_view passwd, absl::string_view group) {
  std::vector<absl::string_view> parts = absl::StrSplit(spec, absl::MaxSplits(':', 1));
  if (parts.empty() || parts[0].empty()) return absl::InvalidArgumentError(absl::StrCat("user \"", spec, "\": empty"));
  const std::vector<PasswdEntry> users = ParsePasswd(passwd);
  const std::vector<GroupEntry> groups = ParseGroup(group);
  ResolvedUser u;
  u.home = "/";
  uint32_t number = 0;
  const bool numeric = absl::SimpleAtoi(parts[0], &number);
  const PasswdEntry* entry = nullptr;
  for (const PasswdEntry& e : users) {
    if (numeric ? e.uid == number : e.name == parts[0]) {
      entry = &e;
      break;
    }
  }
  if (entry != nullptr) {
    u.uid = entry->uid;
    u.gid = entry->gid;
    u.name = entry->name;
    u.home = entry->home.empty() ? "/" : entry->home;
  } else if (numeric) {
    if (number == static_cast<uint32_t>(-1)) {
      return absl::InvalidArgumentError(absl::StrCat("user ", number, " is not a valid uid (-1 means \"unchanged\" to the kernel)"));
    }
    u.uid = number;
    u.gid = 0;
  } else {
    return absl::InvalidArgumentError(absl::StrCat("user \"", parts[0], "\" is not in /etc/passwd"));
  }
  if (parts.size() == 2) {
    if (absl::SimpleAtoi(parts[1], &number)) {
      if (number == static_cast<uint32_t>(-1)) {
        return absl::InvalidArgumentError(absl::StrCat("group ", number, " is not a valid gid (-1 means \"unchanged\" to the kernel)"));
      }
      u.gid = number;
    } else {
      auto it = std::find_if(groups.begin(), groups.end(), [&](const GroupEntry& g) { return g.name == parts[1]; });
      if (it == groups.end()) return absl::InvalidArgumentError(absl::StrCat("group \"", parts[1], "\" is not in /etc/group"));
      u.gid = it->gid;
    }
  }
  u.groups.push_back(u.gid);
  if (!u.name.empty()) {
    for (const GroupEntry& g : groups) {
      if (std::find(g.members.begin(), g.members.end(), u.name) != g.members.end() &&
          std::find(u.groups.begin(), u.groups.end(), g.gid) == u.groups.end()) {
        u.groups.push_back(g.gid);
      }
    }
  }
  return u;
}

absl::StatusOr<ResolvedUser> ResolveUserFromFiles(absl::string_view spec, const std::string& root) {
  return ResolveUser(spec, Slurp(root + "/etc/passwd"), Slurp(root + "/etc/group"));
}

absl::Status ChownPaths(const std::vector<std::string>& paths, uid_t uid, gid_t gid) {
  namespace fs = std::filesystem;
  for (const std::string& path : paths) {
    struct stat st;
    if (lstat(path.c_str(), &st) != 0) {
      return ErrnoToStatus(errno, absl::StrCat("chown ", path));
    }
    if (st.st_uid == uid && st.st_gid == gid) continue;  // done on an earlier start
    if (lchown(path.c_str(), uid, gid) != 0) {
      return ErrnoToStatus(errno, absl::StrCat("chown ", path));
    }
    if (!S_ISDIR(st.st_mode)) continue;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      struct stat e;
      if (lstat(it->path().c_str(), &e) != 0 || (e.st_uid == uid && e.st_gid == gid)) continue;
      if (lchown(it->path().c_str(), uid, gid) != 0) {
        return ErrnoToStatus(errno, absl::StrCat("chown ", it->path().string()));
      }
    }
    if (ec) return ErrnoToStatus(ec.value(), absl::StrCat("chown ", path));
  }
  return absl::OkStatus();
}

}  // namespace noshell
