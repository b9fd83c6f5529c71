// entrypoint/cli.cc — see cli.h.
#include "entrypoint/cli.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/file.h"
#include "common/http_server.h"
#include "common/logging.h"
#include "common/net.h"
#include "common/process_init.h"
#include "common/readiness.h"
#include "common/redact.h"
#include "common/status_macros.h"
#include "common/target.h"
#include "common/text.h"
#include "common/wait.h"
#include "entrypoint/config.h"
#include "entrypoint/container_facts.h"
#include "entrypoint/early_stop.h"
#include "entrypoint/first_start.h"
#include "entrypoint/postgres_init.h"
#include "entrypoint/secrets.h"
#include "entrypoint/supervisor.h"
#include "entrypoint/template.h"
#include "entrypoint/users.h"
#include "migrate/cli.h"
#include "spdlog/spdlog.h"

extern char** environ;

namespace noshell {
namespace {

// Config templates are small; a bigger file is a mistake (a binary, a log), not a template.
constexpr size_t kMaxTemplateBytes = 16 << 20;

// Where a failure carries its step and a stop its signal (EntrypointExitCodeFor reads them).
constexpr absl::string_view kStepPayload = "noshell.entrypoint/step";
constexpr absl::string_view kSignalPayload = "noshell.entrypoint/signal";

// Step 1: the child's environment, with X_FILE resolved into X.
absl::StatusOr<std::map<std::string, std::string>> ReadEnvironment(const EntrypointConfig& c) {
  std::map<std::string, std::string> vars;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    absl::string_view kv(*e);
    const size_t eq = kv.find('=');
    if (eq != absl::string_view::npos) vars[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
  }
  NOSHELL_RETURN_IF_ERROR(ResolveFileSecrets(&vars, c.secrets));
  return vars;
}

// Step 2: every dependency, in parallel under one timeout.
absl::Status WaitForDependencies(const EntrypointConfig& c, const Env& child_env) {
  if (c.waits.empty()) return absl::OkStatus();
  std::vector<std::unique_ptr<Check>> checks;
  for (const std::string& text : c.waits) {
    absl::StatusOr<Target> target = ParseTarget(text, child_env);
    if (!target.ok()) return InStep(EntrypointStep::kConfig, target.status());
    absl::StatusOr<std::unique_ptr<Check>> check = MakeCheck(*target, c.wait_options);
    if (!check.ok()) return InStep(EntrypointStep::kConfig, check.status());
    checks.push_back(*std::move(check));
  }
  spdlog::info("waiting for {} dependencies (timeout {})", checks.size(), absl::FormatDuration(c.timeout));
  return WaitForAll(std::move(checks), absl::Now() + c.timeout, WaitOptions(), [](const WaitProgress& p) {
    const absl::Duration waited = absl::Trunc(p.waited, absl::Milliseconds(1));
    const std::string took = waited == absl::ZeroDuration() ? "0ms" : absl::FormatDuration(waited);  // absl says "0"
    if (p.last.ok()) spdlog::info("{} ready after {}", p.target, took);
    else if (!p.done) spdlog::info("still waiting for {} ({}): {}", p.target, took, std::string(p.last.message()));
  });
}

// The --ready targets, resolved as the waits are (secrets read); probed only once the app runs.
absl::Status MakeReadyChecks(const EntrypointConfig& c, const Env& child_env, std::vector<std::unique_ptr<Check>>* checks) {
  for (const std::string& text : c.ready) {
    absl::StatusOr<Target> target = ParseTarget(text, child_env);
    if (!target.ok()) return InStep(EntrypointStep::kConfig, target.status());
    absl::StatusOr<std::unique_ptr<Check>> check = MakeCheck(*target, c.wait_options);
    if (!check.ok()) return InStep(EntrypointStep::kConfig, check.status());
    checks->push_back(*std::move(check));
  }
  return absl::OkStatus();
}

// Step 3: templates, with the container's limits as variables. All are rendered and written
// beside their destinations first; only when every one succeeded are they renamed into place.
absl::Status RenderTemplates(const EntrypointConfig& c, const std::map<std::string, std::string>& vars) {
  if (c.templates.empty()) return absl::OkStatus();
  MapEnv template_env(vars);
  AddContainerFacts(ReadContainerFacts(), &template_env);
  std::vector<StagedFile> staged;
  for (const TemplateSpec& t : c.templates) {
    uid_t uid = static_cast<uid_t>(-1);
    gid_t gid = static_cast<gid_t>(-1);
    if (!t.owner.empty()) {
      absl::StatusOr<ResolvedUser> who = ResolveUserFromFiles(t.owner);
      if (!who.ok()) return InStep(EntrypointStep::kUser, who.status());
      uid = who->uid;
      gid = who->gid;
    }
    NOSHELL_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(t.src, kMaxTemplateBytes, "template"));
    NOSHELL_ASSIGN_OR_RETURN(std::string rendered, RenderTemplate(text, template_env, t.src));
    NOSHELL_ASSIGN_OR_RETURN(StagedFile file, StagedFile::Write(t.dst, rendered, t.mode, uid, gid));
    staged.push_back(std::move(file));
  }
  for (size_t i = 0; i < staged.size(); ++i) {
    NOSHELL_RETURN_IF_ERROR(staged[i].Commit());
    spdlog::info("rendered {} to {}", c.templates[i].src, c.templates[i].dst);
  }
  return absl::OkStatus();
}

// Step 4: migrations, in-process: migrate's typed call, its events on stdout as migrate prints them.
absl::Status RunMigrations(const EntrypointConfig& c, const Env& child_env, EarlyStop& early) {
  if (!c.migrate.has_value()) return absl::OkStatus();
  spdlog::info("applying migrations from {}", c.migrate->dir);
  early.EnterMigrations();
  const absl::Status s = RunMigrate(*c.migrate, child_env, StdoutMigrateSink(c.migrate->output));
  early.EnterPlain();
  const int code = MigrateExitCodeFor(s);
  if (int sig = early.signal(); sig != 0) return StoppedBy(sig, absl::StrCat("migrations (migrate exit code ", code, ")"));
  if (!s.ok()) {
    return absl::Status(s.code(), absl::StrCat("migrations failed (migrate exit code ", code, "): ", s.message()));
  }
  return absl::OkStatus();
}

// Step 5: who runs the app and its commands. Fills the privilege drop of `run`, and HOME.
absl::Status ChooseUser(const EntrypointConfig& c, std::map<std::string, std::string>* vars, RunOptions* run) {
  if (!c.user.empty()) {
    NOSHELL_ASSIGN_OR_RETURN(ResolvedUser user, ResolveUserFromFiles(c.user));
    if (user.name.empty() && user.gid == 0) {
      spdlog::warn("uid {} is not in /etc/passwd: the app runs with group 0 (root's group), as Docker would; "
                   "give --user={}:GID to choose another", user.uid, user.uid);
    }
    NOSHELL_RETURN_IF_ERROR(ChownPaths(c.chown, user.uid, user.gid));
    run->drop = true;
    run->uid = user.uid;
    run->gid = user.gid;
    run->keep_caps = c.keep_caps;
    if (c.no_supplementary_groups) run->groups = {user.gid};
    else run->groups.assign(user.groups.begin(), user.groups.end());
    if (!vars->count("HOME") || (*vars)["HOME"] == "/root") (*vars)["HOME"] = user.home;
    spdlog::info("running as uid {} gid {} ({} supplementary groups), no_new_privs, capabilities {}", user.uid, user.gid,
                 user.groups.size(), run->keep_caps.empty() ? std::string("dropped") : c.keep_caps_text);
  }
  if (c.refuse_root && (run->drop ? run->uid : geteuid()) == 0) {
    return absl::PermissionDeniedError("refusing to run the app as root (--refuse-root); set --user");
  }
  for (const auto& [k, v] : *vars) run->env.push_back(absl::StrCat(k, "=", v));
  return absl::OkStatus();
}

// A first-start or pre-start command, as the app's user. A stop signal meanwhile is forwarded to
// it and ends entrypoint.
absl::Status RunCommandBeforeApp(absl::string_view kind, const std::vector<std::string>& argv, const RunOptions& run, EarlyStop& early) {
  RunOptions command = run;
  command.argv = argv;
  early.EnterCommand();
  const int code = RunToCompletion(command, [&early](pid_t pid) { early.Started(pid); });
  early.EnterPlain();
  if (int sig = early.signal(); sig != 0) return StoppedBy(sig, absl::StrCat(kind, " command ", argv[0], " (exit ", code, ")"));
  if (code != 0) return absl::AbortedError(absl::StrCat(kind, " command ", argv[0], " exited with ", code));
  return absl::OkStatus();
}

// Step 6: first-start commands (each while its path does not exist), then pre-start commands.
absl::Status RunStartCommands(const EntrypointConfig& c, const RunOptions& run, EarlyStop& early) {
  if (c.postgres.has_value() && !c.postgres->first_start) {
    spdlog::info("postgres first start: skipped, the command does not start the server ({})", c.app[0]);
  } else if (c.postgres.has_value()) {
    // Run as a command of its own (this program again, in its first-start mode): the app's user and
    // environment, and a stop signal forwarded to it, as for any command before the app.
    char self[4096];
    const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return absl::FailedPreconditionError("--postgres: cannot find this program (/proc/self/exe)");
    self[n] = '\0';
    // After the fixed arguments, the server's own from the command, for the temporary server.
    std::vector<std::string> argv = {self, kPostgresFirstStartMode, c.postgres->bin_dir, c.postgres->popen_shim,
                                     c.postgres->scripts_dir, c.format == OutputFormat::kJson ? "json" : "text", c.log_level};
    argv.insert(argv.end(), c.app.begin() + 1, c.app.end());
    NOSHELL_RETURN_IF_ERROR(RunCommandBeforeApp("postgres first start", argv, run, early));
  }
  for (const FirstStartSpec& f : c.first_start) {
    struct stat st;
    if (lstat(f.creates.c_str(), &st) == 0) {
      spdlog::info("first-start: {} exists, {} skipped", f.creates, f.argv[0]);
      continue;
    }
    spdlog::info("first-start: {} does not exist, running {}", f.creates, f.argv[0]);
    NOSHELL_RETURN_IF_ERROR(RunCommandBeforeApp("first-start", f.argv, run, early));
    if (lstat(f.creates.c_str(), &st) != 0) {
      return absl::AbortedError(absl::StrCat("first-start command ", f.argv[0], " exited 0 but did not create ", f.creates));
    }
  }
  for (const std::vector<std::string>& argv : c.pre_start) {
    spdlog::info("pre-start: {}", argv[0]);
    NOSHELL_RETURN_IF_ERROR(RunCommandBeforeApp("pre-start", argv, run, early));
  }
  return absl::OkStatus();
}

// Steps 1-6: everything before the app, each failure tagged with its step. On success `run` is
// ready to start the app.
absl::Status PrepareApp(const EntrypointConfig& c, EarlyStop& early, RunOptions* run,
                        std::vector<std::unique_ptr<Check>>* ready_checks) {
  absl::StatusOr<std::map<std::string, std::string>> vars = ReadEnvironment(c);
  if (!vars.ok()) return InStep(EntrypointStep::kSecrets, vars.status());
  const MapEnv child_env(*vars);
  NOSHELL_RETURN_IF_ERROR(MakeReadyChecks(c, child_env, ready_checks));
  NOSHELL_RETURN_IF_ERROR(InStep(EntrypointStep::kWaits, WaitForDependencies(c, child_env)));
  NOSHELL_RETURN_IF_ERROR(InStep(EntrypointStep::kTemplates, RenderTemplates(c, *vars)));
  NOSHELL_RETURN_IF_ERROR(InStep(EntrypointStep::kMigrations, RunMigrations(c, child_env, early)));
  NOSHELL_RETURN_IF_ERROR(InStep(EntrypointStep::kUser, ChooseUser(c, &*vars, run)));
  return InStep(EntrypointStep::kCommands, RunStartCommands(c, *run, early));
}

// Step 7 with --health-listen: the app supervised (exec would leave no one to answer), and
// /livez, /readyz and /metrics served from what the supervisor and the readiness monitor know.
int SuperviseWithHealth(const EntrypointConfig& c, RunOptions run, std::vector<std::unique_ptr<Check>> ready_checks) {
  // Every thread started from here inherits a mask with every signal blocked: signals are the
  // supervisor's, taken by sigtimedwait on this thread.
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, nullptr);
  if (getpid() != 1) prctl(PR_SET_CHILD_SUBREAPER, 1);
  AppState state;
  run.state = &state;
  ReadinessOptions options;
  options.interval = c.ready_interval;
  options.timeout = absl::Seconds(2);
  ReadinessMonitor monitor(std::move(ready_checks), options);
  auto server = HttpServer::Start(c.health_listen, [&state, &monitor](const HttpRequest& r) {
    const bool json = r.query == "format=json";
    const bool stopping = state.stopping.load();
    if (r.path == "/readyz") return monitor.Readyz(stopping || !state.running.load(), json);
    if (r.path == "/livez") {
      const bool alive = state.running.load() && !stopping;
      return RenderLivez(alive, stopping ? "stopping" : state.running.load() ? "" : "the app is not running", json);
    }
    if (r.path == "/metrics") {
      const int exit_code = state.exit_code.load();
      const std::string app = absl::StrCat(
          "# HELP noshell_app_up Whether the app is running (1) or not (0).\n# TYPE noshell_app_up gauge\nnoshell_app_up ",
          state.running.load() ? 1 : 0, "\n# HELP noshell_app_stopping Whether a stop signal has been received.\n",
          "# TYPE noshell_app_stopping gauge\nnoshell_app_stopping ", stopping ? 1 : 0, "\n",
          exit_code < 0 ? "" : absl::StrCat("# HELP noshell_app_last_exit_code The app's exit code (128+N for signal N).\n",
                                            "# TYPE noshell_app_last_exit_code gauge\nnoshell_app_last_exit_code ", exit_code, "\n"));
      return HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8", RenderMetrics(monitor.Snapshot(), app)};
    }
    return HttpResponse{404, "text/plain; charset=utf-8", "not found: /livez, /readyz, /metrics\n"};
  });
  if (!server.ok()) {
    spdlog::error("--health-listen: {}", std::string(server.status().message()));
    std::fflush(stderr);
    std::_Exit(kEntrypointUsage);
  }
  spdlog::info("serving /livez, /readyz and /metrics on {} (port {}); starting {} as {}", c.health_listen, (*server)->port(),
               run.argv[0], getpid() == 1 ? "PID 1's child" : "a subreaper's child");
  const int code = SuperviseApp(run);
  std::fflush(stdout);
  std::fflush(stderr);
  std::_Exit(code);  // the probe threads may be inside a probe: leave without waiting for them
}

}  // namespace

