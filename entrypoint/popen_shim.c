/* entrypoint/popen_shim.c — libnoshell_popen.so: popen(), pclose() and system() without a shell.
 *
 * Why: PostgreSQL's initdb runs each of its steps through popen()/system(), i.e. `/bin/sh -c`
 * ("postgres" -V, "postgres" --check ... < "/dev/null" > "/dev/null" 2>&1, "postgres" --boot ...,
 * locale -a). In an image with no shell those fail ("popen failure: Cannot allocate memory").
 * Preloaded into the distribution's own, unmodified initdb (LD_PRELOAD), this library runs such
 * commands itself: the words and redirections of entrypoint/shell_command.h, with posix_spawn.
 * Anything else a shell would do (pipes, expansions, globs, `;`, `&&`) is refused with a message
 * on stderr and the call fails: never run something other than what was written.
 *
 * A program that is not there behaves as under sh: the child exits 127 (126 when it cannot be
 * executed), so `locale -a` in a root without `locale` reads as no output, as initdb expects. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "entrypoint/shell_command.h"

#define EXPORT __attribute__((visibility("default")))

extern char** environ;

/* The streams popen() returned, and their children. */
struct child {
  FILE* stream;
  pid_t pid;
  struct child* next;
};
static struct child* g_children;
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;

static void complain(const char* command, const char* why) {
  fprintf(stderr, "noshell: not run (no shell here): %s: %s\n", command, why);
}

/* Starts `c` with `stdio_fd` (>= 0) as its descriptor `stdio_target` (0 or 1) before its own
 * redirections, as sh sets up a pipe before the command's redirections. Returns the pid, or -1
 * with errno set when even a stand-in child could not be made. */
static pid_t spawn(const struct noshell_command* c, int stdio_fd, int stdio_target, const sigset_t* child_mask,
                   int reset_int_quit) {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  if (posix_spawn_file_actions_init(&actions) != 0) return -1;
  if (posix_spawnattr_init(&attr) != 0) {
    posix_spawn_file_actions_destroy(&actions);
    return -1;
  }
  int rc = 0;
  if (stdio_fd >= 0) {
    if (stdio_fd == stdio_target) {
      /* Already in place, but close-on-exec: a copy elsewhere, then back. */
      rc = posix_spawn_file_actions_adddup2(&actions, stdio_fd, 9);
      if (rc == 0) rc = posix_spawn_file_actions_adddup2(&actions, 9, stdio_target);
      if (rc == 0) rc = posix_spawn_file_actions_addclose(&actions, 9);
    } else {
      rc = posix_spawn_file_actions_adddup2(&actions, stdio_fd, stdio_target);
    }
  }
  for (int i = 0; rc == 0 && i < c->nredirs; ++i) {
    const struct noshell_redir* r = &c->redirs[i];
    switch (r->kind) {
      case NOSHELL_REDIR_IN:
        rc = posix_spawn_file_actions_addopen(&actions, r->fd, r->path, O_RDONLY, 0);
        break;
      case NOSHELL_REDIR_OUT:
        rc = posix_spawn_file_actions_addopen(&actions, r->fd, r->path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        break;
      case NOSHELL_REDIR_APPEND:
        rc = posix_spawn_file_actions_addopen(&actions, r->fd, r->path, O_WRONLY | O_CREAT | O_APPEND, 0666);
        break;
      case NOSHELL_REDIR_DUP:
        rc = posix_spawn_file_actions_adddup2(&actions, r->target_fd, r->fd);
        break;
    }
  }
  short flags = 0;
  if (rc == 0 && child_mask != NULL) {
    rc = posix_spawnattr_setsigmask(&attr, child_mask);
    flags |= POSIX_SPAWN_SETSIGMASK;
  }
  if (rc == 0 && reset_int_quit) {
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGQUIT);
    rc = posix_spawnattr_setsigdefault(&attr, &defaults);
    flags |= POSIX_SPAWN_SETSIGDEF;
  }
  if (rc == 0) rc = posix_spawnattr_setflags(&attr, flags);
  pid_t pid = -1;
  if (rc == 0) rc = posix_spawnp(&pid, c->argv[0], &actions, &attr, c->argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc == 0) return pid;
  /* What sh does when the command cannot run: says so, and its child exits 127 (not found) or
   * 126 (found, not executable); a redirection that cannot be opened exits 1. */
  fprintf(stderr, "noshell: %s: %s\n", c->argv[0], strerror(rc));
  const int code = rc == ENOENT ? 127 : (rc == EACCES || rc == ENOEXEC) ? 126 : 1;
  pid = fork();
  if (pid == 0) _exit(code);
  return pid;
}

