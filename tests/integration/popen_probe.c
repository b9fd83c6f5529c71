/* tests/integration/popen_probe.c — calls popen()/pclose() or system() as a program like initdb
 * does, for the tests of libnoshell_popen.so (preloaded into it). Dynamically linked on purpose.
 *   popen_probe r COMMAND        prints what COMMAND wrote, then "status=N" (pclose's result)
 *   popen_probe w COMMAND TEXT   writes TEXT to COMMAND, then prints "status=N"
 *   popen_probe system COMMAND   prints "status=N" (system's result; -1 with errno as "errno=E") */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  if (strcmp(argv[1], "system") == 0) {
    int status = system(argv[2]);
    if (status == -1) printf("status=-1 errno=%s\n", strerror(errno));
    else printf("status=%d\n", status);
    return 0;
  }
  FILE* f = popen(argv[2], argv[1]);
  if (f == NULL) {
    printf("popen=NULL errno=%s\n", strerror(errno));
    return 0;
  }
  if (argv[1][0] == 'r') {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) fwrite(buf, 1, n, stdout);
  } else if (argc > 3) {
    fputs(argv[3], f);
  }
  printf("status=%d\n", pclose(f));
  return 0;
}
