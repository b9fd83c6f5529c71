// Checks that need no server: heartbeat files on a manual clock, sockets the test opens itself.
#include "common/check.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/env.h"
#include "gtest/gtest.h"

namespace noshell {
namespace {

TEST(FileCheckTest, AgeComesFromTheInjectedClock) {
  char path[] = "/tmp/noshell_beat_XXXXXX";
  close(mkstemp(path));
  struct stat st;
  ASSERT_EQ(stat(path, &st), 0);
  ManualClock clock(absl::TimeFromTimespec(st.st_mtim) + absl::Seconds(30));
  CheckOptions o;
  o.clock = &clock;
  auto target = ParseTarget(absl::StrCat("file://", path), MapEnv());
  ASSERT_TRUE(target.ok());
  auto check = MakeCheck(*target, o);
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE((*check)->Probe(absl::InfiniteFuture()).ok());
  clock.Advance(absl::Seconds(60));
  absl::Status stale = (*check)->Probe(absl::InfiniteFuture());
  EXPECT_EQ(stale.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(stale.message(), "stale: modified 1m30s ago, max age 1m");
  // The target's own max_age wins over the default.
  auto generous = MakeCheck(*ParseTarget(absl::StrCat("file://", path, "?max_age=2m"), MapEnv()), o);
  EXPECT_TRUE((*generous)->Probe(absl::InfiniteFuture()).ok());
  std::remove(path);
}

TEST(SocketCheckTest, TcpListenerAndRefusal) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  ASSERT_EQ(listen(fd, 4), 0);
  socklen_t len = sizeof sa;
  getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  const int port = ntohs(sa.sin_port);
  auto check = MakeCheck(*ParseTarget(absl::StrCat("tcp://127.0.0.1:", port), MapEnv()), CheckOptions());
  EXPECT_TRUE((*check)->Probe(absl::Now() + absl::Seconds(2)).ok());
  close(fd);
  absl::Status refused = (*check)->Probe(absl::Now() + absl::Seconds(2));
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(refused.message(), absl::StrCat("connect 127.0.0.1:", port, ": 127.0.0.1: Connection refused"));
  EXPECT_TRUE(IsRetryable(refused));
  EXPECT_FALSE(IsRetryable(absl::UnauthenticatedError("x")));
}

TEST(ResolveTest, LocalhostIsBothLoopbacks) {
  auto addrs = Resolve("localhost", 80, absl::Now() + absl::Seconds(1));
  ASSERT_TRUE(addrs.ok());
  ASSERT_EQ(addrs->size(), 2u);
  EXPECT_EQ((*addrs)[0].text, "::1");
  EXPECT_EQ((*addrs)[1].text, "127.0.0.1");
}

}  // namespace
}  // namespace noshell
