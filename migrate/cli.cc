// migrate/cli.cc — see cli.h.
#include "migrate/cli.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <cstdio>
#include <thread>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/check.h"
#include "common/flags.h"
#include "common/json.h"
#include "common/logging.h"
#include "common/net.h"
#include "common/openssl_init.h"
#include "common/redact.h"
#include "common/status_macros.h"
#include "common/target.h"
#include "common/text.h"
#include "common/version.h"
#include "migrate/migrator.h"
#include "migrate/source.h"
#include "spdlog/spdlog.h"

namespace noshell {
namespace {

std::vector<FlagSpec> Specs() {
  return {
      {"dir", "MIGRATE_DIR", "DIR", "migrations folder (default ./migrations)"},
      {"database-url", "MIGRATE_DATABASE_URL", "URL",
       "postgres://, postgresql+driver://, jdbc:postgresql://, key=value, or env:NAME (default: $DATABASE_URL or $DATABASE_URL_FILE, "
       "then PG* variables)"},
      {"format", "MIGRATE_FORMAT", "text|json", "output format (default text)"},
      {"source-format", "MIGRATE_SOURCE_FORMAT", "NAME", "golang-migrate, dbmate, goose or flyway (default: detected)"},
      {"schema", "MIGRATE_SCHEMA", "NAME", "schema of the history table (default public)"},
      {"table", "MIGRATE_TABLE", "NAME", "history table (default noshell_migrations)"},
      {"wait", "MIGRATE_WAIT", "DURATION", "how long to wait for the database to accept logins (default 30s)"},
      {"lock-mode", "MIGRATE_LOCK_MODE", "advisory|table",
       "advisory (default) needs a real session; table works through PgBouncer transaction pooling"},
      {"lock-wait", "MIGRATE_LOCK_WAIT", "DURATION", "how long to wait for another migrator's lock (default 10m)"},
      {"lock-timeout", "MIGRATE_LOCK_TIMEOUT", "DURATION", "lock_timeout for migration statements (default 5s)"},
      {"lock-retries", "MIGRATE_LOCK_RETRIES", "N", "retries of a transactional migration whose lock_timeout fired (default 5)"},
      {"statement-timeout", "MIGRATE_STATEMENT_TIMEOUT", "DURATION", "statement_timeout for migration statements (default: the server's)"},
      {"placeholders", "MIGRATE_PLACEHOLDERS", "", "replace ${VAR} in migrations with environment variables (off by default)"},
      {"log-level", "MIGRATE_LOG_LEVEL", "LEVEL", "stderr log level (default info)"},
  };
}

constexpr char kUsage[] =
    "usage: migrate [options] COMMAND\n"
    "\n"
    "Commands:\n"
    "  up [VERSION]               apply pending migrations (up to VERSION)\n"
    "  down [N]                   revert the last N applied migrations (default 1)\n"
    "  status                     every migration: applied, pending, changed, missing, failed\n"
    "  plan                       what up would run, in order, with each file's transaction mode\n"
    "  validate                   exit 6 when files and history disagree\n"
    "  baseline VERSION           record files up to VERSION as applied without running them\n"
    "  repair VERSION applied|pending   resolve a failed non-transactional migration\n"
    "  new NAME                   create a timestamped migration file in the folder's format\n"
    "\n"
    "Reads golang-migrate, dbmate, goose and Flyway folders. Exit codes: 0 done or nothing to do, 2 bad\n"
    "usage or file, 3 cannot connect, 4 lock not obtained, 5 migration failed, 6 drift, 7 interrupted.\n"
    "\n"
    "Options (each also read from the environment variable shown):\n";

int ExitCodeFor(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kOk: return kMigrateOk;
    case absl::StatusCode::kInvalidArgument: return kMigrateUsage;
    case absl::StatusCode::kResourceExhausted: return kMigrateLockNotObtained;
    case absl::StatusCode::kFailedPrecondition: return kMigrateDrift;
    case absl::StatusCode::kCancelled: return kMigrateInterrupted;
    case absl::StatusCode::kUnavailable: case absl::StatusCode::kUnauthenticated: case absl::StatusCode::kNotFound:
    case absl::StatusCode::kPermissionDenied: case absl::StatusCode::kDeadlineExceeded:
      return kMigrateCannotConnect;
    default: return kMigrateFailed;
  }
}

absl::Status ParseDurationFlag(const Flags& flags, const char* name, absl::Duration* out) {
  if (!flags.Has(name)) return absl::OkStatus();
  if (!absl::ParseDuration(flags.Get(name), out) || *out < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat("--", name, "=", flags.Get(name), ": want a duration such as 500ms or 2m"));
  }
  return absl::OkStatus();
}

