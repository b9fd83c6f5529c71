// migrate/cli.h — the migrate program: options, database wait, commands, exit codes, signals.
#ifndef NOSHELL_MIGRATE_CLI_H_
#define NOSHELL_MIGRATE_CLI_H_

#include "common/env.h"

namespace noshell {

// Exit codes of migrate (README "migrate exit codes").
inline constexpr int kMigrateOk = 0;            // done, or nothing to do
inline constexpr int kMigrateUsage = 2;         // bad option, command or migration file
inline constexpr int kMigrateCannotConnect = 3;
inline constexpr int kMigrateLockNotObtained = 4;
inline constexpr int kMigrateFailed = 5;        // a migration failed, or a failed one blocks
inline constexpr int kMigrateDrift = 6;         // files and history disagree
inline constexpr int kMigrateInterrupted = 7;   // SIGTERM or SIGINT: rolled back and unlocked

// The program: installs the SIGTERM/SIGINT handling thread, then MigrateRun.
int MigrateMain(int argc, const char* const* argv, const Env& env);
// The same without touching signal dispositions: for entrypoint, which runs migrations in-process
// before it becomes the app's init.
int MigrateRun(int argc, const char* const* argv, const Env& env);

// Asks a MigrateRun in progress to stop, as SIGTERM does: the statement in flight is cancelled and
// rolled back, the lock released, and MigrateRun returns kMigrateInterrupted. Returns at once, from
// any thread; the cancel request is sent from a thread of its own (a silent server cannot block
// the caller). The caller bounds how long it then waits for MigrateRun to return.
void InterruptMigrate();

}  // namespace noshell

#endif  // NOSHELL_MIGRATE_CLI_H_
