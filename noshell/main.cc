// noshell/main.cc — the three tools in one binary, as busybox is many: `noshell TOOL ARGS...`, or
// this file under a tool's name (a copy or a link called healthcheck) runs that tool with the
// arguments as given. Nothing of a tool runs before it is chosen: the dispatch reads argv only.
#include <cstdio>
#include <cstring>

#include "common/env.h"
#include "common/version.h"
#include "entrypoint/cli.h"
#include "healthcheck/healthcheck.h"
#include "migrate/cli.h"

namespace {

using ToolMain = int (*)(int, const char* const*, const noshell::Env&);

struct Tool {
  const char* name;
  ToolMain main;
  const char* what;
};

constexpr Tool kTools[] = {
    {"entrypoint", &noshell::EntrypointMain, "PID 1: secrets, waits, templates, migrations, privilege drop, then the app"},
    {"healthcheck", &noshell::HealthcheckMain, "readiness of Postgres, Redis, TCP, HTTP(S), unix sockets and files, under one deadline"},
    {"migrate", &noshell::MigrateMain, "PostgreSQL migrations: golang-migrate, dbmate, goose and Flyway folders"},
};

const Tool* Find(const char* name) {
  for (const Tool& t : kTools) {
    if (std::strcmp(name, t.name) == 0) return &t;
  }
  return nullptr;
}

const char* BaseName(const char* path) {
  const char* slash = std::strrchr(path, '/');
  return slash != nullptr ? slash + 1 : path;
}

void Usage(std::FILE* out) {
  std::fprintf(out, "usage: noshell TOOL [ARGS...]   (or call this file by a tool's name)\n\ntools:\n");
  for (const Tool& t : kTools) std::fprintf(out, "  %-12s %s\n", t.name, t.what);
  std::fprintf(out, "\n`noshell TOOL --help` for a tool's options.\n");
}

}  // namespace

int main(int argc, char** argv) {
  const noshell::Env& env = noshell::Env::Process();
  // Called by a tool's name: a copy, a hard link or a symlink named healthcheck.
  if (argc > 0) {
    if (const Tool* t = Find(BaseName(argv[0])); t != nullptr) return t->main(argc, argv, env);
  }
  if (argc < 2) {
    Usage(stderr);
    return 64;
  }
  // entrypoint --postgres runs this same file again (/proc/self/exe) in its first-start mode.
  if (std::strcmp(argv[1], noshell::kPostgresFirstStartMode) == 0) return noshell::EntrypointMain(argc, argv, env);
  if (const Tool* t = Find(argv[1]); t != nullptr) return t->main(argc - 1, argv + 1, env);
  if (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    Usage(stdout);
    return 0;
  }
  if (std::strcmp(argv[1], "--version") == 0) {
    std::printf("noshell %s\n", noshell::kVersion);
    return 0;
  }
  std::fprintf(stderr, "noshell: unknown tool \"%s\" (entrypoint, healthcheck, migrate; noshell --help)\n", argv[1]);
  return 64;
}
