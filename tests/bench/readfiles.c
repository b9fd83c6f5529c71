/* tests/bench/readfiles.c — reads every regular file of a folder (open, fstat, read, close) and
 * nothing else: the kernel's share of any program that reads a migrations folder, for the migrate
 * benchmark's floor. Built statically, as runstat.c, so its own start costs almost nothing.
 * usage: readfiles DIR */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: readfiles DIR\n");
    return 2;
  }
  DIR* d = opendir(argv[1]);
  if (d == NULL) {
    perror(argv[1]);
    return 1;
  }
  static char buf[1 << 16];
  long files = 0, bytes = 0;
  struct dirent* e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) continue;
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
      ssize_t n = read(fd, buf, sizeof buf);
      if (n > 0) bytes += n;
      files++;
    }
    close(fd);
  }
  closedir(d);
  fprintf(stderr, "%ld files, %ld bytes\n", files, bytes);
  return 0;
}
