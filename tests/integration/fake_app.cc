// tests/integration/fake_app.cc — a stand-in application for entrypoint's PID 1 tests.
//   exit N                      exit with N
//   expect-user UID GID         exit 0 only when running as UID:GID with no_new_privs
//   stamp FILE                  write the wall clock in ns to FILE
//   kill-self SIG               die by signal SIG
//   record FILE                 append each signal received to FILE ("ready" first); exit 0 on TERM
//   ignore-term                 ignore TERM and sleep 60 s
//   orphan-zombie               leave an orphaned grandchild that exits at once, then sleep 1.5 s
//   grandchild-ignores-term     leave a grandchild that ignores TERM and sleeps, then exit 0
//   grandchild-handles-term F   leave a grandchild that, on TERM, writes "finished" to F after
//                               200 ms; then exit 3
//   read-line FILE              read one line from stdin, write it to FILE, exit 0
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

int g_fd = -1;
const char* g_finish_file = nullptr;

void Record(int sig) {
  char buf[16];
  int n = std::snprintf(buf, sizeof buf, "%d\n", sig);
  (void)!write(g_fd, buf, static_cast<size_t>(n));
  if (sig == SIGTERM) _exit(0);
}

void FinishThenExit(int) {
  usleep(200 * 1000);
  FILE* f = std::fopen(g_finish_file, "w");
  if (f != nullptr) {
    std::fputs("finished\n", f);
    std::fclose(f);
  }
  _exit(0);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  std::string mode = argv[1];
  if (mode == "exit") return std::atoi(argv[2]);
  if (mode == "stamp") {  // stamp FILE: write CLOCK_REALTIME in ns (the benchmark's "app started")
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    FILE* f = std::fopen(argv[2], "w");
    std::fprintf(f, "%lld\n", static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec);
    std::fclose(f);
    return 0;
  }
  if (mode == "expect-user") {  // expect-user UID GID: exit 0 only when running as them, no_new_privs set
    const bool ids = getuid() == static_cast<uid_t>(std::atoi(argv[2])) && getgid() == static_cast<gid_t>(std::atoi(argv[3]));
    return ids && prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 ? 0 : 1;
  }
  if (mode == "kill-self") {
    int sig = std::atoi(argv[2]);
    signal(sig, SIG_DFL);
    kill(getpid(), sig);
    pause();
    return 99;
  }
  if (mode == "record") {
    g_fd = fileno(std::fopen(argv[2], "a"));
    for (int sig = 1; sig < NSIG; ++sig) {
      if (sig == SIGKILL || sig == SIGSTOP) continue;
      signal(sig, Record);
    }
    (void)!write(g_fd, "ready\n", 6);
    for (;;) pause();
  }
  if (mode == "read-line") {
    char line[256] = "";
    if (std::fgets(line, sizeof line, stdin) == nullptr) return 1;
    FILE* f = std::fopen(argv[2], "w");
    std::fputs(line, f);
    std::fclose(f);
    return 0;
  }
  if (mode == "ignore-term") {
    signal(SIGTERM, SIG_IGN);
    sleep(60);
    return 0;
  }
  if (mode == "orphan-zombie") {
    pid_t child = fork();
    if (child == 0) {
      if (fork() == 0) _exit(0);  // the grandchild: orphaned at once, a zombie unless init reaps it
      usleep(50 * 1000);
      _exit(0);
    }
    waitpid(child, nullptr, 0);
    usleep(1500 * 1000);
    return 0;
  }
  if (mode == "grandchild-ignores-term" || mode == "grandchild-handles-term") {
    const bool handles = mode == "grandchild-handles-term";
    if (handles) g_finish_file = argv[2];
    int ready[2];
    (void)!pipe(ready);
    if (fork() == 0) {
      setsid();  // its own session and group: only init's drain reaches it
      if (handles) signal(SIGTERM, FinishThenExit);
      else signal(SIGTERM, SIG_IGN);
      (void)!write(ready[1], "x", 1);
      for (;;) pause();
    }
    char c;
    (void)!read(ready[0], &c, 1);
    return handles ? 3 : 0;
  }
  return 2;
}