absl::Status InStep(EntrypointStep step, absl::Status s) {
  if (!s.ok() && !s.GetPayload(kStepPayload).has_value()) {
    s.SetPayload(kStepPayload, absl::Cord(absl::StrCat(static_cast<int>(step))));
  }
  return s;
}

absl::Status StoppedBy(int sig, absl::string_view what) {
  absl::Status s = absl::CancelledError(absl::StrCat("stopped by signal ", sig, " during ", what, "; the app was not started"));
  s.SetPayload(kSignalPayload, absl::Cord(absl::StrCat(sig)));
  return s;
}

int EntrypointExitCodeFor(const absl::Status& s) {
  if (s.ok()) return 0;
  if (auto sig = s.GetPayload(kSignalPayload); sig.has_value()) {
    int n = 0;
    if (absl::SimpleAtoi(std::string(*sig), &n)) return 128 + n;
  }
  int step = static_cast<int>(EntrypointStep::kConfig);
  if (auto tag = s.GetPayload(kStepPayload); tag.has_value() && !absl::SimpleAtoi(std::string(*tag), &step)) {
    step = static_cast<int>(EntrypointStep::kConfig);
  }
  switch (static_cast<EntrypointStep>(step)) {
    case EntrypointStep::kConfig: return kEntrypointUsage;
    case EntrypointStep::kSecrets: return kEntrypointSecret;
    case EntrypointStep::kWaits: return kEntrypointWait;
    case EntrypointStep::kTemplates: return kEntrypointTemplate;
    case EntrypointStep::kMigrations: return kEntrypointMigrate;
    case EntrypointStep::kUser: return kEntrypointPermission;
    case EntrypointStep::kCommands: return kEntrypointPreStart;
  }
  return kEntrypointUsage;
}