// How long a stop waits for the server to end the cancelled statement and for the rollback.
// After it (or at a second signal) migrate exits 7 regardless: a frozen backend, a partition or a
// silent pooler must not hold a rollout until the SIGKILL.
constexpr absl::Duration kStopGrace = absl::Seconds(5);

absl::Mutex g_mu;
std::shared_ptr<Canceller> g_canceller ABSL_GUARDED_BY(g_mu);  // the session that runs migrations
std::atomic<bool> g_interrupted{false};

void SetActiveSession(std::shared_ptr<Canceller> canceller) {
  absl::MutexLock lock(&g_mu);
  g_canceller = std::move(canceller);
}

// Waits for SIGTERM/SIGINT on its own thread; the rest of the process has them blocked.
void SignalThread(sigset_t set) {
  int sig = 0;
  while (sigwait(&set, &sig) != 0) {
  }
  bool connected = false;
  {
    absl::MutexLock lock(&g_mu);
    connected = g_canceller != nullptr;
  }
  if (!connected && !g_interrupted.load()) {
    std::fprintf(stderr, "migrate: interrupted by signal %d before connecting\n", sig);
    std::_Exit(kMigrateInterrupted);
  }
  InterruptMigrate();
  timespec grace = absl::ToTimespec(kStopGrace);
  siginfo_t info;
  const bool again = sigtimedwait(&set, &info, &grace) > 0;
  std::fprintf(stderr, "migrate: interrupted by signal %d; %s, exiting without waiting further\n", sig,
               again ? "a second signal arrived"
                     : "the server did not end the cancelled statement within 5s (frozen or unreachable)");
  std::_Exit(kMigrateInterrupted);
}

}  // namespace

void InterruptMigrate() {
  g_interrupted.store(true);
  std::shared_ptr<Canceller> canceller;
  {
    absl::MutexLock lock(&g_mu);
    canceller = g_canceller;
  }
  if (canceller == nullptr) return;  // not connected yet: the wait loop sees g_interrupted
  // PQcancel connects to the server and waits for it to answer: never on the caller's thread.
  std::thread([canceller] { canceller->Cancel(); }).detach();
}

int MigrateMain(int argc, const char* const* argv, const Env& env) {
  IgnoreSigpipe();
  InitOpenSsl();
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  std::thread(SignalThread, sigs).detach();
  return MigrateRun(argc, argv, env);
}

