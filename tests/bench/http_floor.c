/* tests/bench/http_floor.c: the least an HTTP probe can cost on this machine, to show next to
 * ours. A server that does only the system calls every answer needs (poll, accept4, recv, send,
 * close) with the listener set up as ours (non-blocking, TCP_DEFER_ACCEPT), answering every request
 * with the same bytes, parsed not at all. usage: http_floor PORT BODY_BYTES */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: http_floor PORT BODY_BYTES\n");
    return 2;
  }
  const int one = 1;
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &one, sizeof one);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)atoi(argv[1]));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr*)&a, sizeof a) != 0 || listen(fd, 64) != 0) {
    perror("http_floor: listen");
    return 1;
  }
  const int body = atoi(argv[2]);
  char response[8192];
  int len = snprintf(response, sizeof response,
                     "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\n"
                     "Cache-Control: no-store\r\nConnection: close\r\n\r\n", body);
  memset(response + len, 'x', (size_t)body);
  len += body;
  char buf[4096];
  for (;;) {
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, -1) < 0) continue;
    const int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (c < 0) continue;
    (void)!recv(c, buf, sizeof buf, 0);
    (void)!send(c, response, (size_t)len, MSG_NOSIGNAL);
    close(c);
  }
}
