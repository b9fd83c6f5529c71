/* entrypoint/shell_command.c — see shell_command.h. */
#include "entrypoint/shell_command.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int refuse(struct noshell_command* c, const char* format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(c->error, sizeof c->error, format, args);
  va_end(args);
  return -1;
}

static int is_blank(char c) { return c == ' ' || c == '\t'; }
static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_name_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || is_digit(c);
}

/* Reads one word at *p into *w (NUL-terminated): quotes removed, escapes resolved. Stops at a
 * blank, the end, or an unquoted '<' / '>' (a redirection right after a word, as in "x>file"). */
static int read_word(struct noshell_command* c, const char** p, char** w) {
  const char* s = *p;
  char* out = *w;
  const char* const start = s;
  while (*s != '\0' && !is_blank(*s)) {
    const char ch = *s;
    if (ch == '\'') {
      for (++s; *s != '\0' && *s != '\''; ++s) *out++ = *s;
      if (*s == '\0') return refuse(c, "an unterminated ' quote");
      ++s;
    } else if (ch == '"') {
      for (++s; *s != '\0' && *s != '"'; ++s) {
        if (*s == '\\' && (s[1] == '$' || s[1] == '`' || s[1] == '"' || s[1] == '\\')) {
          *out++ = *++s;
          continue;
        }
        if (*s == '$' || *s == '`') return refuse(c, "'%c' inside double quotes (an expansion)", *s);
        if (*s == '\\' && s[1] == '\n') return refuse(c, "a line continuation");
        *out++ = *s;
      }
      if (*s == '\0') return refuse(c, "an unterminated \" quote");
      ++s;
    } else if (ch == '\\') {
      if (s[1] == '\0' || s[1] == '\n') return refuse(c, "a trailing backslash or line continuation");
      *out++ = s[1];
      s += 2;
    } else if (ch == '<' || ch == '>') {
      break;
    } else if (strchr("|&;()$`*?[]{}!\n\r", ch) != NULL) {
      return refuse(c, "'%c' (only words and <, >, >>, n>&m are run without a shell)", ch);
    } else if ((ch == '#' || ch == '~') && s == start) {
      return refuse(c, "'%c' at the start of a word", ch);
    } else {
      *out++ = *s++;
    }
  }
  if (s == start) return refuse(c, "an empty word");
  *out++ = '\0';
  *p = s;
  *w = out;
  return 0;
}

/* A word's leading NAME= (a variable assignment when it is the first word). */
static int is_assignment(const char* text) {
  if (!(is_name_char(text[0]) && !is_digit(text[0]))) return 0;
  const char* s = text;
  while (is_name_char(*s)) ++s;
  return *s == '=';
}

int noshell_parse_command(const char* text, struct noshell_command* out) {
  memset(out, 0, sizeof *out);
  if (text == NULL) return refuse(out, "no command");
  out->buf = malloc(2 * strlen(text) + 2); /* words are never longer than the text, plus their NULs */
  if (out->buf == NULL) return refuse(out, "out of memory");
  char* w = out->buf;
  const char* p = text;
  for (;;) {
    while (is_blank(*p)) ++p;
    if (*p == '\0') break;
    const char* digits_end = p;
    while (is_digit(*digits_end)) ++digits_end;
    if (*digits_end == '<' || *digits_end == '>') {
      struct noshell_redir r;
      memset(&r, 0, sizeof r);
      r.fd = -1;
      if (digits_end > p) {
        if (digits_end - p > 1) return refuse(out, "a redirection of a file descriptor above 9");
        r.fd = *p - '0';
        p = digits_end;
      }
      if (*p == '<') {
        if (p[1] == '<' || p[1] == '>' || p[1] == '&') return refuse(out, "'<%c' (a here-document or a descriptor copy)", p[1]);
        r.kind = NOSHELL_REDIR_IN;
        ++p;
        if (r.fd < 0) r.fd = 0;
      } else {
        if (p[1] == '>') {
          r.kind = NOSHELL_REDIR_APPEND;
          p += 2;
        } else if (p[1] == '&') {
          if (!is_digit(p[2]) || (p[3] != '\0' && !is_blank(p[3]))) return refuse(out, "'>&' not followed by one descriptor digit");
          r.kind = NOSHELL_REDIR_DUP;
          r.target_fd = p[2] - '0';
          p += 3;
        } else if (p[1] == '|') {
          return refuse(out, "'>|'");
        } else {
          r.kind = NOSHELL_REDIR_OUT;
          ++p;
        }
        if (r.fd < 0) r.fd = 1;
      }
      if (r.kind != NOSHELL_REDIR_DUP) {
        while (is_blank(*p)) ++p;
        if (*p == '\0' || *p == '<' || *p == '>') return refuse(out, "a redirection without a file");
        r.path = w;
        if (read_word(out, &p, &w) != 0) return -1;
        if (r.path[0] == '\0') return refuse(out, "a redirection to an empty file name");
      }
      if (out->nredirs == NOSHELL_CMD_MAX_REDIRS) return refuse(out, "more than %d redirections", NOSHELL_CMD_MAX_REDIRS);
      out->redirs[out->nredirs++] = r;
      continue;
    }
    if (out->argc == 0 && is_assignment(p)) return refuse(out, "a variable assignment before the command");
    if (out->argc == NOSHELL_CMD_MAX_ARGS) return refuse(out, "more than %d words", NOSHELL_CMD_MAX_ARGS);
    out->argv[out->argc++] = w;
    if (read_word(out, &p, &w) != 0) return -1;
  }
  if (out->argc == 0) return refuse(out, "no command");
  out->argv[out->argc] = NULL;
  return 0;
}

void noshell_free_command(struct noshell_command* command) {
  free(command->buf);
  command->buf = NULL;
  command->argc = 0;
  command->nredirs = 0;
}
