// common/net.cc — sockets with deadlines, staggered multi-address connect, and OpenSSL streams.
#include "common/net.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <map>
#include <thread>
#include <utility>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/errno_status.h"
#include "common/status_macros.h"
#include "common/url.h"

namespace noshell {
namespace {

// Distroless images keep their CA bundle here; a static OpenSSL looks under /usr/lib/ssl instead.
constexpr const char* kDistrolessCaBundle = "/etc/ssl/certs/ca-certificates.crt";

int PollTimeoutMs(absl::Time deadline) {
  if (deadline == absl::InfiniteFuture()) return -1;
  absl::Duration left = deadline - absl::Now();
  if (left <= absl::ZeroDuration()) return 0;
  // Round up so we never spin just short of the deadline.
  return static_cast<int>(std::min<int64_t>(absl::ToInt64Milliseconds(left + absl::Microseconds(999)), INT32_MAX));
}

std::string OpenSslError(absl::string_view fallback) {
  unsigned long e = ERR_get_error();
  if (e == 0) return std::string(fallback);
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  // "error:0A000086:SSL routines::certificate verify failed" -> keep the readable tail.
  absl::string_view s(buf);
  size_t colons = s.rfind(':');
  return colons == absl::string_view::npos ? std::string(s) : std::string(s.substr(colons + 1));
}


struct Lookup {
  absl::Mutex mu;
  bool done = false;
  int rc = 0;
  std::vector<Address> result;
};

}  // namespace

void IgnoreSigpipe() { signal(SIGPIPE, SIG_IGN); }

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) close(fd_);
    fd_ = o.release();
  }
  return *this;
}

Fd::~Fd() {
  if (fd_ >= 0) close(fd_);
}

absl::Status WaitFd(int fd, short events, absl::Time deadline, absl::string_view what) {
  for (;;) {
    pollfd p{fd, events, 0};
    int rc = poll(&p, 1, PollTimeoutMs(deadline));
    if (rc > 0) return absl::OkStatus();
    if (rc == 0) return absl::DeadlineExceededError(absl::StrCat("timed out ", what));
    if (errno != EINTR) return ErrnoToStatus(errno, "poll");
  }
}

absl::StatusOr<std::vector<Address>> Resolve(absl::string_view host, int port, absl::Time deadline) {
  std::string h(host);
  std::string service = absl::StrCat(port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;

  auto convert = [](addrinfo* res) {
    std::vector<Address> out;
    for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
      Address a;
      std::memcpy(&a.addr, ai->ai_addr, ai->ai_addrlen);
      a.len = ai->ai_addrlen;
      char buf[INET6_ADDRSTRLEN] = "";
      const void* src = ai->ai_family == AF_INET6
                            ? static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(ai->ai_addr)->sin6_addr)
                            : static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(ai->ai_addr)->sin_addr);
      inet_ntop(ai->ai_family, src, buf, sizeof buf);
      a.text = buf;
      out.push_back(std::move(a));
    }
    return out;
  };

  // "localhost" is loopback by definition (RFC 6761), on both families. glibc's hosts-file lookup
  // returns only the first matching line, so a container whose /etc/hosts lists 127.0.0.1 first
  // would never try ::1, and one listing ::1 first would never try 127.0.0.1.
  if (absl::AsciiStrToLower(host) == "localhost" || absl::EndsWith(absl::AsciiStrToLower(host), ".localhost")) {
    std::vector<Address> out;
    for (const char* ip : {"::1", "127.0.0.1"}) {
      addrinfo* r = nullptr;
      hints.ai_flags = AI_NUMERICHOST;
      if (getaddrinfo(ip, service.c_str(), &hints, &r) == 0) {
        auto one = convert(r);
        freeaddrinfo(r);
        out.insert(out.end(), one.begin(), one.end());
      }
    }
    return out;
  }

  // Numeric addresses need no lookup and no thread.
  hints.ai_flags = AI_NUMERICHOST;
  addrinfo* res = nullptr;
  if (getaddrinfo(h.c_str(), service.c_str(), &hints, &res) == 0) {
    auto out = convert(res);
    freeaddrinfo(res);
    return out;
  }

  // getaddrinfo cannot be cancelled or timed: run it on a thread we may abandon.
  auto lookup = std::make_shared<Lookup>();
  std::thread([lookup, h, service, convert] {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    int rc = getaddrinfo(h.c_str(), service.c_str(), &hints, &res);
    std::vector<Address> out;
    if (rc == 0) {
      out = convert(res);
      freeaddrinfo(res);
    }
    absl::MutexLock lock(&lookup->mu);
    lookup->rc = rc;
    lookup->result = std::move(out);
    lookup->done = true;
  }).detach();

  absl::MutexLock lock(&lookup->mu);
  if (!lookup->mu.AwaitWithDeadline(absl::Condition(&lookup->done), deadline)) {
    return absl::DeadlineExceededError(absl::StrCat("timed out resolving ", host));
  }
  if (lookup->rc != 0) {
    return absl::UnavailableError(absl::StrCat("resolve ", host, ": ", gai_strerror(lookup->rc)));
  }
  if (lookup->result.empty()) return absl::UnavailableError(absl::StrCat("resolve ", host, ": no addresses"));
  return lookup->result;
}

