// tests/unit/common/http_server_test.cc — the health endpoints' HTTP server (common/http_server.h):
// the request-head parser on every shape a client can send, and the server on loopback: GET and
// HEAD, errors answered, and every limit a client controls (head size, time, connections).
#include "common/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace noshell {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

int StatusOf(const ParsedHead& head) {
  if (const HttpError* e = std::get_if<HttpError>(&head)) return e->status;
  return std::holds_alternative<HttpRequest>(head) ? 200 : 0;  // 0: incomplete
}

TEST(HttpRequestHeadTest, RequestsThatAreServed) {
  ParsedHead h = ParseRequestHead("GET /readyz?format=json HTTP/1.1\r\nHost: pod:8086\r\nUser-Agent: kube-probe/1.31\r\n\r\n", 8192);
  ASSERT_TRUE(std::holds_alternative<HttpRequest>(h));
  EXPECT_EQ(std::get<HttpRequest>(h).method, "GET");
  EXPECT_EQ(std::get<HttpRequest>(h).path, "/readyz");
  EXPECT_EQ(std::get<HttpRequest>(h).query, "format=json");
  h = ParseRequestHead("HEAD /livez HTTP/1.0\n\n", 8192);  // bare LF, HTTP/1.0, no headers
  ASSERT_TRUE(std::holds_alternative<HttpRequest>(h));
  EXPECT_EQ(std::get<HttpRequest>(h).method, "HEAD");
  EXPECT_EQ(std::get<HttpRequest>(h).path, "/livez");
  EXPECT_EQ(std::get<HttpRequest>(h).query, "");
  EXPECT_EQ(StatusOf(ParseRequestHead("GET / HTTP/1.1\r\nContent-Length: 0\r\nX-Empty:\r\n\r\n", 8192)), 200);
}

TEST(HttpRequestHeadTest, IncompleteUntilTheEmptyLine) {
  for (const char* part : {"", "G", "GET /readyz HTTP/1.1", "GET /readyz HTTP/1.1\r\n", "GET /readyz HTTP/1.1\r\nHost: x\r\n",
                           "GET /readyz HTTP/1.1\r\nHost: x\r\n\r"}) {
    EXPECT_EQ(StatusOf(ParseRequestHead(part, 8192)), 0) << part;
  }
}

