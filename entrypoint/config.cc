// entrypoint/config.cc — see config.h.
#include "entrypoint/config.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/check_flags.h"
#include "common/flags.h"
#include "common/status_macros.h"
#include "entrypoint/postgres_init.h"
#include "entrypoint/supervisor.h"

namespace noshell {
namespace {

std::vector<FlagSpec> Specs() {
  std::vector<FlagSpec> specs = {
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
      {"program", "ENTRYPOINT_PROGRAM", "NAME",
       "a command that starts with an option or a .conf file is NAME's arguments: NAME is put in front, as the official "
       "images do (`command: --appendonly yes` runs redis-server --appendonly yes)"},
      {"postgres", "ENTRYPOINT_POSTGRES", "BIN_DIR",
       "before the commands, a PostgreSQL first start as the official image's (POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB "
       "and their _FILE, POSTGRES_INITDB_ARGS, POSTGRES_INITDB_WALDIR, POSTGRES_HOST_AUTH_METHOD, PGDATA, init scripts), "
       "with no shell: BIN_DIR holds initdb and postgres"},
      {"popen-shim", "ENTRYPOINT_POPEN_SHIM", "PATH", "libnoshell_popen.so, preloaded into initdb (default /usr/lib/noshell/libnoshell_popen.so)"},
      {"initdb-scripts", "ENTRYPOINT_INITDB_SCRIPTS", "DIR", "--postgres's init scripts, *.sql and *.sql.gz (default /docker-entrypoint-initdb.d)"},
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
      {"health-listen", "ENTRYPOINT_HEALTH_LISTEN", "ADDR",
       "while the app runs, serve /livez, /readyz and /metrics on ADDR (:8086, 127.0.0.1:8086); implies supervising"},
      {"ready", "ENTRYPOINT_READY", "TARGET",
       "what /readyz needs: a dependency or the app's own endpoint (healthcheck's targets), probed in the background; repeatable",
       true},
      {"ready-interval", "ENTRYPOINT_READY_INTERVAL", "DURATION", "how often a ready --ready target is probed (default 10s)"},
      {"stop-delay", "ENTRYPOINT_STOP_DELAY", "DURATION",
       "hold the first TERM back from the app this long, /readyz answering 503 meanwhile (load balancers deregister); "
       "a second TERM or INT goes at once (default 0)"},
      {"format", "ENTRYPOINT_FORMAT", "text|json", "log format (default text)"},
      {"log-level", "ENTRYPOINT_LOG_LEVEL", "LEVEL", "log level (default info)"},
  };
  // --wait's targets take healthcheck's per-target options.
  for (FlagSpec& spec : CheckFlagSpecs("ENTRYPOINT")) specs.push_back(std::move(spec));
  return specs;
}

constexpr char kUsage[] =
    "usage: entrypoint [options] -- COMMAND [ARGS...]\n"
    "\n"
    "Resolves *_FILE secrets, waits for dependencies, renders config templates, then runs COMMAND:\n"
    "as PID 1 (or with --subreaper) it stays as init, forwarding signals and reaping zombies;\n"
    "otherwise it execs COMMAND and leaves nothing behind.\n"
    "\n"
    "Options (each also read from the environment variable shown):\n";

absl::StatusOr<TemplateSpec> ParseTemplateSpec(const std::string& spec) {
  std::vector<std::string> parts = absl::StrSplit(spec, ':');
  TemplateSpec t;
  if (parts.size() == 4 || parts.size() == 5) {  // OWNER may itself be user:group
    t.owner = parts.size() == 5 ? absl::StrCat(parts[3], ":", parts[4]) : parts[3];
    parts.resize(3);
  }
  if (parts.size() == 3) {
    unsigned m = 0;
    if (!absl::numbers_internal::safe_strtou32_base(parts[2], &m, 8) || m > 07777) {
      return absl::InvalidArgumentError(absl::StrCat("--template=", spec, ": mode must be octal, e.g. 0640"));
    }
    t.mode = static_cast<mode_t>(m);
  } else if (parts.size() != 2) {
    return absl::InvalidArgumentError(absl::StrCat("--template=", spec, ": want SRC:DST[:MODE[:OWNER]]"));
  }
  t.src = parts[0];
  t.dst = parts[1];
  return t;
}

absl::StatusOr<FirstStartSpec> ParseFirstStart(const std::string& spec) {
  FirstStartSpec f;
  const size_t colon = spec.find(':');
  if (colon != std::string::npos) {
    f.creates = spec.substr(0, colon);
    f.argv = absl::StrSplit(spec.substr(colon + 1), ' ', absl::SkipEmpty());
  }
  if (f.creates.empty() || f.creates[0] != '/' || f.argv.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("--first-start=", spec, ": want /ABSOLUTE/PATH:COMMAND"));
  }
  return f;
}

// --program's rule, the official images': a first word that is an option or a config file.
bool StartsWithOptionsOrConfig(const std::vector<std::string>& argv) {
  return !argv.empty() && (absl::StartsWith(argv[0], "-") || absl::EndsWith(argv[0], ".conf"));
}

}  // namespace

