// docker/examples/app/demo-app.cc — the stand-in application of the example image: a tiny HTTP
// server configured by the file entrypoint renders. Replace it with your own program.
//
//   demo-app CONFIG      CONFIG holds `key = value` lines:
//     port = 8080        where to listen (all addresses)
//     greeting = text    the body of GET /
//     on_term = exit:N   on SIGTERM exit with N (default exit:0); `ignore` ignores SIGTERM, the way
//                        many real programs in containers do
// GET /healthz answers 200 "ok", GET / the greeting, anything else 404.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <string>

namespace {

int g_term_exit = 0;

void OnTerm(int) { _exit(g_term_exit); }

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  size_t e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

void Reply(int fd, const char* status, const std::string& body) {
  std::string r = std::string("HTTP/1.1 ") + status + "\r\nContent-Type: text/plain\r\nContent-Length: " +
                  std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  (void)!write(fd, r.data(), r.size());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: demo-app CONFIG\n");
    return 2;
  }
  std::ifstream in(argv[1]);
  if (!in) {
    std::fprintf(stderr, "demo-app: cannot read config %s\n", argv[1]);
    return 2;
  }
  std::map<std::string, std::string> conf;
  for (std::string line; std::getline(in, line);) {
    size_t eq = line.find('=');
    if (line.empty() || line[0] == '#' || eq == std::string::npos) continue;
    conf[Trim(line.substr(0, eq))] = Trim(line.substr(eq + 1));
  }
  const std::string on_term = conf.count("on_term") ? conf["on_term"] : "exit:0";
  if (on_term == "ignore") {
    signal(SIGTERM, SIG_IGN);
  } else if (on_term.rfind("exit:", 0) == 0) {
    g_term_exit = std::atoi(on_term.c_str() + 5);
    signal(SIGTERM, OnTerm);
  } else {
    std::fprintf(stderr, "demo-app: %s: on_term must be exit:N or ignore\n", argv[1]);
    return 2;
  }
  const int port = conf.count("port") ? std::atoi(conf["port"].c_str()) : 8080;

  int s = socket(AF_INET6, SOCK_STREAM, 0);
  int zero = 0, one = 1;
  setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in6 addr{};
  addr.sin6_family = AF_INET6;
  addr.sin6_port = htons(static_cast<uint16_t>(port));
  addr.sin6_addr = in6addr_any;
  if (bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(s, 64) != 0) {
    std::perror("demo-app: listen");
    return 1;
  }
  std::printf("demo-app: listening on port %d as uid %d, SIGTERM: %s\n", port, static_cast<int>(getuid()), on_term.c_str());
  std::fflush(stdout);
  for (;;) {
    int c = accept(s, nullptr, nullptr);
    if (c < 0) continue;
    char buf[2048];
    ssize_t n = read(c, buf, sizeof buf - 1);
    std::string req(buf, n > 0 ? static_cast<size_t>(n) : 0);
    if (req.rfind("GET /healthz ", 0) == 0) Reply(c, "200 OK", "ok\n");
    else if (req.rfind("GET / ", 0) == 0) Reply(c, "200 OK", conf["greeting"] + "\n");
    else Reply(c, "404 Not Found", "not found\n");
    close(c);
  }
}
