// entrypoint/cli.cc — see cli.h.
#include "entrypoint/cli.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/file.h"
#include "common/flags.h"
#include "common/logging.h"
#include "common/net.h"
#include "common/openssl_init.h"
#include "common/redact.h"
#include "common/target.h"
#include "common/text.h"
#include "common/version.h"
#include "common/wait.h"
#include "entrypoint/container_facts.h"
#include "entrypoint/early_stop.h"
#include "entrypoint/supervisor.h"
#include "entrypoint/template.h"
#include "entrypoint/users.h"
#include "migrate/cli.h"
#include "spdlog/spdlog.h"

extern char** environ;

namespace noshell {
namespace {

std::vector<FlagSpec> Specs() {
  return {
      {"wait", "ENTRYPOINT_WAIT", "TARGET", "wait for a dependency (healthcheck's targets); repeatable", true},
      {"timeout", "ENTRYPOINT_TIMEOUT", "DURATION", "overall time for all waits (default 60s)"},
      {"template", "ENTRYPOINT_TEMPLATES", "SRC:DST[:MODE[:OWNER]]",
       "render a config template to DST (mode default 0644, OWNER user[:group]); repeatable", true},
      {"secrets", "ENTRYPOINT_SECRETS", "NAMES", "which X_FILE variables to resolve, comma-separated (default: all)"},
      {"migrate", "ENTRYPOINT_MIGRATE", "DIR",
       "run `migrate up` on DIR in-process before the app (database and lock options: DATABASE_URL and MIGRATE_*)"},
      {"pre-start", "ENTRYPOINT_PRE_START", "COMMAND",
       "run COMMAND (words split on spaces, no shell) before the app; must exit 0; repeatable (environment: one per line or ';')",
       true, "\n;"},
      {"first-start", "ENTRYPOINT_FIRST_START", "PATH:COMMAND",
       "run COMMAND (as --pre-start does) only while PATH does not exist, e.g. initdb on an empty volume; "
       "it must exit 0 and create PATH; repeatable (environment: one per line or ';')",
       true, "\n;"},
      {"user", "ENTRYPOINT_USER", "USER[:GROUP]", "run the app as this user (name or uid, from /etc/passwd; no NSS)"},
      {"no-supplementary-groups", "ENTRYPOINT_NO_SUPPLEMENTARY_GROUPS", "",
       "give the app only --user's primary group (default: also its /etc/group memberships)"},
      {"keep-caps", "ENTRYPOINT_KEEP_CAPS", "CAPS", "capabilities left in the bounding set, e.g. NET_BIND_SERVICE (default: none)"},
      {"chown", "ENTRYPOINT_CHOWN", "PATH", "chown PATH (recursively, skipped when already owned) to --user first; repeatable", true},
      {"refuse-root", "ENTRYPOINT_REFUSE_ROOT", "", "fail instead of running the app as root"},
      {"grace", "ENTRYPOINT_GRACE", "DURATION", "time the process tree gets to exit after TERM (default 5s)"},
      {"signal-group", "ENTRYPOINT_SIGNAL_GROUP", "", "forward signals to the app's process group"},
      {"rewrite-signal", "ENTRYPOINT_REWRITE_SIGNALS", "FROM:TO", "rewrite a forwarded signal, e.g. TERM:QUIT; repeatable", true},
      {"subreaper", "ENTRYPOINT_SUBREAPER", "", "supervise the app even when not PID 1 (as a child subreaper)"},
      {"format", "ENTRYPOINT_FORMAT", "text|json", "log format (default text)"},
      {"log-level", "ENTRYPOINT_LOG_LEVEL", "LEVEL", "log level (default info)"},
  };
}

constexpr char kUsage[] =
    "usage: entrypoint [options] -- COMMAND [ARGS...]\n"
    "\n"
    "Resolves *_FILE secrets, waits for dependencies, renders config templates, then runs COMMAND:\n"
    "as PID 1 (or with --subreaper) it stays as init, forwarding signals and reaping zombies;\n"
    "otherwise it execs COMMAND and leaves nothing behind.\n"
    "\n"
    "Options (each also read from the environment variable shown):\n";

// Config templates are small; a bigger file is a mistake (a binary, a log), not a template.
constexpr size_t kMaxTemplateBytes = 16 << 20;

}  // namespace

bool IsPathVariable(absl::string_view name) {
  // Paths that programs open (or create) themselves: SSL_CERT_FILE, CONFIG_FILE, LOG_FILE,
  // PID_FILE, NGINX_LOG_FILE... Inlining them would hand the app a file's contents (or, for a file
  // not created yet, stop the container) where it expects a path.
  // A name that says it holds a secret is one, whatever it ends with (SECRET_KEY_FILE, API_KEY_FILE).
  for (absl::string_view secret : {"PASSWORD", "SECRET", "TOKEN", "API_KEY", "ACCESS_KEY", "CREDENTIAL"}) {
    if (absl::StrContains(name, secret)) return false;
  }
  for (absl::string_view what : {"CONFIG", "CONF", "CERT", "CERTS", "CA", "KEY", "LOG", "PID", "SOCKET", "LOCK", "ENV"}) {
    const std::string bare = absl::StrCat(what, "_FILE");
    if (name == bare || absl::EndsWith(name, absl::StrCat("_", bare))) return true;
  }
  return false;
}

absl::Status ResolveFileSecrets(std::map<std::string, std::string>* vars, const std::vector<std::string>& only) {
  std::vector<std::string> file_vars;
  for (const auto& [k, v] : *vars) {
    if (!absl::EndsWith(k, "_FILE") || k.size() <= 5) continue;
    std::string name = k.substr(0, k.size() - 5);
    if (only.empty()) {
      if (IsPathVariable(k)) continue;
    } else if (std::find(only.begin(), only.end(), name) == only.end()) {
      continue;
    }
    file_vars.push_back(k);
  }
  for (const std::string& k : file_vars) {
    std::string name = k.substr(0, k.size() - 5);
    if (vars->count(name) > 0) {
      return absl::InvalidArgumentError(absl::StrCat("both ", name, " and ", k, " are set; set only one"));
    }
    auto value = ReadSecretFile((*vars)[k], k);
    if (!value.ok()) return value.status();
    (*vars)[name] = *value;
    vars->erase(k);
    spdlog::info("secret {} read from {}", name, k);
  }
  return absl::OkStatus();
}

int EntrypointMain(int argc, const char* const* argv, const Env& env) {
  IgnoreSigpipe();
  InitOpenSsl();
  Flags flags(Specs());
  auto fail = [](int code, const absl::Status& s) {
    std::string msg = Redactor::Global().Scrub(std::string(s.message()));
    spdlog::error("{}", msg);
    return code;
  };
  if (absl::Status s = flags.Parse(argc, argv, env); !s.ok()) {
    std::fprintf(stderr, "entrypoint: %s\n", ForTerminal(Redactor::Global().Scrub(std::string(s.message()))).c_str());
    return kEntrypointUsage;
  }
  if (flags.help()) {
    std::printf("%s%s", kUsage, flags.Usage().c_str());
    return 0;
  }
  if (flags.version()) {
    std::printf("entrypoint (noshell) %s\n", kVersion);
    return 0;
  }
  auto format = ParseOutputFormat(flags.Get("format", "text"));
  absl::Status logging = format.ok() ? InitLogging("entrypoint", *format, flags.Get("log-level", "info")) : format.status();
  if (!logging.ok()) {
    std::fprintf(stderr, "entrypoint: %s\n", ForTerminal(logging.message()).c_str());
    return kEntrypointUsage;
  }
  RunOptions run;
  run.argv = flags.after_dashes();
  if (run.argv.empty()) run.argv = flags.positional();
  if (run.argv.empty()) return fail(kEntrypointUsage, absl::InvalidArgumentError("no command: entrypoint [options] -- COMMAND [ARGS...]"));
  if (run.argv[0].empty()) return fail(kEntrypointUsage, absl::InvalidArgumentError("the command is an empty string"));
  if (flags.Has("grace") && (!absl::ParseDuration(flags.Get("grace"), &run.grace) || run.grace < absl::ZeroDuration())) {
    return fail(kEntrypointUsage, absl::InvalidArgumentError(absl::StrCat("--grace=", flags.Get("grace"), ": want a duration such as 5s")));
  }
  // From here until the app runs, TERM and INT stop entrypoint (as PID 1 they would be dropped).
  EarlyStop early(run.grace);
  // Options that act on --user's account mean nothing without one: refuse rather than ignore
  // (a --keep-caps that is silently ignored leaves root with every capability).
  if (!flags.Has("user")) {
    for (const char* needs_user : {"keep-caps", "chown", "no-supplementary-groups"}) {
      if (flags.Has(needs_user)) {
        return fail(kEntrypointUsage, absl::InvalidArgumentError(absl::StrCat("--", needs_user, " needs --user")));
      }
    }
  }
  absl::Duration timeout = absl::Seconds(60);
  if (flags.Has("timeout") && (!absl::ParseDuration(flags.Get("timeout"), &timeout) || timeout <= absl::ZeroDuration())) {
    return fail(kEntrypointUsage, absl::InvalidArgumentError(absl::StrCat("--timeout=", flags.Get("timeout"), ": want a duration such as 30s")));
  }
  for (const std::string& spec : flags.GetAll("rewrite-signal")) {
    auto r = ParseSignalRewrite(spec);
    if (!r.ok()) return fail(kEntrypointUsage, r.status());
    run.rewrite.insert(r->begin(), r->end());
  }
  auto group = flags.GetBool("signal-group");
  auto subreaper = flags.GetBool("subreaper");
  if (!group.ok() || !subreaper.ok()) return fail(kEntrypointUsage, !group.ok() ? group.status() : subreaper.status());
  run.signal_group = *group;
  struct FirstStart {
    std::string creates;
    std::vector<std::string> argv;
  };
  std::vector<FirstStart> first_starts;
  for (const std::string& spec : flags.GetAll("first-start")) {
    size_t colon = spec.find(':');
    FirstStart f;
    if (colon != std::string::npos) {
      f.creates = spec.substr(0, colon);
      f.argv = absl::StrSplit(spec.substr(colon + 1), ' ', absl::SkipEmpty());
    }
    if (f.creates.empty() || f.creates[0] != '/' || f.argv.empty()) {
      return fail(kEntrypointUsage, absl::InvalidArgumentError(absl::StrCat("--first-start=", spec, ": want /ABSOLUTE/PATH:COMMAND")));
    }
    first_starts.push_back(std::move(f));
  }

  // 1. Secrets: the child's environment, with X_FILE resolved into X.
  std::map<std::string, std::string> vars;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    absl::string_view kv(*e);
    size_t eq = kv.find('=');
    if (eq != absl::string_view::npos) vars[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
  }
  std::vector<std::string> only = absl::StrSplit(flags.Get("secrets"), ',', absl::SkipEmpty());
  if (absl::Status s = ResolveFileSecrets(&vars, only); !s.ok()) return fail(kEntrypointSecret, s);
  MapEnv child_env(vars);

  // 2. Waits, all in parallel under one timeout.
  std::vector<std::unique_ptr<Check>> checks;
  for (const std::string& text : flags.GetAll("wait")) {
    auto target = ParseTarget(text, child_env);
    if (!target.ok()) return fail(kEntrypointUsage, target.status());
    auto check = MakeCheck(*target, CheckOptions());
    if (!check.ok()) return fail(kEntrypointUsage, check.status());
    checks.push_back(*std::move(check));
  }
  if (!checks.empty()) {
    const absl::Time start = absl::Now();
    spdlog::info("waiting for {} dependencies (timeout {})", checks.size(), absl::FormatDuration(timeout));
    absl::Status s = WaitForAll(std::move(checks), start + timeout, WaitOptions(), [](const WaitProgress& p) {
      const absl::Duration waited = absl::Trunc(p.waited, absl::Milliseconds(1));
      const std::string took = waited == absl::ZeroDuration() ? "0ms" : absl::FormatDuration(waited);  // absl says "0"
      if (p.last.ok()) spdlog::info("{} ready after {}", p.target, took);
      else if (!p.done) spdlog::info("still waiting for {} ({}): {}", p.target, took, std::string(p.last.message()));
    });
    if (!s.ok()) return fail(kEntrypointWait, s);
  }

  // 3. Templates, with the container's limits as variables. All are rendered and written beside
  // their destinations first; only when every one succeeded are they renamed into place.
  if (!flags.GetAll("template").empty()) {
    MapEnv template_env(vars);
    AddContainerFacts(ReadContainerFacts(), &template_env);
    std::vector<StagedFile> staged;
    std::vector<std::pair<std::string, std::string>> done;  // (src, dst) for the log
    for (const std::string& spec : flags.GetAll("template")) {
      std::vector<std::string> parts = absl::StrSplit(spec, ':');
      mode_t mode = 0644;
      uid_t owner_uid = static_cast<uid_t>(-1);
      gid_t owner_gid = static_cast<gid_t>(-1);
      if (parts.size() == 4 || parts.size() == 5) {  // OWNER may itself be user:group
        std::string owner = parts.size() == 5 ? absl::StrCat(parts[3], ":", parts[4]) : parts[3];
        auto who = ResolveUserFromFiles(owner);
        if (!who.ok()) return fail(kEntrypointPermission, who.status());
        owner_uid = who->uid;
        owner_gid = who->gid;
        parts.resize(3);
      }
      if (parts.size() == 3) {
        unsigned m = 0;
        if (!absl::numbers_internal::safe_strtou32_base(parts[2], &m, 8) || m > 07777) {
          return fail(kEntrypointUsage, absl::InvalidArgumentError(absl::StrCat("--template=", spec, ": mode must be octal, e.g. 0640")));
        }
        mode = static_cast<mode_t>(m);
      } else if (parts.size() != 2) {
        return fail(kEntrypointUsage, absl::InvalidArgumentError(absl::StrCat("--template=", spec, ": want SRC:DST[:MODE[:OWNER]]")));
      }
      auto text = ReadWholeFile(parts[0], kMaxTemplateBytes, "template");
      if (!text.ok()) return fail(kEntrypointTemplate, text.status());
      auto rendered = RenderTemplate(*text, template_env, parts[0]);
      if (!rendered.ok()) return fail(kEntrypointTemplate, rendered.status());
      auto file = StagedFile::Write(parts[1], *rendered, mode, owner_uid, owner_gid);
      if (!file.ok()) return fail(kEntrypointTemplate, file.status());
      staged.push_back(*std::move(file));
      done.emplace_back(parts[0], parts[1]);
    }
    for (size_t i = 0; i < staged.size(); ++i) {
      if (absl::Status s = staged[i].Commit(); !s.ok()) return fail(kEntrypointTemplate, s);
      spdlog::info("rendered {} to {}", done[i].first, done[i].second);
    }
  }

  // 4. Migrations, in-process, with migrate's own options (MIGRATE_*, DATABASE_URL).
  if (flags.Has("migrate")) {
    const std::string dir_flag = absl::StrCat("--dir=", flags.Get("migrate"));
    const char* margv[] = {"migrate", dir_flag.c_str(), "up"};
    MapEnv migrate_env(vars);
    spdlog::info("applying migrations from {}", flags.Get("migrate"));
    early.EnterMigrations();
    int code = MigrateRun(3, margv, migrate_env);
    early.EnterPlain();
    InitLogging("entrypoint", *format, flags.Get("log-level", "info")).IgnoreError();  // migrate installed its own
    if (int sig = early.signal(); sig != 0) {
      return fail(128 + sig, absl::CancelledError(absl::StrCat("stopped by signal ", sig, " during migrations (migrate exit code ",
                                                               code, "); the app was not started")));
    }
    if (code != 0) {
      return fail(kEntrypointMigrate, absl::AbortedError(absl::StrCat("migrations failed (migrate exit code ", code, ")")));
    }
  }

  // 5. Who runs it.
  auto refuse_root = flags.GetBool("refuse-root");
  if (!refuse_root.ok()) return fail(kEntrypointUsage, refuse_root.status());
  if (flags.Has("user")) {
    auto user = ResolveUserFromFiles(flags.Get("user"));
    if (!user.ok()) return fail(kEntrypointPermission, user.status());
    if (user->name.empty() && user->gid == 0) {
      spdlog::warn("uid {} is not in /etc/passwd: the app runs with group 0 (root's group), as Docker would; "
                   "give --user={}:GID to choose another", user->uid, user->uid);
    }
    for (const std::string& cap : std::vector<std::string>(absl::StrSplit(flags.Get("keep-caps"), ',', absl::SkipEmpty()))) {
      auto c = ParseCapability(cap);
      if (!c.ok()) return fail(kEntrypointUsage, c.status());
      run.keep_caps.push_back(*c);
    }
    if (absl::Status s = ChownPaths(flags.GetAll("chown"), user->uid, user->gid); !s.ok()) return fail(kEntrypointPermission, s);
    run.drop = true;
    run.uid = user->uid;
    run.gid = user->gid;
    auto no_groups = flags.GetBool("no-supplementary-groups");
    if (!no_groups.ok()) return fail(kEntrypointUsage, no_groups.status());
    if (*no_groups) run.groups = {user->gid};
    else run.groups.assign(user->groups.begin(), user->groups.end());
    if (!vars.count("HOME") || vars["HOME"] == "/root") vars["HOME"] = user->home;
    spdlog::info("running as uid {} gid {} ({} supplementary groups), no_new_privs, capabilities {}", user->uid, user->gid,
                 user->groups.size(), run.keep_caps.empty() ? std::string("dropped") : flags.Get("keep-caps"));
  }
  if (*refuse_root && (run.drop ? run.uid : geteuid()) == 0) {
    return fail(kEntrypointPermission, absl::PermissionDeniedError("refusing to run the app as root (--refuse-root); set --user"));
  }

  // 6. First-start and pre-start commands, in order, as the app's user.
  for (const auto& [k, v] : vars) run.env.push_back(absl::StrCat(k, "=", v));
  // A first-start or pre-start command, as the app's user. A stop signal meanwhile is forwarded
  // to it and ends entrypoint. Returns the exit code to leave with, or nullopt to go on.
  auto run_command = [&](absl::string_view kind, const std::vector<std::string>& argv) -> std::optional<int> {
    RunOptions pre = run;
    pre.argv = argv;
    early.EnterCommand();
    const int code = RunToCompletion(pre, [&early](pid_t pid) { early.Started(pid); });
    early.EnterPlain();
    if (int sig = early.signal(); sig != 0) {
      return fail(128 + sig, absl::CancelledError(absl::StrCat("stopped by signal ", sig, " during ", kind, " command ", argv[0],
                                                               " (exit ", code, "); the app was not started")));
    }
    if (code != 0) {
      return fail(kEntrypointPreStart, absl::AbortedError(absl::StrCat(kind, " command ", argv[0], " exited with ", code)));
    }
    return std::nullopt;
  };
  for (const FirstStart& f : first_starts) {
    struct stat st;
    if (lstat(f.creates.c_str(), &st) == 0) {
      spdlog::info("first-start: {} exists, {} skipped", f.creates, f.argv[0]);
      continue;
    }
    spdlog::info("first-start: {} does not exist, running {}", f.creates, f.argv[0]);
    if (auto exit_code = run_command("first-start", f.argv); exit_code.has_value()) return *exit_code;
    if (lstat(f.creates.c_str(), &st) != 0) {
      return fail(kEntrypointPreStart, absl::AbortedError(absl::StrCat("first-start command ", f.argv[0], " exited 0 but did not create ", f.creates)));
    }
  }
  for (const std::string& command : flags.GetAll("pre-start")) {
    std::vector<std::string> argv = absl::StrSplit(command, ' ', absl::SkipEmpty());
    if (argv.empty()) continue;
    spdlog::info("pre-start: {}", argv[0]);
    if (auto exit_code = run_command("pre-start", argv); exit_code.has_value()) return *exit_code;
  }

  // 7. The app. A TERM from now on is the app's: forwarded by the supervisor, or delivered to the
  // app that exec replaces us with.
  early.Stop();
  if (getpid() == 1 || *subreaper) {
    spdlog::info("starting {} as {}", run.argv[0], getpid() == 1 ? "PID 1's child" : "a subreaper's child");
    return SuperviseApp(run);
  }
  spdlog::info("exec {}", run.argv[0]);
  return ExecApp(run);
}

}  // namespace noshell