absl::StatusOr<EntrypointConfig> ParseEntrypointConfig(int argc, const char* const* argv, const Env& env) {
  Flags flags(Specs());
  NOSHELL_RETURN_IF_ERROR(flags.Parse(argc, argv, env));
  EntrypointConfig c;
  c.help_text = flags.HelpOrVersion("entrypoint", kUsage);
  if (!c.help_text.empty()) return c;
  NOSHELL_ASSIGN_OR_RETURN(c.format, ParseOutputFormat(flags.Get("format", "text")));
  c.log_level = flags.Get("log-level", "info");
  NOSHELL_RETURN_IF_ERROR(CheckLogLevel(c.log_level));

  c.app = flags.after_dashes();
  if (c.app.empty()) c.app = flags.positional();
  if (c.app.empty()) return absl::InvalidArgumentError("no command: entrypoint [options] -- COMMAND [ARGS...]");
  if (c.app[0].empty()) return absl::InvalidArgumentError("the command is an empty string");
  if (flags.Has("program")) {
    const std::string program = flags.Get("program");
    if (program.empty()) return absl::InvalidArgumentError("--program: empty (want the program a command of options is for)");
    if (StartsWithOptionsOrConfig(c.app)) c.app.insert(c.app.begin(), program);
  }

  c.secrets = absl::StrSplit(flags.Get("secrets"), ',', absl::SkipEmpty());
  c.waits = flags.GetAll("wait");
  NOSHELL_RETURN_IF_ERROR(ParseCheckFlags(flags, &c.wait_options));
  c.wait_options.application_name = "noshell-entrypoint";
  NOSHELL_RETURN_IF_ERROR(flags.GetDuration("timeout", Flags::DurationMin::kPositive, &c.timeout));
  for (const std::string& spec : flags.GetAll("template")) {
    NOSHELL_ASSIGN_OR_RETURN(TemplateSpec t, ParseTemplateSpec(spec));
    c.templates.push_back(std::move(t));
  }
  if (flags.Has("migrate")) {
    auto migrate = MigrateUpConfig(flags.Get("migrate"), env);
    if (!migrate.ok()) return absl::InvalidArgumentError(absl::StrCat("--migrate: ", migrate.status().message()));
    c.migrate = *std::move(migrate);
  }

  // Options that act on --user's account mean nothing without one: refuse rather than ignore
  // (a --keep-caps that is silently ignored leaves root with every capability).
  c.user = flags.Get("user");
  if (c.user.empty()) {
    for (const char* needs_user : {"keep-caps", "chown", "no-supplementary-groups"}) {
      if (flags.Has(needs_user)) return absl::InvalidArgumentError(absl::StrCat("--", needs_user, " needs --user"));
    }
  }
  NOSHELL_ASSIGN_OR_RETURN(c.no_supplementary_groups, flags.GetBool("no-supplementary-groups"));
  c.keep_caps_text = flags.Get("keep-caps");
  for (const std::string& cap : std::vector<std::string>(absl::StrSplit(c.keep_caps_text, ',', absl::SkipEmpty()))) {
    NOSHELL_ASSIGN_OR_RETURN(int number, ParseCapability(cap));
    c.keep_caps.push_back(number);
  }
  c.chown = flags.GetAll("chown");
  NOSHELL_ASSIGN_OR_RETURN(c.refuse_root, flags.GetBool("refuse-root"));

  if (flags.Has("postgres")) {
    PostgresFirstStartSpec p;
    p.bin_dir = flags.Get("postgres");
    if (p.bin_dir.empty() || p.bin_dir[0] != '/') {
      return absl::InvalidArgumentError(absl::StrCat("--postgres=", p.bin_dir, ": want the absolute folder of initdb and postgres"));
    }
    if (flags.Has("popen-shim")) p.popen_shim = flags.Get("popen-shim");
    if (flags.Has("initdb-scripts")) p.scripts_dir = flags.Get("initdb-scripts");
    PostgresCommand command = ReadPostgresCommand(std::move(c.app));
    c.app = std::move(command.argv);
    p.first_start = command.first_start;
    c.postgres = std::move(p);
  } else {
    for (const char* needs_postgres : {"popen-shim", "initdb-scripts"}) {
      if (flags.Has(needs_postgres)) return absl::InvalidArgumentError(absl::StrCat("--", needs_postgres, " needs --postgres"));
    }
  }
  for (const std::string& spec : flags.GetAll("first-start")) {
    NOSHELL_ASSIGN_OR_RETURN(FirstStartSpec f, ParseFirstStart(spec));
    c.first_start.push_back(std::move(f));
  }
  for (const std::string& command : flags.GetAll("pre-start")) {
    std::vector<std::string> words = absl::StrSplit(command, ' ', absl::SkipEmpty());
    if (!words.empty()) c.pre_start.push_back(std::move(words));
  }

  NOSHELL_RETURN_IF_ERROR(flags.GetDuration("grace", Flags::DurationMin::kZero, &c.grace));
  NOSHELL_ASSIGN_OR_RETURN(c.signal_group, flags.GetBool("signal-group"));
  for (const std::string& spec : flags.GetAll("rewrite-signal")) {
    NOSHELL_ASSIGN_OR_RETURN(auto rewrite, ParseSignalRewrite(spec));
    c.rewrite.insert(rewrite.begin(), rewrite.end());
  }
  NOSHELL_ASSIGN_OR_RETURN(c.subreaper, flags.GetBool("subreaper"));
  c.health_listen = flags.Get("health-listen");
  c.ready = flags.GetAll("ready");
  if (c.health_listen.empty()) {
    for (const char* needs : {"ready", "ready-interval"}) {
      if (flags.Has(needs)) return absl::InvalidArgumentError(absl::StrCat("--", needs, " needs --health-listen"));
    }
  }
  if (flags.Has("ready-interval")) {
    NOSHELL_RETURN_IF_ERROR(flags.GetDuration("ready-interval", Flags::DurationMin::kPositive, &c.ready_interval));
  }
  NOSHELL_RETURN_IF_ERROR(flags.GetDuration("stop-delay", Flags::DurationMin::kZero, &c.stop_delay));
  return c;
}

}  // namespace noshell
