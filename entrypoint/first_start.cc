// entrypoint/first_start.cc — see first_start.h.
#include "entrypoint/first_start.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errno_status.h"
#include "common/file.h"
#include "common/status_macros.h"
#include "common/target.h"
#include "entrypoint/init_scripts.h"
#include "entrypoint/pgdata.h"
#include "migrate/db.h"
#include "spdlog/spdlog.h"

namespace noshell {
namespace {

absl::Status AppendFile(const std::string& path, const std::string& text) {
  const int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) return ErrnoToStatus(errno, absl::StrCat("open ", path));
  const ssize_t n = write(fd, text.data(), text.size());
  const int err = errno;
  close(fd);
  if (n != static_cast<ssize_t>(text.size())) return ErrnoToStatus(n < 0 ? err : EIO, absl::StrCat("append to ", path));
  return absl::OkStatus();
}

// The temporary server: on a unix socket only, stopped (fast shutdown) when this goes.
class TemporaryServer {
 public:
  // `password` is sent when the server asks for one (an --auth-local=scram-sha-256 in the
  // initdb arguments, or the command's own pg_hba.conf); trust and peer never ask.
  TemporaryServer(pid_t pid, std::string socket_dir, std::string password)
      : pid_(pid), socket_dir_(std::move(socket_dir)), password_(std::move(password)) {}
  ~TemporaryServer() { Stop().IgnoreError(); }
  TemporaryServer(const TemporaryServer&) = delete;
  TemporaryServer& operator=(const TemporaryServer&) = delete;

  // Waits until `user` can log in to `db`, or the server exits, or `wait` passes.
  absl::StatusOr<std::unique_ptr<Database>> Connect(const std::string& user, const std::string& db, absl::Duration wait) {
    const absl::Time deadline = absl::Now() + wait;
    NOSHELL_ASSIGN_OR_RETURN(Target target, ParseTarget(absl::StrCat("host=", QuoteConninfoValue(socket_dir_), " port=5432 user=",
                                                                     QuoteConninfoValue(user), " dbname=", QuoteConninfoValue(db),
                                                                     password_.empty() ? "" : " password=" + QuoteConninfoValue(password_)),
                                                        MapEnv{}));
    absl::Status last = absl::UnavailableError("not tried");
    while (absl::Now() < deadline) {
      int status = 0;
      if (pid_ > 0 && waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return absl::AbortedError(absl::StrCat("the temporary server exited (status ", status, ") before accepting connections"));
      }
      absl::StatusOr<std::unique_ptr<Database>> session = Database::Connect(target, deadline);
      if (session.ok()) return session;
      last = session.status();
      absl::SleepFor(absl::Milliseconds(10));  // a refused unix socket costs nothing to retry
    }
    return absl::DeadlineExceededError(absl::StrCat("the temporary server did not accept connections: ", last.message()));
  }

  // Fast shutdown (SIGINT), waited for: OK when the server exits 0.
  absl::Status Stop() {
    if (pid_ <= 0) return absl::OkStatus();
    kill(pid_, SIGINT);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      return absl::AbortedError(absl::StrCat("the temporary server's shutdown failed (status ", status, ")"));
    }
    return absl::OkStatus();
  }

 private:
  pid_t pid_;
  std::string socket_dir_;
  std::string password_;
};

absl::Status MakeDir(const std::string& path) {
  if (mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return ErrnoToStatus(errno, absl::StrCat("create ", path));
  if (chmod(path.c_str(), 0700) != 0) {
    return ErrnoToStatus(errno, absl::StrCat("chmod 0700 ", path, " (PostgreSQL needs its data folder to be its own; is the volume writable by uid ",
                                             geteuid(), "?)"));
  }
  return absl::OkStatus();
}

// A child that gets `death_signal` when this process ends, however it ends: a first start stopped
// by TERM (forwarded by entrypoint) takes initdb (TERM: it removes what it made) and the temporary
// server (INT: a fast shutdown) with it, instead of leaving them running on the volume.
pid_t SpawnChild(const std::vector<std::string>& argv, const std::map<std::string, std::string>& extra_env, int death_signal) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid != 0) return pid;
  if (prctl(PR_SET_PDEATHSIG, death_signal) != 0 || getppid() != parent) _exit(125);
  for (const auto& [k, v] : extra_env) setenv(k.c_str(), v.c_str(), 1);
  execvp(args[0], args.data());
  std::fprintf(stderr, "entrypoint: cannot run %s: %s\n", args[0], std::strerror(errno));
  _exit(errno == ENOENT ? 127 : 126);
}

}  // namespace

