// migrate/cli.cc — see cli.h.
#include "migrate/cli.h"

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/check.h"
#include "common/clock.h"
#include "common/json.h"
#include "common/process_init.h"
#include "common/redact.h"
#include "common/status_macros.h"
#include "common/target.h"
#include "common/text.h"
#include "common/wait.h"
#include "migrate/mirror.h"
#include "migrate/new_migration.h"
#include "migrate/placeholders.h"
#include "migrate/source.h"
#include "spdlog/spdlog.h"

namespace noshell {
namespace {

// How long a stop waits for the server to end the cancelled statement and for the rollback.
// After it (or at a second signal) migrate exits 7 regardless: a frozen backend, a partition or a
// silent pooler must not hold a rollout until the SIGKILL.
constexpr absl::Duration kStopGrace = absl::Seconds(5);

// The session that runs migrations, for a stop to cancel. Made on first use and never destroyed:
// no static constructor or destructor, so a binary that holds migrate among other tools
// (noshell) runs none of it unless migrate runs.
struct ActiveCanceller {
  absl::Mutex mu;
  std::shared_ptr<Canceller> canceller ABSL_GUARDED_BY(mu);
};
ActiveCanceller& Active() {
  static ActiveCanceller* const active = new ActiveCanceller();
  return *active;
}
std::atomic<bool> g_interrupted{false};

// While it lives, InterruptMigrate cancels what `canceller`'s session runs.
class ActiveSession {
 public:
  explicit ActiveSession(std::shared_ptr<Canceller> canceller) {
    {
      absl::MutexLock lock(&Active().mu);
      Active().canceller = std::move(canceller);
    }
    if (g_interrupted.load()) InterruptMigrate();  // a stop that came while connecting
  }
  ~ActiveSession() {
    absl::MutexLock lock(&Active().mu);
    Active().canceller = nullptr;
  }
  ActiveSession(const ActiveSession&) = delete;
  ActiveSession& operator=(const ActiveSession&) = delete;
};

// Waits for SIGTERM/SIGINT on its own thread; the rest of the process has them blocked.
void SignalThread(sigset_t set) {
  int sig = 0;
  while (sigwait(&set, &sig) != 0) {
  }
  bool connected = false;
  {
    absl::MutexLock lock(&Active().mu);
    connected = Active().canceller != nullptr;
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

void StartSignalThread() {
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  std::thread(SignalThread, sigs).detach();
}

// Connects as a Check, so the wait is common/wait's; keeps the session it opened.
class ConnectCheck : public Check {
 public:
  explicit ConnectCheck(const Target& target) : target_(target) {}
  std::string Describe() const override { return target_.display; }
  absl::Status Probe(absl::Time deadline) override {
    auto db = Database::Connect(target_, deadline);
    if (!db.ok()) return db.status();
    db_ = *std::move(db);
    return absl::OkStatus();
  }
  std::unique_ptr<Database> TakeSession() { return std::move(db_); }

 private:
  const Target& target_;
  std::unique_ptr<Database> db_;
};

// Step 1: the folder, read and checked before anything is done in the database.
absl::StatusOr<MigrationSet> LoadFolder(const MigrateConfig& c, const Env& env) {
  auto set = LoadMigrations(c.dir, c.source_format);
  if (!set.ok()) return absl::InvalidArgumentError(set.status().message());
  // Our table under the folder's tool's name would be read as that tool's, and written as ours.
  if (c.options.table == ToolMirror::TableOf(set->format)) {
    return absl::InvalidArgumentError(absl::StrCat("--table=", c.options.table, " is ", FormatName(set->format),
                                                   "'s own history table; choose another name (default noshell_migrations)"));
  }
  if ((c.command == MigrateCommand::kUp && !c.options.target_version.empty()) || c.command == MigrateCommand::kBaseline) {
    const std::string& version = c.command == MigrateCommand::kUp ? c.options.target_version : c.version;
    NOSHELL_RETURN_IF_ERROR(CheckVersionInFolder(*set, version, CommandName(c.command)));
  }
  if (c.placeholders) NOSHELL_RETURN_IF_ERROR(ExpandPlaceholders(&*set, env));
  return set;
}

// Step 2: which database.
absl::StatusOr<Target> DatabaseTarget(const MigrateConfig& c, const Env& env) {
  NOSHELL_ASSIGN_OR_RETURN(Target target, ParseTarget(c.database_url, env));
  if (target.kind != TargetKind::kPostgres) {
    return absl::InvalidArgumentError(absl::StrCat("database URL ", target.display, " is not a PostgreSQL URL"));
  }
  return target;
}

// Step 3: wait for it to accept our login. What may still come right is retried; wrong
// credentials fail at once.
absl::StatusOr<std::unique_ptr<Database>> WaitForDatabase(const Target& target, absl::Duration wait, Clock& clock) {
  ConnectCheck check(target);
  WaitOptions options;
  options.initial_backoff = absl::Milliseconds(100);
  options.max_backoff = absl::Seconds(1);
  options.attempt_timeout = absl::Seconds(10);
  options.min_attempt_timeout = absl::Milliseconds(250);
  options.report_every = absl::Seconds(5);
  absl::Status s = WaitFor(check, clock.Now() + wait, options, clock, [](const WaitProgress& p) {
    if (!p.done) spdlog::info("waiting for {}: {}", p.target, std::string(p.last.message()));
  }, &g_interrupted);
  if (absl::IsCancelled(s)) return absl::CancelledError("interrupted while waiting for the database");
  if (!s.ok()) {
    return absl::Status(absl::IsDeadlineExceeded(s) ? absl::StatusCode::kUnavailable : s.code(),
                        absl::StrCat("cannot connect to ", s.message()));
  }
  return check.TakeSession();
}

// Step 3 runs while step 1 does: the login (a network round trip or four, and the server's
// work) overlaps reading the folder. When the folder turns out wrong, the login is abandoned: its
// thread keeps its own copy of what it uses, and the process leaves without static destructors
// (MigrateMain; entrypoint does too when RunMigrate fails).
std::atomic<bool> g_connect_abandoned{false};

class ConnectInBackground {
 public:
  ConnectInBackground(Target target, absl::Duration wait) : state_(std::make_shared<State>(std::move(target))) {
    thread_ = std::thread([state = state_, wait] { state->session = WaitForDatabase(state->target, wait, Clock::Real()); });
  }
  ~ConnectInBackground() {
    if (!thread_.joinable()) return;
    g_connect_abandoned.store(true);
    thread_.detach();
  }
  ConnectInBackground(const ConnectInBackground&) = delete;
  ConnectInBackground& operator=(const ConnectInBackground&) = delete;

  absl::StatusOr<std::unique_ptr<Database>> Session() {
    thread_.join();
    return std::move(state_->session);
  }

 private:
  struct State {
    explicit State(Target t) : target(std::move(t)) {}
    const Target target;
    absl::StatusOr<std::unique_ptr<Database>> session = absl::UnknownError("not connected");
  };
  std::shared_ptr<State> state_;
  std::thread thread_;
};

// Step 4: the command.
absl::Status RunCommand(const MigrateConfig& c, const Target& target, Database* db, MigrationSet set, const MigrateSink& sink) {
  Migrator migrator(db, std::move(set), c.options, sink,
                    [target]() { return Database::Connect(target, absl::Now() + absl::Seconds(10)); });
  switch (c.command) {
    case MigrateCommand::kUp: return migrator.Up();
    case MigrateCommand::kDown: return migrator.Down(c.down_steps);
    case MigrateCommand::kBaseline: return migrator.Baseline(c.version);
    case MigrateCommand::kRepair: return migrator.Repair(c.version, c.repair_outcome);
    case MigrateCommand::kStatus: return migrator.Status();
    case MigrateCommand::kPlan: return migrator.Plan();
    case MigrateCommand::kValidate: return migrator.Validate();
    case MigrateCommand::kNew: break;
  }
  return absl::InternalError("new runs without a database");
}

absl::Status CreateMigrationFile(const MigrateConfig& c) {
  NOSHELL_ASSIGN_OR_RETURN(std::string path, NewMigrationFile(c.dir, c.source_format, c.new_name, absl::Now()));
  std::printf("%s\n", path.c_str());
  return absl::OkStatus();
}

int Fail(const absl::Status& s, OutputFormat output) {
  const std::string msg = Redactor::Global().Scrub(std::string(s.message()));
  if (output == OutputFormat::kJson) {
    std::printf("{\"event\":\"error\",\"exit_code\":%d,\"message\":%s}\n", MigrateExitCodeFor(s),
                JsonQuote(TruncateUtf8(msg, kMaxMessageBytes)).c_str());
  }
  std::fprintf(stderr, "migrate: %s\n", ForTerminal(msg).c_str());
  std::fflush(stdout);
  return MigrateExitCodeFor(s);
}

}  // namespace

int MigrateExitCodeFor(const absl::Status& s) {
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

void InterruptMigrate() {
  g_interrupted.store(true);
  std::shared_ptr<Canceller> canceller;
  {
    absl::MutexLock lock(&Active().mu);
    canceller = Active().canceller;
  }
  if (canceller == nullptr) return;  // not connected yet: the wait sees g_interrupted
  // PQcancel connects to the server and waits for it to answer: never on the caller's thread.
  std::thread([canceller] { canceller->Cancel(); }).detach();
}

MigrateSink StdoutMigrateSink(OutputFormat format) {
  return [format](const MigrateEvent& e) {
    std::string line;
    if (format == OutputFormat::kJson) {
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
}

absl::Status RunMigrate(const MigrateConfig& config, const Env& env, const MigrateSink& sink) {
  NOSHELL_ASSIGN_OR_RETURN(Target target, DatabaseTarget(config, env));
  ConnectInBackground connecting(target, config.wait);
  NOSHELL_ASSIGN_OR_RETURN(MigrationSet set, LoadFolder(config, env));
  NOSHELL_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, connecting.Session());
  ActiveSession session(db->canceller());
  return RunCommand(config, target, db.get(), std::move(set), sink);
}

int MigrateMain(int argc, const char* const* argv, const Env& env) {
  InitProcess();
  StartSignalThread();
  absl::StatusOr<MigrateConfig> config = ParseMigrateConfig(argc, argv, env);
  if (!config.ok()) return Fail(config.status(), OutputFormat::kText);
  if (!config->help_text.empty()) {
    std::fputs(config->help_text.c_str(), stdout);
    return kMigrateOk;
  }
  if (absl::Status s = InitLogging("migrate", config->output, config->log_level); !s.ok()) return Fail(s, config->output);
  absl::Status s = config->command == MigrateCommand::kNew ? CreateMigrationFile(*config)
                                                           : RunMigrate(*config, env, StdoutMigrateSink(config->output));
  const int code = s.ok() ? kMigrateOk : Fail(s, config->output);
  if (g_connect_abandoned.load()) {  // its thread may still use what static destructors destroy
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(code);
  }
  return code;
}

}  // namespace noshell
