/* tests/bench/http_probe.c: the kubelet's side of an httpGet probe, paced. Connects to
 * 127.0.0.1:PORT, sends GET PATH, reads to the end, closes; RATE probes a second (0: back to back),
 * COUNT of them. Prints "failed F", then every probe's wall time (connect to last byte) in
 * microseconds, one a line, sorted. A probe fails unless the answer starts with "HTTP/1.1 200".
 * In C so that the client's own cost and jitter stay out of the server's figures. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int cmp(const void* a, const void* b) {
  long long x = *(const long long*)a, y = *(const long long*)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char** argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: http_probe PORT PATH RATE COUNT\n");
    return 2;
  }
  const int port = atoi(argv[1]);
  const double rate = atof(argv[3]);
  const int count = atoi(argv[4]);
  char request[512];
  snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUser-Agent: kube-probe/1.31\r\nAccept: */*\r\nConnection: close\r\n\r\n",
           argv[2], port);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  long long* walls = calloc((size_t)count, sizeof *walls);
  int failed = 0;
  const long long start = now_ns();
  for (int i = 0; i < count; ++i) {
    if (rate > 0) {
      const long long due = start + (long long)(i * 1e9 / rate);
      struct timespec t = {due / 1000000000LL, due % 1000000000LL};
      clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL);
    }
    const long long t0 = now_ns();
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    char reply[4096];
    size_t got = 0;
    if (fd >= 0 && connect(fd, (struct sockaddr*)&a, sizeof a) == 0 &&
        send(fd, request, strlen(request), MSG_NOSIGNAL) == (ssize_t)strlen(request)) {
      for (;;) {
        char buf[4096];
        const ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        if (got < sizeof reply) {
          const size_t take = (size_t)n < sizeof reply - got ? (size_t)n : sizeof reply - got;
          memcpy(reply + got, buf, take);
          got += take;
        }
      }
    }
    if (fd >= 0) close(fd);
    walls[i] = now_ns() - t0;
    if (got < 12 || memcmp(reply, "HTTP/1.1 200", 12) != 0) ++failed;
  }
  qsort(walls, (size_t)count, sizeof *walls, cmp);
  printf("failed %d\n", failed);
  for (int i = 0; i < count; ++i) printf("%.1f\n", walls[i] / 1e3);
  return failed ? 1 : 0;
}
