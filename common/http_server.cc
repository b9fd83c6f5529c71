// common/http_server.cc — see http_server.h.
#include "common/http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/errno_status.h"

namespace noshell {
namespace {

constexpr size_t kMaxTarget = 2048;

// RFC 9110 token characters.
bool IsTchar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

bool IsToken(absl::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), IsTchar); }

// Header field text: visible ASCII, space, tab and obs-text (bytes >= 0x80); no other control.
bool IsFieldText(absl::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    const unsigned char u = static_cast<unsigned char>(c);
    return u == '\t' || (u >= 0x20 && u != 0x7f);
  });
}

const char* StatusText(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

// ":8086", "127.0.0.1:8086", "[::1]:8086", "0.0.0.0:0" into a socket address.
absl::Status ParseListen(const std::string& listen, sockaddr_storage* addr, socklen_t* len) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return absl::InvalidArgumentError(absl::StrCat("listen address \"", listen, "\": want HOST:PORT or :PORT"));
  int port = -1;
  if (!absl::SimpleAtoi(listen.substr(colon + 1), &port) || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("listen address \"", listen, "\": the port must be 0-65535"));
  }
  std::string host = listen.substr(0, colon);
  std::memset(addr, 0, sizeof *addr);
  if (host.empty() || host == "[::]") {
    auto* a6 = reinterpret_cast<sockaddr_in6*>(addr);
    a6->sin6_family = AF_INET6;
    a6->sin6_addr = in6addr_any;
    a6->sin6_port = htons(static_cast<uint16_t>(port));
    *len = sizeof *a6;
    return absl::OkStatus();
  }
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    auto* a6 = reinterpret_cast<sockaddr_in6*>(addr);
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &a6->sin6_addr) != 1) {
      return absl::InvalidArgumentError(absl::StrCat("listen address \"", listen, "\": not an IPv6 address"));
    }
    *len = sizeof *a6;
    return absl::OkStatus();
  }
  auto* a4 = reinterpret_cast<sockaddr_in*>(addr);
  a4->sin_family = AF_INET;
  a4->sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &a4->sin_addr) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("listen address \"", listen, "\": want an IP address (a name is not resolved: bind where you mean)"));
  }
  *len = sizeof *a4;
  return absl::OkStatus();
}

}  // namespace

struct HttpServer::Connection {
  int fd = -1;
  absl::Time deadline;
  std::string in;
  std::string out;
  size_t written = 0;
  bool writing = false;
};