TEST(HttpRequestHeadTest, EachRefusalHasItsStatus) {
  struct Case {
    std::string head;
    int status;
  };
  for (const Case& c : {
           Case{"POST /readyz HTTP/1.1\r\n\r\n", 405},
           Case{"DELETE / HTTP/1.1\r\n\r\n", 405},
           Case{"GET /readyz HTTP/2.0\r\n\r\n", 505},
           Case{"GET /readyz\r\n\r\n", 400},                       // HTTP/0.9
           Case{"GET  /readyz HTTP/1.1\r\n\r\n", 400},              // two spaces
           Case{"GET /readyz HTTP/1.1 extra\r\n\r\n", 400},
           Case{"GET readyz HTTP/1.1\r\n\r\n", 400},                // not origin form
           Case{"GET http://x/readyz HTTP/1.1\r\n\r\n", 400},
           Case{"GET /ready\x01z HTTP/1.1\r\n\r\n", 400},
           Case{"GET /r\xc3\xa9 HTTP/1.1\r\n\r\n", 400},
           Case{"G(T / HTTP/1.1\r\n\r\n", 400},
           Case{"\r\n\r\n", 400},
           Case{"GET / HTTP/1.1\r\nHost x\r\n\r\n", 400},
           Case{"GET / HTTP/1.1\r\n: x\r\n\r\n", 400},
           Case{"GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400},
           Case{"GET / HTTP/1.1\r\nX: a\x01b\r\n\r\n", 400},
           Case{"GET / HTTP/1.1\rX: y\r\n\r\n", 400},               // a bare CR
           Case{"GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", 413},
           Case{"GET / HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n", 413},
           Case{absl::StrCat("GET /", std::string(3000, 'a'), " HTTP/1.1\r\n\r\n"), 414},
       }) {
    EXPECT_EQ(StatusOf(ParseRequestHead(c.head, 8192)), c.status) << c.head;
  }
}

TEST(HttpRequestHeadTest, TheHeadIsCapped) {
  const std::string big = absl::StrCat("GET / HTTP/1.1\r\nX: ", std::string(200, 'a'), "\r\n");
  EXPECT_EQ(StatusOf(ParseRequestHead(big, 100)), 431);                // no end in sight
  EXPECT_EQ(StatusOf(ParseRequestHead(big + "\r\n", 100)), 431);       // ends, but too late
  EXPECT_EQ(StatusOf(ParseRequestHead(big + "\r\n", 8192)), 200);
  EXPECT_EQ(StatusOf(ParseRequestHead(std::string(100, 'x'), 100)), 431);
  EXPECT_EQ(StatusOf(ParseRequestHead(std::string(99, 'x'), 100)), 0);
}

TEST(HttpResponseTest, HeadOnlyForHead) {
  const HttpResponse r{503, "application/json", "{\"ready\":false}\n"};
  const std::string full = SerializeResponse(r, false);
  EXPECT_THAT(full, StartsWith("HTTP/1.1 503 Service Unavailable\r\n"));
  EXPECT_THAT(full, HasSubstr("\r\nContent-Type: application/json\r\nContent-Length: 16\r\n"));
  EXPECT_THAT(full, HasSubstr("\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{\"ready\":false}\n"));
  const std::string head = SerializeResponse(r, true);
  EXPECT_EQ(head, full.substr(0, full.size() - r.body.size()));
}

// A client on loopback: connects, sends `request` (if any), reads until the server closes or
// `wait` passes. Returns what it read; "" when nothing came.
std::string Exchange(int port, const std::string& request, absl::Duration wait = absl::Seconds(5), int* fd_out = nullptr) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return "connect failed";
  }
  if (!request.empty()) (void)!send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  if (fd_out != nullptr) {
    *fd_out = fd;
    return "";
  }
  std::string out;
  const absl::Time deadline = absl::Now() + wait;
  char buf[4096];
  while (absl::Now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now())) + 1) <= 0) break;
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

HttpServer::Handler Echo() {
  return [](const HttpRequest& r) { return HttpResponse{r.path == "/readyz" ? 200 : 404, "text/plain", r.path + "?" + r.query + "\n"}; };
}

