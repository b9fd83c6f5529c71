// entrypoint/cli.h — the entrypoint program: secrets, waits, templates, migrations, the user,
// first-start and pre-start commands, then the app; and its exit codes.
#ifndef NOSHELL_ENTRYPOINT_CLI_H_
#define NOSHELL_ENTRYPOINT_CLI_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/env.h"

namespace noshell {

// entrypoint's own failures (the app's exit codes pass through unchanged; README lists these).
inline constexpr int kEntrypointUsage = 64;     // bad option or argument
inline constexpr int kEntrypointTemplate = 65;  // a template could not be rendered or written
inline constexpr int kEntrypointSecret = 66;    // a *_FILE secret could not be read
inline constexpr int kEntrypointWait = 69;      // a dependency did not become ready
inline constexpr int kEntrypointMigrate = 70;   // in-process migrations failed (migrate's message says why)
inline constexpr int kEntrypointPreStart = 71;  // a first-start or pre-start command failed
inline constexpr int kEntrypointPermission = 77;  // bad --user, chown failed, or root refused

// argv[1] of the command --postgres runs: this program again, doing the PostgreSQL first start
// (first_start.h) as the app's user. Not an option: entrypoint's own.
inline constexpr char kPostgresFirstStartMode[] = "--internal-postgres-first-start";

// The steps before the app, in order. Which one failed decides the exit code.
enum class EntrypointStep {
  kConfig,      // options and targets: kEntrypointUsage
  kSecrets,     // kEntrypointSecret
  kWaits,       // kEntrypointWait
  kTemplates,   // kEntrypointTemplate
  kMigrations,  // kEntrypointMigrate
  kUser,        // kEntrypointPermission (also a template's OWNER)
  kCommands,    // kEntrypointPreStart
};
// Tags a failure with its step (kept if it already has one: the innermost tag wins).
absl::Status InStep(EntrypointStep step, absl::Status status);
// A stop by signal `sig` during `what` ("migrations", "pre-start command x"): exit 128+sig.
absl::Status StoppedBy(int sig, absl::string_view what);
// The one mapping from a failed step to the exit codes above; an untagged failure is kConfig's.
int EntrypointExitCodeFor(const absl::Status& status);

// The program: ParseEntrypointConfig, steps 1-6 (secrets, waits, templates, migrations, the user,
// first-start and pre-start commands), then the app, supervised as PID 1 or exec'd.
int EntrypointMain(int argc, const char* const* argv, const Env& env);

}  // namespace noshell

#endif  // NOSHELL_ENTRYPOINT_CLI_H_
