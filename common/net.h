// common/net.h — deadline-bounded name resolution, connection and byte streams (plain or TLS).
// Every call takes an absolute deadline and returns kDeadlineExceeded, naming the step it was in,
// when it passes. Nothing here blocks past the deadline: getaddrinfo runs on a helper thread that
// is abandoned if it does not answer in time.
#ifndef NOSHELL_COMMON_NET_H_
#define NOSHELL_COMMON_NET_H_

#include <sys/socket.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

namespace noshell {

// Ignores SIGPIPE for the whole process: a peer that closes a socket (a TLS server mid-handshake, a
// draining load balancer) must be an error on that socket, not the death of the process. OpenSSL's
// socket BIO writes with write(2), which raises SIGPIPE. Every binary calls this first; whoever
// execs another program restores SIG_DFL first (an ignored signal stays ignored across execve).
void IgnoreSigpipe();

// Owns a file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();
  int get() const { return fd_; }
  int release() { int f = fd_; fd_ = -1; return f; }
  bool valid() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

struct Address {
  sockaddr_storage addr{};
  socklen_t len = 0;
  std::string text;  // "127.0.0.1" or "::1"
};

// All addresses of host:port (IPv6 and IPv4, in getaddrinfo order). Numeric hosts resolve without
// a lookup. kUnavailable when the name does not resolve, kDeadlineExceeded on timeout.
absl::StatusOr<std::vector<Address>> Resolve(absl::string_view host, int port, absl::Time deadline);

// Connects to the first address of host:port that accepts, trying every resolved address: the next
// one starts as soon as the previous fails, or after a short stagger when it hangs (RFC 8305).
// `connected_to` (optional) receives the address used.
absl::StatusOr<Fd> ConnectTcp(absl::string_view host, int port, absl::Time deadline,
                              std::string* connected_to = nullptr);
absl::StatusOr<Fd> ConnectUnix(absl::string_view path, absl::Time deadline);

// Staggered connection attempts (RFC 8305's shape), shared by TCP connects and libpq logins:
// attempt 0 starts at once, the next one `kConnectStagger` after the last started, or at once when
// one fails; every attempt in progress is polled; the first that connects wins.
enum class AttemptState {
  kInProgress,  // poll its fd again
  kConnected,   // the winner
  kFailed,      // this one failed: go on with the others
  kDecided,     // stop everything: the caller has its verdict (a server's own refusal)
};
struct StaggeredSteps {
  // Starts attempt i.
  std::function<AttemptState(size_t)> start;
  // The fd and events attempt i (in progress) waits for.
  std::function<std::pair<int, short>(size_t)> wait_for;
  // Attempt i's fd is ready.
  std::function<AttemptState(size_t)> advance;
};
struct StaggeredResult {
  enum Outcome { kConnected, kDecided, kAllFailed, kTimedOut } outcome;
  size_t index = 0;        // kConnected, kDecided: which attempt; kTimedOut: the oldest in progress
};
inline constexpr absl::Duration kConnectStagger = absl::Milliseconds(200);
absl::StatusOr<StaggeredResult> RunStaggered(size_t attempts, absl::Time deadline, const StaggeredSteps& steps);

// Polls `fd` for `events` until ready. `what` names the step in the timeout message.
absl::Status WaitFd(int fd, short events, absl::Time deadline, absl::string_view what);


struct TlsOptions {
  std::string ca_file;    // PEM bundle; empty means the system store
  bool insecure = false;  // skip certificate and host name verification (explicit opt-out)
};

// A connected byte stream, plain or TLS. Not thread-safe.
class Stream {
 public:
  ~Stream();
  static std::unique_ptr<Stream> Plain(Fd fd);
  // Runs the TLS handshake, verifying the peer against `server_name` (a host name or IP literal).
  static absl::StatusOr<std::unique_ptr<Stream>> Tls(Fd fd, absl::string_view server_name,
                                                     const TlsOptions& options, absl::Time deadline);

  absl::Status WriteAll(absl::string_view data, absl::Time deadline);
  // Reads up to `n` bytes; 0 means the peer closed the stream.
  absl::StatusOr<size_t> Read(char* buf, size_t n, absl::Time deadline);
  int fd() const { return fd_.get(); }

 private:
  explicit Stream(Fd fd) : fd_(std::move(fd)) {}
  Fd fd_;
  SSL* ssl_ = nullptr;  // its SSL_CTX is shared by every stream with the same TlsOptions
};

// ConnectTcp, then a TLS handshake verified against `host` when `tls` is set.
absl::StatusOr<std::unique_ptr<Stream>> OpenStream(absl::string_view host, int port, bool tls,
                                                   const TlsOptions& options, absl::Time deadline);

}  // namespace noshell

#endif  // NOSHELL_COMMON_NET_H_