absl::StatusOr<std::string> ParseServerMajor(absl::string_view line) {
  const size_t at = line.find("(PostgreSQL) ");
  if (at == absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat("not a PostgreSQL server's version: \"", absl::StripAsciiWhitespace(line.substr(0, 80)), "\""));
  }
  absl::string_view v = line.substr(at + 13);
  size_t n = 0;
  while (n < v.size() && absl::ascii_isdigit(v[n])) ++n;
  if (n == 0) return absl::InvalidArgumentError(absl::StrCat("no version number in \"", absl::StripAsciiWhitespace(line.substr(0, 80)), "\""));
  int major = 0;
  if (!absl::SimpleAtoi(v.substr(0, n), &major)) return absl::InvalidArgumentError("version number out of range");
  if (major >= 10 || n >= v.size() || v[n] != '.') return std::string(v.substr(0, n));
  size_t m = n + 1;  // before 10, the major version is two numbers: 9.6
  while (m < v.size() && absl::ascii_isdigit(v[m])) ++m;
  return std::string(v.substr(0, m));
}

std::string QuoteConninfoValue(absl::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

void UseChildProcesses(FirstStartTools* tools) {
  tools->run = [](const std::vector<std::string>& argv, const std::map<std::string, std::string>& extra) -> absl::Status {
    const pid_t pid = SpawnChild(argv, extra, SIGTERM);
    if (pid < 0) return ErrnoToStatus(errno, "fork");
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
      if (errno != EINTR) return ErrnoToStatus(errno, "waitpid");
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return absl::OkStatus();
    return absl::AbortedError(WIFEXITED(status) ? absl::StrCat(argv[0], " exited with ", WEXITSTATUS(status))
                                                : absl::StrCat(argv[0], " was killed by signal ", WTERMSIG(status)));
  };
  tools->start = [](const std::vector<std::string>& argv) -> absl::StatusOr<pid_t> {
    const pid_t pid = SpawnChild(argv, {}, SIGINT);
    if (pid < 0) return ErrnoToStatus(errno, "fork");
    return pid;
  };
  tools->output = [](const std::vector<std::string>& argv) -> absl::StatusOr<std::string> {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return ErrnoToStatus(errno, "pipe");
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid == 0) {
      if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(125);
      dup2(fds[1], STDOUT_FILENO);  // dup2 clears O_CLOEXEC on the copy
      execvp(args[0], args.data());
      _exit(127);
    }
    close(fds[1]);
    std::string out;
    char buf[4096];
    for (;;) {
      const ssize_t n = read(fds[0], buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      if (out.size() < 65536) out.append(buf, std::min<size_t>(static_cast<size_t>(n), 65536 - out.size()));
    }
    close(fds[0]);
    if (pid < 0) return ErrnoToStatus(errno, "fork");
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
      if (errno != EINTR) return ErrnoToStatus(errno, "waitpid");
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return absl::AbortedError(absl::StrCat(argv[0], " failed (status ", status, ")"));
    return out;
  };
}

absl::Status FirstStart(const PostgresInit& init, const FirstStartTools& t) {
  NOSHELL_ASSIGN_OR_RETURN(Pgdata state, InspectPgdata(init.pgdata));
  if (state.state == PgdataState::kInitialized) {
    std::string major = t.server_major;
    if (major.empty()) {
      NOSHELL_ASSIGN_OR_RETURN(std::string line, t.output({t.postgres, "-V"}));
      NOSHELL_ASSIGN_OR_RETURN(major, ParseServerMajor(line));
    }
    NOSHELL_RETURN_IF_ERROR(CheckMajorVersion(state, major));
    if (state.staging_left) rmdir(StagingDir(init.pgdata).c_str());
    spdlog::info("PGDATA {} holds a PostgreSQL {} cluster: starting it", init.pgdata, state.version);
    return absl::OkStatus();
  }
  // Everything that can be refused is, before anything is written.
  NOSHELL_ASSIGN_OR_RETURN(std::vector<InitScript> scripts, ListInitScripts(t.scripts_dir));
  std::vector<std::pair<InitScript, std::string>> sql;
  for (const InitScript& s : scripts) {
    if (s.kind == InitScriptKind::kOther) {
      spdlog::info("init script {}: not .sql or .sql.gz, ignored", s.name);
      continue;
    }
    NOSHELL_ASSIGN_OR_RETURN(std::string text, ReadInitScript(s));
    sql.emplace_back(s, std::move(text));
  }
  if (state.state == PgdataState::kInterrupted) {
    spdlog::warn("an earlier first start in {} did not finish (a crash or a kill): clearing what it left, and starting again", init.pgdata);
    NOSHELL_RETURN_IF_ERROR(ClearInterruptedStart(init.pgdata, init.waldir));
  }
  NOSHELL_RETURN_IF_ERROR(MakeDir(init.pgdata));
  const std::string staging = StagingDir(init.pgdata);
  NOSHELL_RETURN_IF_ERROR(MakeDir(staging));  // from here on, a stop leaves an interrupted first start

  // initdb, with the password in a file only it reads (and only for as long as it runs).
  const std::string pwfile = absl::StrCat(staging, ".pw");
  if (init.password.has_value()) NOSHELL_RETURN_IF_ERROR(WriteFileAtomically(pwfile, *init.password + "\n", 0600));
  std::vector<std::string> argv = {t.initdb};
  for (std::string& a : InitdbArguments(init, staging, pwfile)) argv.push_back(std::move(a));
  std::map<std::string, std::string> env;
  if (!t.popen_shim.empty()) env["LD_PRELOAD"] = t.popen_shim;
  spdlog::info("first start: initdb in {}", staging);
  absl::Status initdb = t.run(argv, env);
  unlink(pwfile.c_str());
  if (!initdb.ok()) return absl::AbortedError(absl::StrCat("initdb failed: ", initdb.message()));
  NOSHELL_RETURN_IF_ERROR(AppendFile(absl::StrCat(staging, "/pg_hba.conf"), HostAuthLines(init)));

  // The temporary server: the database and the init scripts.
  const std::string socket_dir = t.socket_dir.empty() ? absl::StrCat(init.pgdata, "/.noshell-socket") : t.socket_dir;
  NOSHELL_RETURN_IF_ERROR(MakeDir(socket_dir));
  {
    std::vector<std::string> server = {t.postgres};
    server.insert(server.end(), t.server_args.begin(), t.server_args.end());
    for (std::string a : {std::string("-D"), staging, std::string("-c"), std::string("listen_addresses="), std::string("-c"),
                          absl::StrCat("unix_socket_directories=", socket_dir), std::string("-p"), std::string("5432")}) {
      server.push_back(std::move(a));
    }
    NOSHELL_ASSIGN_OR_RETURN(pid_t pid, t.start(server));
    TemporaryServer temporary(pid, socket_dir, init.password.value_or(""));
    {
      NOSHELL_ASSIGN_OR_RETURN(std::unique_ptr<Database> admin, temporary.Connect(init.user, "postgres", t.server_wait));
      if (const std::string create = CreateDatabaseSql(init); !create.empty()) {
        if (absl::Status s = admin->Exec(create); !s.ok()) return absl::AbortedError(absl::StrCat("CREATE DATABASE: ", s.message()));
      }
    }
    if (!sql.empty()) {
      NOSHELL_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, temporary.Connect(init.user, init.db, t.server_wait));
      const ConnectTo connect = [&](const std::string& name) { return temporary.Connect(init.user, name, t.server_wait); };
      for (const auto& [script, text] : sql) NOSHELL_RETURN_IF_ERROR(RunInitScript(db.get(), script, text, connect));
    }
    NOSHELL_RETURN_IF_ERROR(temporary.Stop());
  }
  rmdir(socket_dir.c_str());
  NOSHELL_RETURN_IF_ERROR(CommitStagedCluster(init.pgdata));
  spdlog::info("first start: PostgreSQL cluster ready in {}", init.pgdata);
  return absl::OkStatus();
}

absl::Status FirstStartFromEnvironment(const Env& env, const FirstStartTools& tools) {
  PostgresInit defaults;
  const std::optional<std::string> pgdata = env.Get("PGDATA");
  NOSHELL_ASSIGN_OR_RETURN(Pgdata state, InspectPgdata(pgdata.has_value() && !pgdata->empty() ? *pgdata : defaults.pgdata));
  if (state.state == PgdataState::kInitialized) {
    PostgresInit init;
    if (pgdata.has_value() && !pgdata->empty()) init.pgdata = *pgdata;
    return FirstStart(init, tools);  // the version check, and nothing else
  }
  NOSHELL_ASSIGN_OR_RETURN(PostgresInit init, ReadPostgresInit(env));
  return FirstStart(init, tools);
}

}  // namespace noshell
