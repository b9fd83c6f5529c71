// common/exit_codes.h — healthcheck's exit codes (migrate's are in migrate/cli.h, entrypoint's in
// entrypoint/cli.h and supervisor.h). Documented in README.md. Shell conventions are kept: 126, 127
// and 128+N belong to the program that entrypoint runs.
#ifndef NOSHELL_COMMON_EXIT_CODES_H_
#define NOSHELL_COMMON_EXIT_CODES_H_

namespace noshell {

// healthcheck: Docker reserves 2, so every failure, bad usage included, is 1.
inline constexpr int kExitHealthy = 0;
inline constexpr int kExitUnhealthy = 1;

}  // namespace noshell

#endif  // NOSHELL_COMMON_EXIT_CODES_H_
