/* migrate/pg_query_raw_parse.c — libpg_query's pg_query_raw_parse, without pg_query_parse.o.
 *
 * Why: libpg_query.a keeps pg_query_raw_parse (all that pg_query_split_with_parser needs) in one
 * object file with pg_query_parse and pg_query_parse_protobuf, which pull in the JSON and protobuf
 * output code (~0.7 MB) that migrate never uses. Defining pg_query_raw_parse here, linked first
 * (-u), keeps that member out of the static binary.
 *
 * What it does is libpg_query 15-4.0.0's function: run PostgreSQL's raw_parser under PG_TRY and turn
 * an ereport into a malloc'ed PgQueryError. Unlike the original it does not redirect stderr into a
 * pipe while parsing (the parser reports errors by ereport, which we catch; nothing else is
 * written). The ABI pieces below are PostgreSQL 15's (utils/elog.h, parser/parser.h); libpg_query
 * keeps PG_exception_stack, error_context_stack and CurrentMemoryContext thread-local. Every
 * splitter unit test, syntax errors included, runs through this function. */
#include <pg_query.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct List List;
typedef struct MemoryContextData* MemoryContext;

typedef struct ErrorData { /* PostgreSQL 15 utils/elog.h */
  int elevel;
  bool output_to_server, output_to_client, hide_stmt, hide_ctx;
  const char* filename;
  int lineno;
  const char* funcname;
  const char* domain;
  const char* context_domain;
  int sqlerrcode;
  char* message;
  char* detail;
  char* detail_log;
  char* hint;
  char* context;
  char* backtrace;
  const char* message_id;
  char* schema_name;
  char* table_name;
  char* column_name;
  char* datatype_name;
  char* constraint_name;
  int cursorpos;
  int internalpos;
  char* internalquery;
  int saved_errno;
  struct MemoryContextData* assoc_context;
} ErrorData;

typedef struct { /* libpg_query's pg_query_internal.h */
  List* tree;
  char* stderr_buffer;
  PgQueryError* error;
} PgQueryInternalParsetreeAndError;

extern __thread sigjmp_buf* PG_exception_stack;
extern __thread void* error_context_stack;
extern __thread MemoryContext CurrentMemoryContext;
extern List* raw_parser(const char* str, int mode); /* RAW_PARSE_DEFAULT = 0 */
extern ErrorData* CopyErrorData(void);
extern void FlushErrorState(void);

/* The ErrorData above is PostgreSQL 15's: libpg_query must vendor a PostgreSQL 15 parser. */
_Static_assert(PG_VERSION_NUM >= 150000 && PG_VERSION_NUM < 160000,
               "pg_query_raw_parse.c re-declares PostgreSQL 15's ErrorData; check it against this libpg_query");

static char* dup_or_empty(const char* s) { return strdup(s != NULL ? s : ""); }

/* The error being handled, as libpg_query reports it. Its own (never inlined) function: nothing it
 * touches lives across the longjmp. */
static __attribute__((noinline)) PgQueryError* current_error(void) {
  ErrorData* data = CopyErrorData();
  PgQueryError* error = malloc(sizeof *error);
  if (error == NULL) abort(); /* as libpg_query's own allocations do */
  error->message = dup_or_empty(data->message);
  error->funcname = dup_or_empty(data->funcname);
  error->filename = dup_or_empty(data->filename);
  error->lineno = data->lineno;
  error->cursorpos = data->cursorpos;
  error->context = NULL;
  return error;
}

PgQueryInternalParsetreeAndError pg_query_raw_parse(const char* input) {
  PgQueryInternalParsetreeAndError result = {0};
  MemoryContext parse_context = CurrentMemoryContext;
  sigjmp_buf* saved_exception_stack = PG_exception_stack;
  void* saved_context_stack = error_context_stack;
  sigjmp_buf local;
  if (sigsetjmp(local, 0) == 0) {
    PG_exception_stack = &local;
    result.tree = raw_parser(input, 0);
    result.stderr_buffer = strdup("");
  } else {
    PG_exception_stack = saved_exception_stack;
    error_context_stack = saved_context_stack;
    CurrentMemoryContext = parse_context;
    result.error = current_error();
    FlushErrorState();
  }
  PG_exception_stack = saved_exception_stack;
  error_context_stack = saved_context_stack;
  return result;
}