absl::StatusOr<StaggeredResult> RunStaggered(size_t attempts, absl::Time deadline, const StaggeredSteps& steps) {
  std::vector<size_t> active;  // attempts in progress, oldest first
  size_t next = 0;
  absl::Time next_start = absl::Now();
  for (;;) {
    // Start the next attempt when none is in progress, or the last one has had its head start.
    while (next < attempts && (active.empty() || absl::Now() >= next_start)) {
      const size_t i = next++;
      next_start = absl::Now() + kConnectStagger;
      switch (steps.start(i)) {
        case AttemptState::kInProgress: active.push_back(i); break;
        case AttemptState::kConnected: return StaggeredResult{StaggeredResult::kConnected, i};
        case AttemptState::kDecided: return StaggeredResult{StaggeredResult::kDecided, i};
        case AttemptState::kFailed: break;
      }
    }
    if (active.empty()) return StaggeredResult{StaggeredResult::kAllFailed, 0};
    if (absl::Now() >= deadline) return StaggeredResult{StaggeredResult::kTimedOut, active.front()};
    std::vector<pollfd> fds;
    for (size_t i : active) {
      const auto [fd, events] = steps.wait_for(i);
      fds.push_back({fd, events, 0});
    }
    const int rc = poll(fds.data(), fds.size(), PollTimeoutMs(next < attempts ? std::min(next_start, deadline) : deadline));
    if (rc < 0 && errno != EINTR) return ErrnoToStatus(errno, "poll");
    if (rc <= 0) continue;
    for (size_t k = fds.size(); k-- > 0;) {
      if (fds[k].revents == 0) continue;
      const size_t i = active[k];
      switch (steps.advance(i)) {
        case AttemptState::kInProgress: break;
        case AttemptState::kConnected: return StaggeredResult{StaggeredResult::kConnected, i};
        case AttemptState::kDecided: return StaggeredResult{StaggeredResult::kDecided, i};
        case AttemptState::kFailed:
          active.erase(active.begin() + static_cast<long>(k));
          next_start = absl::Now();  // a failure starts the next at once
          break;
      }
    }
  }
}

