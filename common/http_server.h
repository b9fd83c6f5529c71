// common/http_server.h — a small HTTP/1.1 server for health endpoints (entrypoint
// --health-listen, healthcheck --serve): GET and HEAD of a few paths, one request per connection,
// bounded in everything a client controls (connections, head size, time), on one thread of its
// own that never waits on a dependency: the handler answers from what it already knows.
#ifndef NOSHELL_COMMON_HTTP_SERVER_H_
#define NOSHELL_COMMON_HTTP_SERVER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <variant>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace noshell {

struct HttpRequest {
  std::string method;  // "GET" or "HEAD"
  std::string path;    // "/readyz", as sent (no percent-decoding: the paths served are plain)
  std::string query;   // "format=json", without the '?'
};

// Why a head cannot be served, and the status that says so: 400 malformed, 405 a method other
// than GET and HEAD, 413 a request with a body, 414 a target over 2 KiB, 431 a head over the
// limit, 505 not HTTP/1.x.
struct HttpError {
  int status = 400;
  std::string reason;
};

// A request head (request line and header fields, up to the empty line; CRLF or bare LF): the
// request, an error, or std::monostate while more bytes are needed. Pure; fuzzed.
using ParsedHead = std::variant<std::monostate, HttpRequest, HttpError>;
ParsedHead ParseRequestHead(absl::string_view data, size_t max_head);

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// The bytes of a response (Content-Length, Cache-Control: no-store, Connection: close); HEAD
// gets the head only.
std::string SerializeResponse(const HttpResponse& response, bool head_only);

class HttpServer {
 public:
  struct Options {
    size_t max_connections = 32;                 // more wait in the kernel's backlog
    size_t max_head = 8192;                      // bytes of request head
    absl::Duration io_timeout = absl::Seconds(5);  // from accept to the last byte written
  };
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  // Binds `listen` (":8086" every address, IPv6 and IPv4; "127.0.0.1:8086"; "[::1]:8086"; port 0
  // for any) and serves on a thread of its own until destroyed. kInvalidArgument for a bad
  // address, kUnavailable naming it when it cannot be bound.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const std::string& listen, Handler handler,
                                                           const Options& options);
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const std::string& listen, Handler handler) {
    return Start(listen, std::move(handler), Options());
  }
  ~HttpServer();  // stops serving, closes every connection, joins the thread
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const { return port_; }
  uint64_t served() const { return served_.load(); }  // responses written in full

 private:
  struct Connection;
  HttpServer(int listener, int wake, int port, Handler handler, const Options& options);
  void Run();
  bool Advance(Connection& c);

  const int listener_;
  const int wake_;  // eventfd: the destructor's "stop"
  const int port_;
  const Handler handler_;
  const Options options_;
  std::atomic<uint64_t> served_{0};
  std::thread thread_;
};

}  // namespace noshell

#endif  // NOSHELL_COMMON_HTTP_SERVER_H_