int MigrateRun(int argc, const char* const* argv, const Env& env) {
  Flags flags(Specs());
  OutputFormat output = OutputFormat::kText;
  auto fail = [&](const absl::Status& s) {
    std::string msg = Redactor::Global().Scrub(std::string(s.message()));
    if (output == OutputFormat::kJson) {
      std::printf("{\"event\":\"error\",\"exit_code\":%d,\"message\":%s}\n", ExitCodeFor(s),
                  JsonQuote(TruncateUtf8(msg, kMaxMessageBytes)).c_str());
    }
    std::fprintf(stderr, "migrate: %s\n", ForTerminal(msg).c_str());
    std::fflush(stdout);
    return ExitCodeFor(s);
  };
  if (absl::Status s = flags.Parse(argc, argv, env); !s.ok()) return fail(s);
  if (flags.help()) {
    std::printf("%s%s", kUsage, flags.Usage().c_str());
    return kMigrateOk;
  }
  if (flags.version()) {
    std::printf("migrate (noshell) %s\n", kVersion);
    return kMigrateOk;
  }
  auto out_format = ParseOutputFormat(flags.Get("format", "text"));
  if (!out_format.ok()) return fail(out_format.status());
  output = *out_format;
  if (absl::Status s = InitLogging("migrate", output, flags.Get("log-level", "info")); !s.ok()) return fail(s);

  const std::vector<std::string>& args = flags.positional();
  const std::map<std::string, std::pair<size_t, size_t>> arity = {
      {"up", {0, 1}}, {"down", {0, 1}}, {"status", {0, 0}}, {"plan", {0, 0}}, {"validate", {0, 0}},
      {"baseline", {1, 1}}, {"repair", {2, 2}}, {"new", {1, 1}}};
  if (args.empty()) return fail(absl::InvalidArgumentError("no command: want up, down, status, plan, validate, baseline, repair or new (see --help)"));
  const std::string command = args[0];
  auto ar = arity.find(command);
  if (ar == arity.end()) {
    return fail(absl::InvalidArgumentError(absl::StrCat("unknown command \"", command, "\": want up, down, status, plan, validate, baseline, repair or new")));
  }
  if (args.size() - 1 < ar->second.first || args.size() - 1 > ar->second.second) {
    return fail(absl::InvalidArgumentError(absl::StrCat("wrong number of arguments for ", command, " (see --help)")));
  }
  int down_steps = 1;
  if (command == "down" && args.size() == 2 && (!absl::SimpleAtoi(args[1], &down_steps) || down_steps < 1)) {
    return fail(absl::InvalidArgumentError(absl::StrCat("down ", args[1], ": want a number of migrations >= 1")));
  }

  MigrateOptions options;
  options.schema = flags.Get("schema", "public");
  options.table = flags.Get("table", "noshell_migrations");
  // PostgreSQL cuts identifiers at 63 bytes; the lock table adds "_lock".
  for (auto [name, value, max] : {std::tuple<const char*, const std::string*, size_t>{"schema", &options.schema, 63},
                                  {"table", &options.table, 58}}) {
    if (value->empty() || value->size() > max || value->find('\0') != std::string::npos) {
      return fail(absl::InvalidArgumentError(absl::StrCat("--", name, "=", EscapeForTerminal(TruncateUtf8(*value, 80)),
                                                          ": want a name of 1 to ", max, " bytes")));
    }
  }
  if (command == "up" && args.size() == 2) options.target_version = args[1];
  absl::Duration wait = absl::Seconds(30);
  for (auto [name, out] : {std::pair<const char*, absl::Duration*>{"wait", &wait}, {"lock-wait", &options.lock_wait},
                           {"lock-timeout", &options.lock_timeout}, {"statement-timeout", &options.statement_timeout}}) {
    if (absl::Status s = ParseDurationFlag(flags, name, out); !s.ok()) return fail(s);
  }
  if (flags.Has("lock-retries") && (!absl::SimpleAtoi(flags.Get("lock-retries"), &options.lock_retries) || options.lock_retries < 0)) {
    return fail(absl::InvalidArgumentError(absl::StrCat("--lock-retries=", flags.Get("lock-retries"), ": want a number >= 0")));
  }
  const std::string lock_mode = flags.Get("lock-mode", "advisory");
  if (lock_mode == "table") options.lock_mode = LockMode::kTable;
  else if (lock_mode != "advisory") return fail(absl::InvalidArgumentError(absl::StrCat("--lock-mode=", lock_mode, ": want advisory or table")));
  std::optional<MigrationFormat> source_format;
  if (flags.Has("source-format")) {
    source_format = ParseFormatName(flags.Get("source-format"));
    if (!source_format) {
      return fail(absl::InvalidArgumentError(absl::StrCat("--source-format=", flags.Get("source-format"),
                                                          ": want golang-migrate, dbmate, goose or flyway")));
    }
  }

  const std::string dir = flags.Get("dir", "migrations");
  if (command == "new") {
    auto path = NewMigrationFile(dir, source_format, args[1], absl::Now());
    if (!path.ok()) return fail(path.status());
    std::printf("%s\n", path->c_str());
    return kMigrateOk;
  }
  // The folder first: a bad file is found before anything touches the database.
  auto set = LoadMigrations(dir, source_format);
  if (!set.ok()) return fail(absl::InvalidArgumentError(set.status().message()));
  if ((command == "up" && args.size() == 2) || command == "baseline") {
    if (absl::Status s = CheckVersionInFolder(*set, args[1], command); !s.ok()) return fail(s);
  }
  if (command == "repair") {
    if (absl::Status s = CheckVersionSyntax(args[1], command); !s.ok()) return fail(s);
  }
  auto placeholders = flags.GetBool("placeholders");
  if (!placeholders.ok()) return fail(placeholders.status());
  if (*placeholders) {
    if (absl::Status s = ExpandPlaceholders(&*set, env); !s.ok()) return fail(s);
  }

  std::string url = flags.Get("database-url");
  // $DATABASE_URL, or the file $DATABASE_URL_FILE names (a mounted secret), as env:NAME reads it.
  if (url.empty() && (env.Get("DATABASE_URL").has_value() || env.Get("DATABASE_URL_FILE").has_value())) url = "env:DATABASE_URL";
  if (url.empty()) url = "postgres://";  // libpq's PG* variables
  auto target = ParseTarget(url, env);
  if (!target.ok()) return fail(target.status());
  if (target->kind != TargetKind::kPostgres) {
    return fail(absl::InvalidArgumentError(absl::StrCat("database URL ", target->display, " is not a PostgreSQL URL")));
  }

  auto emit = [&](const MigrateEvent& e) {
    std::string line;
    if (output == OutputFormat::kJson) {
      line = absl::StrCat("{\"event\":", JsonQuote(e.event), ",\"version\":", JsonQuote(e.version),
                          ",\"description\":", JsonQuote(e.description), ",\"detail\":", JsonQuote(e.detail),
                          ",\"duration_ms\":", absl::ToInt64Milliseconds(e.duration), "}\n");
    } else {
      line = absl::StrCat(e.event, e.version.empty() ? "" : absl::StrCat(" ", e.version),
                          e.description.empty() ? "" : absl::StrCat(" ", EscapeForTerminal(e.description)),
                          e.detail.empty() ? "" : absl::StrCat(" (", ForTerminal(e.detail), ")"),
                          e.duration > absl::ZeroDuration() ? absl::StrCat(" ", absl::ToInt64Milliseconds(e.duration), "ms") : "",
                          "\n");
    }
    line = Redactor::Global().Scrub(line);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
  };

  // Wait for the database: retry what may still come right, fail at once on wrong credentials.
  const absl::Time wait_until = absl::Now() + wait;
  std::unique_ptr<Database> db;
  absl::Duration backoff = absl::Milliseconds(100);
  absl::Time next_report = absl::Now() + absl::Seconds(2);
  for (;;) {
    if (g_interrupted.load()) return fail(absl::CancelledError("interrupted while waiting for the database"));
    // Each attempt gets at least 250 ms, so the last one, at the end of --wait, can still say why.
    auto connected = Database::Connect(
        *target, std::min(std::max(wait_until, absl::Now() + absl::Milliseconds(250)), absl::Now() + absl::Seconds(10)));
    if (connected.ok()) {
      db = *std::move(connected);
      break;
    }
    // The last attempt is made at the end of --wait, not one backoff short of it.
    if (!IsRetryable(connected.status()) || absl::Now() >= wait_until) {
      return fail(absl::Status(absl::IsDeadlineExceeded(connected.status()) ? absl::StatusCode::kUnavailable : connected.status().code(),
                               absl::StrCat("cannot connect to ", target->display, ": ", connected.status().message())));
    }
    if (absl::Now() >= next_report) {
      spdlog::info("waiting for {}: {}", target->display, std::string(connected.status().message()));
      next_report = absl::Now() + absl::Seconds(5);
    }
    absl::SleepFor(std::min(backoff, wait_until - absl::Now()));
    backoff = std::min(backoff * 2, absl::Seconds(1));
  }
  SetActiveSession(db->canceller());
  if (g_interrupted.load()) InterruptMigrate();

  const Target connect_target = *target;
  Migrator migrator(db.get(), *std::move(set), options, emit,
                    [connect_target]() { return Database::Connect(connect_target, absl::Now() + absl::Seconds(10)); });
  absl::Status s;
  if (command == "up") s = migrator.Up();
  else if (command == "down") s = migrator.Down(down_steps);
  else if (command == "baseline") s = migrator.Baseline(args[1]);
  else if (command == "repair") s = migrator.Repair(args[1], args[2]);
  else if (command == "status") s = migrator.Status();
  else if (command == "plan") s = migrator.Plan();
  else s = migrator.Validate();
  SetActiveSession(nullptr);
  if (!s.ok()) return fail(s);
  return kMigrateOk;
}

}  // namespace noshell