int PostgresFirstStartMain(int argc, const char* const* argv, const Env& env) {
  if (argc < 7) {
    std::fprintf(stderr, "entrypoint: %s is entrypoint's own (--postgres)\n", kPostgresFirstStartMode);
    return kEntrypointUsage;
  }
  InitLogging("entrypoint", std::string(argv[5]) == "json" ? OutputFormat::kJson : OutputFormat::kText, argv[6]).IgnoreError();
  FirstStartTools tools;
  tools.initdb = absl::StrCat(argv[2], "/initdb");
  tools.postgres = absl::StrCat(argv[2], "/postgres");
  tools.popen_shim = argv[3];
  tools.scripts_dir = argv[4];
  tools.server_args.assign(argv + 7, argv + argc);
  UseChildProcesses(&tools);
  const absl::Status s = FirstStartFromEnvironment(env, tools);
  if (s.ok()) return 0;
  spdlog::error("postgres first start: {}", Redactor::Global().Scrub(std::string(s.message())));
  return 1;
}

int EntrypointMain(int argc, const char* const* argv, const Env& env) {
  if (argc > 1 && std::string(argv[1]) == kPostgresFirstStartMode) return PostgresFirstStartMain(argc, argv, env);
  InitProcess();
  absl::StatusOr<EntrypointConfig> config = ParseEntrypointConfig(argc, argv, env);
  if (!config.ok()) {
    std::fprintf(stderr, "entrypoint: %s\n", ForTerminal(Redactor::Global().Scrub(std::string(config.status().message()))).c_str());
    return kEntrypointUsage;
  }
  if (!config->help_text.empty()) {
    std::fputs(config->help_text.c_str(), stdout);
    return 0;
  }
  InitLogging("entrypoint", config->format, config->log_level).IgnoreError();  // both checked by the parser
  // From here until the app runs, TERM and INT stop entrypoint (as PID 1 they would be dropped).
  EarlyStop early(config->grace);
  RunOptions run;
  run.argv = config->app;
  run.grace = config->grace;
  run.signal_group = config->signal_group;
  run.rewrite = config->rewrite;
  run.stop_delay = config->stop_delay;
  std::vector<std::unique_ptr<Check>> ready_checks;
  if (absl::Status s = PrepareApp(*config, early, &run, &ready_checks); !s.ok()) {
    spdlog::error("{}", Redactor::Global().Scrub(std::string(s.message())));
    // A wait that failed leaves the other waiters' threads inside their probes: leave without
    // running static destructors under them.
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(EntrypointExitCodeFor(s));
  }
  // Step 7: the app. A TERM from now on is the app's: forwarded by the supervisor, or delivered to
  // the app that exec replaces us with.
  early.Stop();
  if (!config->health_listen.empty()) return SuperviseWithHealth(*config, run, std::move(ready_checks));
  if (getpid() == 1 || config->subreaper) {
    spdlog::info("starting {} as {}", run.argv[0], getpid() == 1 ? "PID 1's child" : "a subreaper's child");
    return SuperviseApp(run);
  }
  spdlog::info("exec {}", run.argv[0]);
  return ExecApp(run);
}

}  // namespace noshell