absl::StatusOr<Fd> ConnectTcp(absl::string_view host, int port, absl::Time deadline, std::string* connected_to) {
  auto addrs = Resolve(host, port, deadline);
  if (!addrs.ok()) return addrs.status();
  std::vector<Fd> fds(addrs->size());
  std::vector<std::string> errors;
  StaggeredSteps steps;
  steps.start = [&](size_t i) {
    const Address& a = (*addrs)[i];
    Fd fd(socket(a.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (fd.valid() && (connect(fd.get(), reinterpret_cast<const sockaddr*>(&a.addr), a.len) == 0 || errno == EINPROGRESS)) {
      fds[i] = std::move(fd);
      return AttemptState::kInProgress;  // writable once connected (at once if it already is)
    }
    errors.push_back(absl::StrCat(a.text, ": ", std::strerror(errno)));
    return AttemptState::kFailed;
  };
  steps.wait_for = [&](size_t i) { return std::make_pair(fds[i].get(), static_cast<short>(POLLOUT)); };
  steps.advance = [&](size_t i) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(fds[i].get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err == 0) return AttemptState::kConnected;
    errors.push_back(absl::StrCat((*addrs)[i].text, ": ", std::strerror(err)));
    fds[i] = Fd();
    return AttemptState::kFailed;
  };
  NOSHELL_ASSIGN_OR_RETURN(StaggeredResult r, RunStaggered(addrs->size(), deadline, steps));
  switch (r.outcome) {
    case StaggeredResult::kConnected:
      if (connected_to != nullptr) *connected_to = (*addrs)[r.index].text;
      return std::move(fds[r.index]);
    case StaggeredResult::kTimedOut:
      return absl::DeadlineExceededError(absl::StrCat("timed out connecting to ", JoinHostPort(host, port)));
    case StaggeredResult::kAllFailed:
    case StaggeredResult::kDecided:
      break;
  }
  return absl::UnavailableError(absl::StrCat("connect ", JoinHostPort(host, port), ": ", absl::StrJoin(errors, "; ")));
}

absl::StatusOr<Fd> ConnectUnix(absl::string_view path, absl::Time deadline) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path.size() >= sizeof sa.sun_path) {
    return absl::InvalidArgumentError(absl::StrCat("unix socket path too long: ", path));
  }
  std::memcpy(sa.sun_path, path.data(), path.size());
  Fd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return ErrnoToStatus(errno, "socket");
  std::string what = absl::StrCat("connect unix://", path);
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    // No socket file yet is a server that has not started: worth waiting for.
    if (errno == ENOENT) return absl::UnavailableError(ErrnoToStatus(errno, what).message());
    if (errno != EINPROGRESS && errno != EAGAIN) return ErrnoToStatus(errno, what);
    absl::Status ready = WaitFd(fd.get(), POLLOUT, deadline, absl::StrCat("connecting to unix://", path));
    if (!ready.ok()) return ready;
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return ErrnoToStatus(err, what);
  }
  return fd;
}

absl::StatusOr<std::unique_ptr<Stream>> OpenStream(absl::string_view host, int port, bool tls,
                                                   const TlsOptions& options, absl::Time deadline) {
  absl::StatusOr<Fd> fd = ConnectTcp(host, port, deadline);
  if (!fd.ok()) return fd.status();
  if (!tls) return Stream::Plain(*std::move(fd));
  return Stream::Tls(*std::move(fd), host, options, deadline);
}

Stream::~Stream() {
  if (ssl_ != nullptr) SSL_free(ssl_);
}

std::unique_ptr<Stream> Stream::Plain(Fd fd) { return std::unique_ptr<Stream>(new Stream(std::move(fd))); }

