// migrate/cli.h — the migrate program (MigrateMain), and the typed call entrypoint makes
// (RunMigrate): read the folder, wait for the database, run one command.
#ifndef NOSHELL_MIGRATE_CLI_H_
#define NOSHELL_MIGRATE_CLI_H_

#include <functional>

#include "absl/status/status.h"
#include "common/env.h"
#include "common/logging.h"
#include "migrate/config.h"
#include "migrate/migrator.h"

namespace noshell {

// Exit codes of migrate (README "migrate exit codes").
inline constexpr int kMigrateOk = 0;            // done, or nothing to do
inline constexpr int kMigrateUsage = 2;         // bad option, command or migration file
inline constexpr int kMigrateCannotConnect = 3;
inline constexpr int kMigrateLockNotObtained = 4;
inline constexpr int kMigrateFailed = 5;        // a migration failed, or a failed one blocks
inline constexpr int kMigrateDrift = 6;         // files and history disagree
inline constexpr int kMigrateInterrupted = 7;   // SIGTERM or SIGINT: rolled back and unlocked

// The one mapping from RunMigrate's status codes (migrator.h) to the exit codes above.
int MigrateExitCodeFor(const absl::Status& status);

// The program: SIGTERM/SIGINT on a thread of its own, logging, then RunMigrate with events on stdout.
int MigrateMain(int argc, const char* const* argv, const Env& env);

using MigrateSink = std::function<void(const MigrateEvent&)>;
// Writes each event to stdout as a line of text or of JSON, scrubbed of secrets.
MigrateSink StdoutMigrateSink(OutputFormat format);

// Runs `config.command` (not kNew): reads and checks the folder while it waits for the database
// (at most `config.wait`, on a thread of its own), runs the command. When the folder is wrong it
// returns at once and leaves that thread behind: a caller that gets an error leaves with _Exit
// (MigrateMain and entrypoint do). Touches neither logging nor signal dispositions, so entrypoint
// runs it in-process; status codes as migrator.h says, turned into exit codes by MigrateExitCodeFor.
absl::Status RunMigrate(const MigrateConfig& config, const Env& env, const MigrateSink& sink);

// Asks a RunMigrate in progress to stop, as SIGTERM does: the statement in flight is cancelled and
// rolled back, the lock released, and RunMigrate returns kCancelled. Returns at once, from any
// thread; the cancel request is sent from a thread of its own (a silent server cannot block the
// caller). The caller bounds how long it then waits for RunMigrate to return.
void InterruptMigrate();

}  // namespace noshell

#endif  // NOSHELL_MIGRATE_CLI_H_
