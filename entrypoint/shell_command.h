/* entrypoint/shell_command.h — the part of sh's grammar used by the commands programs such as
 * initdb hand to popen and system, parsed without a shell: words (unquoted, "double-quoted",
 * 'single-quoted', backslash-escaped) and the redirections [n]<word, [n]>word, [n]>>word and
 * [n]>&m. Anything a shell would expand, substitute, glob, pipe, chain or run in the background is
 * refused, never guessed at: the caller (entrypoint/popen_shim.c) then fails the call instead of
 * running something else.
 *
 * C, for the preloaded library; pure (no I/O), unit-tested and fuzzed. */
#ifndef NOSHELL_ENTRYPOINT_SHELL_COMMAND_H_
#define NOSHELL_ENTRYPOINT_SHELL_COMMAND_H_

#ifdef __cplusplus
extern "C" {
#endif

#define NOSHELL_CMD_MAX_ARGS 128
#define NOSHELL_CMD_MAX_REDIRS 8

enum noshell_redir_kind {
  NOSHELL_REDIR_IN,      /* n<path   (n defaults to 0) */
  NOSHELL_REDIR_OUT,     /* n>path   (n defaults to 1) */
  NOSHELL_REDIR_APPEND,  /* n>>path  (n defaults to 1) */
  NOSHELL_REDIR_DUP,     /* n>&m     (n defaults to 1) */
};

struct noshell_redir {
  int fd;
  enum noshell_redir_kind kind;
  int target_fd;    /* NOSHELL_REDIR_DUP */
  const char* path; /* the others; points into the command's buffer */
};

struct noshell_command {
  char* buf; /* one allocation holding every word, NUL-separated */
  char* argv[NOSHELL_CMD_MAX_ARGS + 1];
  int argc;
  struct noshell_redir redirs[NOSHELL_CMD_MAX_REDIRS];
  int nredirs;
  char error[200]; /* why the text was refused */
};

/* 0 when `text` is a command of the grammar above (at least one word); -1 otherwise, with
 * `out->error` saying what was refused. Either way noshell_free_command releases `out`. */
int noshell_parse_command(const char* text, struct noshell_command* out);
void noshell_free_command(struct noshell_command* command);

#ifdef __cplusplus
}
#endif

#endif /* NOSHELL_ENTRYPOINT_SHELL_COMMAND_H_ */