namespace {

// One SSL_CTX per distinct TLS setting, made on first use and kept for the life of the process:
// loading a CA bundle costs milliseconds and megabytes, and 200 https targets must not pay it 200
// times. An SSL_CTX is safe to share between threads once set up.
absl::StatusOr<SSL_CTX*> SharedTlsContext(const TlsOptions& options) {
  static absl::Mutex mu(absl::kConstInit);
  static auto* contexts ABSL_GUARDED_BY(mu) = new std::map<std::pair<std::string, bool>, SSL_CTX*>();
  absl::MutexLock lock(&mu);
  const auto key = std::make_pair(options.ca_file, options.insecure);
  if (auto it = contexts->find(key); it != contexts->end()) return it->second;
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) return absl::InternalError("TLS: " + OpenSslError("cannot create context"));
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (options.insecure) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    if (!options.ca_file.empty()) {
      if (SSL_CTX_load_verify_locations(ctx, options.ca_file.c_str(), nullptr) != 1) {
        SSL_CTX_free(ctx);
        return absl::InvalidArgumentError(
            absl::StrCat("TLS: cannot load CA file ", options.ca_file, ": ", OpenSslError("unreadable")));
      }
    } else {
      SSL_CTX_set_default_verify_paths(ctx);
      if (access(kDistrolessCaBundle, R_OK) == 0) {
        SSL_CTX_load_verify_locations(ctx, kDistrolessCaBundle, nullptr);
      }
      ERR_clear_error();
    }
  }
  contexts->emplace(key, ctx);
  return ctx;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Stream>> Stream::Tls(Fd fd, absl::string_view server_name,
                                                    const TlsOptions& options, absl::Time deadline) {
  std::unique_ptr<Stream> s(new Stream(std::move(fd)));
  absl::StatusOr<SSL_CTX*> ctx = SharedTlsContext(options);
  if (!ctx.ok()) return ctx.status();
  s->ssl_ = SSL_new(*ctx);
  if (s->ssl_ == nullptr) return absl::InternalError("TLS: " + OpenSslError("cannot create session"));
  std::string name(server_name);
  in6_addr probe6;
  in_addr probe4;
  const bool is_ip = inet_pton(AF_INET, name.c_str(), &probe4) == 1 || inet_pton(AF_INET6, name.c_str(), &probe6) == 1;
  if (!is_ip) SSL_set_tlsext_host_name(s->ssl_, name.c_str());
  if (!options.insecure) {
    X509_VERIFY_PARAM* param = SSL_get0_param(s->ssl_);
    if (is_ip) {
      X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
    } else {
      X509_VERIFY_PARAM_set1_host(param, name.c_str(), 0);
    }
  }
  SSL_set_fd(s->ssl_, s->fd_.get());
  for (;;) {
    ERR_clear_error();
    int rc = SSL_connect(s->ssl_);
    if (rc == 1) break;
    int err = SSL_get_error(s->ssl_, rc);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      absl::Status ready = WaitFd(s->fd_.get(), err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline,
                                  "in the TLS handshake (the server accepted the connection but did not answer)");
      if (!ready.ok()) return ready;
      continue;
    }
    long verify = SSL_get_verify_result(s->ssl_);
    if (verify != X509_V_OK) {
      return absl::UnauthenticatedError(
          absl::StrCat("TLS: certificate verification failed: ", X509_verify_cert_error_string(verify)));
    }
    if (err == SSL_ERROR_SYSCALL && errno != 0) return ErrnoToStatus(errno, "TLS handshake");
    return absl::UnavailableError("TLS handshake failed: " + OpenSslError("connection closed by peer"));
  }
  return s;
}

absl::Status Stream::WriteAll(absl::string_view data, absl::Time deadline) {
  while (!data.empty()) {
    if (ssl_ != nullptr) {
      ERR_clear_error();
      int rc = SSL_write(ssl_, data.data(), static_cast<int>(data.size()));
      if (rc > 0) {
        data.remove_prefix(static_cast<size_t>(rc));
        continue;
      }
      int err = SSL_get_error(ssl_, rc);
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
        absl::Status ready = WaitFd(fd_.get(), err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline, "sending");
        if (!ready.ok()) return ready;
        continue;
      }
      return absl::UnavailableError("TLS write: " + OpenSslError("connection closed"));
    }
    ssize_t n = send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
    if (n >= 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return ErrnoToStatus(errno, "send");
    absl::Status ready = WaitFd(fd_.get(), POLLOUT, deadline, "sending");
    if (!ready.ok()) return ready;
  }
  return absl::OkStatus();
}

absl::StatusOr<size_t> Stream::Read(char* buf, size_t n, absl::Time deadline) {
  for (;;) {
    if (ssl_ != nullptr) {
      ERR_clear_error();
      int rc = SSL_read(ssl_, buf, static_cast<int>(n));
      if (rc > 0) return static_cast<size_t>(rc);
      int err = SSL_get_error(ssl_, rc);
      if (err == SSL_ERROR_ZERO_RETURN) return 0;
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
        absl::Status ready = WaitFd(fd_.get(), err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline,
                                    "waiting for a reply");
        if (!ready.ok()) return ready;
        continue;
      }
      if (err == SSL_ERROR_SYSCALL && rc == 0) return 0;  // peer closed without close_notify
      return absl::UnavailableError("TLS read: " + OpenSslError("connection closed"));
    }
    ssize_t got = recv(fd_.get(), buf, n, 0);
    if (got >= 0) return static_cast<size_t>(got);
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return ErrnoToStatus(errno, "recv");
    absl::Status ready = WaitFd(fd_.get(), POLLIN, deadline, "waiting for a reply");
    if (!ready.ok()) return ready;
  }
}

}  // namespace noshell