ParsedHead ParseRequestHead(absl::string_view data, size_t max_head) {
  // The head ends at an empty line: "\n\n" or "\n\r\n".
  size_t end = absl::string_view::npos;
  for (size_t p = data.find('\n'); p != absl::string_view::npos && p < max_head; p = data.find('\n', p + 1)) {
    if (p + 1 < data.size() && data[p + 1] == '\n') {
      end = p + 2;
      break;
    }
    if (p + 2 < data.size() && data[p + 1] == '\r' && data[p + 2] == '\n') {
      end = p + 3;
      break;
    }
  }
  if (end == absl::string_view::npos || end > max_head) {
    if (data.size() >= max_head) return HttpError{431, "request head too large"};
    return std::monostate{};
  }
  std::vector<absl::string_view> lines;
  for (absl::string_view rest = data.substr(0, end); !rest.empty();) {
    const size_t nl = rest.find('\n');
    absl::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find('\r') != absl::string_view::npos) return HttpError{400, "a bare CR in the head"};
    lines.push_back(line);
  }
  lines.pop_back();  // the empty line that ends the head

  // Request line: METHOD SP TARGET SP HTTP/1.x
  if (lines.empty() || lines[0].empty()) return HttpError{400, "no request line"};
  const absl::string_view line = lines[0];
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == absl::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == absl::string_view::npos || line.find(' ', sp2 + 1) != absl::string_view::npos) {
    return HttpError{400, "a request line is METHOD TARGET VERSION"};
  }
  const absl::string_view method = line.substr(0, sp1);
  const absl::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const absl::string_view version = line.substr(sp2 + 1);
  if (!IsToken(method)) return HttpError{400, "the method is not a token"};
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    return absl::StartsWith(version, "HTTP/") ? HttpError{505, "only HTTP/1.0 and HTTP/1.1"} : HttpError{400, "no HTTP version"};
  }
  if (target.size() > kMaxTarget) return HttpError{414, "request target too long"};
  if (target.empty() || target[0] != '/') return HttpError{400, "the target must be a path (origin form)"};
  for (char c : target) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      return HttpError{400, "a control or non-ASCII byte in the target"};
    }
  }
  if (method != "GET" && method != "HEAD") return HttpError{405, "only GET and HEAD"};

  // Header fields: NAME ":" VALUE. Their values are not used, but a body is refused (nothing here
  // reads one, and a length we ignore could desynchronize a proxy in front).
  for (size_t i = 1; i < lines.size(); ++i) {
    const absl::string_view field = lines[i];
    if (!field.empty() && (field[0] == ' ' || field[0] == '\t')) return HttpError{400, "folded header lines"};
    const size_t colon = field.find(':');
    if (colon == absl::string_view::npos || !IsToken(field.substr(0, colon))) return HttpError{400, "a malformed header field"};
    const absl::string_view value = absl::StripAsciiWhitespace(field.substr(colon + 1));
    if (!IsFieldText(value)) return HttpError{400, "a control byte in a header value"};
    const absl::string_view name = field.substr(0, colon);
    if (absl::EqualsIgnoreCase(name, "transfer-encoding") || (absl::EqualsIgnoreCase(name, "content-length") && value != "0")) {
      return HttpError{413, "a request with a body"};
    }
  }
  HttpRequest r;
  r.method = std::string(method);
  const size_t q = target.find('?');
  r.path = std::string(target.substr(0, q));
  if (q != absl::string_view::npos) r.query = std::string(target.substr(q + 1));
  return r;
}

std::string SerializeResponse(const HttpResponse& response, bool head_only) {
  std::string out = absl::StrCat("HTTP/1.1 ", response.status, " ", StatusText(response.status), "\r\nContent-Type: ",
                                 response.content_type, "\r\nContent-Length: ", response.body.size(),
                                 "\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n");
  if (!head_only) out += response.body;
  return out;
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const std::string& listen, Handler handler, const Options& options) {
  sockaddr_storage addr;
  socklen_t len = 0;
  if (absl::Status s = ParseListen(listen, &addr, &len); !s.ok()) return s;
  int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0 && addr.ss_family == AF_INET6 && listen[0] == ':') {
    // No IPv6 here: every IPv4 address instead.
    auto* a4 = reinterpret_cast<sockaddr_in*>(&addr);
    const uint16_t port = reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port;
    std::memset(&addr, 0, sizeof addr);
    a4->sin_family = AF_INET;
    a4->sin_port = port;
    a4->sin_addr.s_addr = htonl(INADDR_ANY);
    len = sizeof *a4;
    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  }
  if (fd < 0) return ErrnoToStatus(errno, absl::StrCat("listen on ", listen, ": socket"));
  const int one = 1, zero = 0;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (addr.ss_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);  // IPv4 too
  // A connection is handed to accept() when its request has arrived, not at the handshake: one
  // wake-up per probe instead of two, and a client that connects and says nothing waits in the
  // kernel, not in our connection table.
  setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &one, sizeof one);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(fd, 64) != 0) {
    const int err = errno;
    close(fd);
    return absl::UnavailableError(absl::StrCat("listen on ", listen, ": ", std::strerror(err)));
  }
  sockaddr_storage bound;
  socklen_t bound_len = sizeof bound;
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bound_len);
  const int port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                                      : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  const int wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake < 0) {
    const int err = errno;
    close(fd);
    return ErrnoToStatus(err, "eventfd");
  }
  return std::unique_ptr<HttpServer>(new HttpServer(fd, wake, port, std::move(handler), options));
}

HttpServer::HttpServer(int listener, int wake, int port, Handler handler, const Options& options)
    : listener_(listener), wake_(wake), port_(port), handler_(std::move(handler)), options_(options) {
  thread_ = std::thread([this] { Run(); });
}