EXPORT FILE* popen(const char* command, const char* mode) {
  const int reading = mode != NULL && mode[0] == 'r';
  if (mode == NULL || (mode[0] != 'r' && mode[0] != 'w') || (mode[1] != '\0' && strcmp(mode + 1, "e") != 0)) {
    errno = EINVAL;
    return NULL;
  }
  struct noshell_command c;
  if (noshell_parse_command(command, &c) != 0) {
    complain(command != NULL ? command : "(null)", c.error);
    noshell_free_command(&c);
    errno = EINVAL;
    return NULL;
  }
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    noshell_free_command(&c);
    return NULL;
  }
  const int ours = reading ? fds[0] : fds[1];
  const int theirs = reading ? fds[1] : fds[0];
  const pid_t pid = spawn(&c, theirs, reading ? 1 : 0, NULL, 0);
  const int saved = errno;
  noshell_free_command(&c);
  close(theirs);
  if (pid < 0) {
    close(ours);
    errno = saved;
    return NULL;
  }
  FILE* stream = fdopen(ours, reading ? "r" : "w");
  struct child* entry = stream != NULL ? malloc(sizeof *entry) : NULL;
  if (entry == NULL) {
    if (stream != NULL) fclose(stream);
    else close(ours);
    waitpid(pid, NULL, 0);
    errno = ENOMEM;
    return NULL;
  }
  entry->stream = stream;
  entry->pid = pid;
  pthread_mutex_lock(&g_mu);
  entry->next = g_children;
  g_children = entry;
  pthread_mutex_unlock(&g_mu);
  return stream;
}

EXPORT int pclose(FILE* stream) {
  pthread_mutex_lock(&g_mu);
  struct child** link = &g_children;
  while (*link != NULL && (*link)->stream != stream) link = &(*link)->next;
  struct child* entry = *link;
  if (entry != NULL) *link = entry->next;
  pthread_mutex_unlock(&g_mu);
  if (entry == NULL) {
    errno = ECHILD;
    return -1;
  }
  const pid_t pid = entry->pid;
  free(entry);
  fclose(stream);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return status;
}

EXPORT int system(const char* command) {
  if (command == NULL) return 1; /* a command processor is available: this one */
  struct noshell_command c;
  if (noshell_parse_command(command, &c) != 0) {
    complain(command, c.error);
    noshell_free_command(&c);
    errno = EINVAL;
    return -1;
  }
  /* As POSIX's system(): SIGCHLD blocked and SIGINT/SIGQUIT ignored while waiting; the child
   * starts with the caller's mask and their default actions. */
  struct sigaction ignore, old_int, old_quit;
  memset(&ignore, 0, sizeof ignore);
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  sigaction(SIGINT, &ignore, &old_int);
  sigaction(SIGQUIT, &ignore, &old_quit);
  sigset_t block, old_mask;
  sigemptyset(&block);
  sigaddset(&block, SIGCHLD);
  sigprocmask(SIG_BLOCK, &block, &old_mask);
  const pid_t pid = spawn(&c, -1, 0, &old_mask, 1);
  noshell_free_command(&c);
  int status = -1;
  if (pid > 0) {
    while (waitpid(pid, &status, 0) < 0) {
      if (errno != EINTR) {
        status = -1;
        break;
      }
    }
  }
  const int saved = errno;
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGQUIT, &old_quit, NULL);
  sigprocmask(SIG_SETMASK, &old_mask, NULL);
  errno = saved;
  return status;
}