TEST(HttpServerTest, AnswersGetAndHeadAndRefusesTheRest) {
  auto server = HttpServer::Start("127.0.0.1:0", Echo());
  ASSERT_TRUE(server.ok()) << server.status();
  const int port = (*server)->port();
  ASSERT_GT(port, 0);
  std::string get = Exchange(port, "GET /readyz?format=json HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_THAT(get, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(get, HasSubstr("\r\n\r\n/readyz?format=json\n"));
  std::string head = Exchange(port, "HEAD /readyz HTTP/1.1\r\n\r\n");
  EXPECT_THAT(head, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(head, HasSubstr("Content-Length: 9\r\n"));  // "/readyz?\n", not sent
  EXPECT_THAT(head, ::testing::EndsWith("\r\n\r\n"));  // no body
  EXPECT_THAT(Exchange(port, "GET /other HTTP/1.1\r\n\r\n"), StartsWith("HTTP/1.1 404 "));
  EXPECT_THAT(Exchange(port, "POST /readyz HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi"), StartsWith("HTTP/1.1 405 "));
  EXPECT_THAT(Exchange(port, "BREW /pot HTCPCP/1.0\r\n\r\n"), StartsWith("HTTP/1.1 400 "));
  EXPECT_EQ((*server)->served(), 5u);
}

// A burst: more requests queued at once than the connection table holds, each already whole
// when accepted. One is accepted per wake-up; every one is answered.
TEST(HttpServerTest, ABurstIsAnsweredWhole) {
  HttpServer::Options o;
  o.max_connections = 4;
  auto server = HttpServer::Start("127.0.0.1:0", Echo(), o);
  ASSERT_TRUE(server.ok());
  const int port = (*server)->port();
  std::vector<int> fds(48, -1);
  for (int& fd : fds) Exchange(port, "GET /readyz HTTP/1.1\r\n\r\n", absl::Seconds(1), &fd);  // sent, not read
  for (int fd : fds) {
    std::string out;
    char buf[4096];
    pollfd p{fd, POLLIN, 0};
    while (poll(&p, 1, 5000) > 0) {
      const ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    close(fd);
    EXPECT_THAT(out, StartsWith("HTTP/1.1 200 OK\r\n"));
  }
  EXPECT_EQ((*server)->served(), fds.size());
}

TEST(HttpServerTest, BadAddressesAreRefusedByName) {
  for (const char* bad : {"8086", "localhost:8086", "127.0.0.1:99999", "[::1:80", "1.2.3:80"}) {
    auto s = HttpServer::Start(bad, Echo());
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(s.status().message()), HasSubstr(bad)) << bad;
  }
  auto first = HttpServer::Start("127.0.0.1:0", Echo());
  ASSERT_TRUE(first.ok());
  auto taken = HttpServer::Start(absl::StrCat("127.0.0.1:", (*first)->port()), Echo());
  EXPECT_EQ(taken.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(taken.status().message()), HasSubstr("in use"));
}

TEST(HttpServerTest, EveryAddressMeansIpv4AndIpv6) {
  auto server = HttpServer::Start(":0", Echo());
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_THAT(Exchange((*server)->port(), "GET /readyz HTTP/1.1\r\n\r\n"), StartsWith("HTTP/1.1 200 OK"));  // over IPv4
}

// A client that sends half a head and stops, or floods headers, cannot keep a connection: 408 at
// the deadline, 431 at the cap; and one that holds every connection slot is out after the timeout,
// after which the server answers again.
TEST(HttpServerTest, SlowAndGreedyClientsAreCut) {
  HttpServer::Options o;
  o.max_connections = 2;
  o.max_head = 1024;
  o.io_timeout = absl::Milliseconds(300);
  auto server = HttpServer::Start("127.0.0.1:0", Echo(), o);
  ASSERT_TRUE(server.ok());
  const int port = (*server)->port();
  const absl::Time start = absl::Now();
  EXPECT_THAT(Exchange(port, "GET /readyz HTTP/1.1\r\nHost:"), StartsWith("HTTP/1.1 408 "));
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_THAT(Exchange(port, absl::StrCat("GET / HTTP/1.1\r\nX: ", std::string(2000, 'a'))), StartsWith("HTTP/1.1 431 "));
  // Connections that say nothing wait in the kernel (TCP_DEFER_ACCEPT), not in a slot.
  int silent_a = -1, silent_b = -1, silent_c = -1;
  Exchange(port, "", absl::Seconds(1), &silent_a);
  Exchange(port, "", absl::Seconds(1), &silent_b);
  Exchange(port, "", absl::Seconds(1), &silent_c);
  absl::SleepFor(absl::Milliseconds(50));
  const absl::Time served = absl::Now();
  EXPECT_THAT(Exchange(port, "GET /readyz HTTP/1.1\r\n\r\n", absl::Seconds(3)), StartsWith("HTTP/1.1 200 OK"));
  EXPECT_LT(absl::Now() - served, absl::Milliseconds(200));
  // Two that start a head and stop take both slots: a third is not served until they time out.
  int a = -1, b = -1;
  Exchange(port, "GET /", absl::Seconds(1), &a);
  Exchange(port, "GET /", absl::Seconds(1), &b);
  absl::SleepFor(absl::Milliseconds(50));
  const absl::Time third = absl::Now();
  EXPECT_THAT(Exchange(port, "GET /readyz HTTP/1.1\r\n\r\n", absl::Seconds(3)), StartsWith("HTTP/1.1 200 OK"));
  EXPECT_GE(absl::Now() - third, absl::Milliseconds(200));
  for (int fd : {a, b, silent_a, silent_b, silent_c}) close(fd);
}

}  // namespace
}  // namespace noshell