HttpServer::~HttpServer() {
  const uint64_t one = 1;
  (void)!write(wake_, &one, sizeof one);
  thread_.join();
  close(listener_);
  close(wake_);
}

// Moves a connection on as far as it can go without waiting: reads what has arrived, answers a
// whole head, writes what the socket takes. Returns false when the connection is finished (closed).
bool HttpServer::Advance(Connection& c) {
  if (!c.writing) {
    char buf[4096];
    const ssize_t n = recv(c.fd, buf, sizeof buf, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
    if (n <= 0) {  // the client went away before its request was whole
      close(c.fd);
      return false;
    }
    c.in.append(buf, static_cast<size_t>(n));
    ParsedHead head = ParseRequestHead(c.in, options_.max_head);
    if (std::holds_alternative<std::monostate>(head)) return true;
    if (const HttpError* e = std::get_if<HttpError>(&head)) {
      c.out = SerializeResponse({e->status, "text/plain; charset=utf-8", e->reason + "\n"}, false);
    } else {
      const HttpRequest& r = std::get<HttpRequest>(head);
      c.out = SerializeResponse(handler_(r), r.method == "HEAD");
    }
    c.in.clear();
    c.writing = true;
  }
  const ssize_t n = send(c.fd, c.out.data() + c.written, c.out.size() - c.written, MSG_NOSIGNAL);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
  if (n > 0) c.written += static_cast<size_t>(n);
  if (n > 0 && c.written < c.out.size()) return true;
  if (n > 0) served_.fetch_add(1);
  close(c.fd);  // Connection: close; the FIN ends the response
  return false;
}

void HttpServer::Run() {
  std::vector<Connection> conns;
  std::vector<pollfd> fds;
  for (;;) {
    const absl::Time now = absl::Now();
    // Out of time: a slow or silent client is dropped (408 if it never finished its head).
    for (Connection& c : conns) {
      if (now >= c.deadline) {
        if (!c.writing) {
          const std::string bytes = SerializeResponse({408, "text/plain; charset=utf-8", "request timeout\n"}, false);
          (void)!send(c.fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        }
        close(c.fd);
        c.fd = -1;
      }
    }
    conns.erase(std::remove_if(conns.begin(), conns.end(), [](const Connection& c) { return c.fd < 0; }), conns.end());

    fds.clear();
    fds.push_back({wake_, POLLIN, 0});
    const bool accepting = conns.size() < options_.max_connections;
    fds.push_back({accepting ? listener_ : -1, POLLIN, 0});
    absl::Time next = now + absl::Hours(1);
    for (const Connection& c : conns) {
      fds.push_back({c.fd, static_cast<short>(c.writing ? POLLOUT : POLLIN), 0});
      next = std::min(next, c.deadline);
    }
    const int timeout_ms = static_cast<int>(std::max<int64_t>(0, absl::ToInt64Milliseconds(next - now) + 1));
    if (poll(fds.data(), fds.size(), timeout_ms) < 0 && errno != EINTR) return;
    if (fds[0].revents != 0) {
      for (Connection& c : conns) close(c.fd);
      return;
    }
    for (size_t i = 0; i + 2 < fds.size(); ++i) {
      if (fds[i + 2].revents != 0 && !Advance(conns[i])) conns[i].fd = -1;
    }
    // One connection per poll: with its request already there (TCP_DEFER_ACCEPT) it is usually
    // answered and closed here; a second accept4 would, at probe rates, only say EAGAIN (a system
    // call per probe). With more waiting, the next poll returns at once.
    if (accepting && (fds[1].revents & POLLIN) != 0) {
      const int fd = accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd >= 0) {
        Connection c;
        c.fd = fd;
        c.deadline = absl::Now() + options_.io_timeout;
        if (Advance(c)) conns.push_back(std::move(c));
      }
    }
    conns.erase(std::remove_if(conns.begin(), conns.end(), [](const Connection& c) { return c.fd < 0; }), conns.end());
  }
}

}  // namespace noshell
