// common/exit_codes.h — the exit codes of all noshell binaries, in one place so they never collide.
// Documented in README.md "Exit codes". Shell conventions are kept: 126, 127 and 128+N belong to the
// program that entrypoint runs.
#ifndef NOSHELL_COMMON_EXIT_CODES_H_
#define NOSHELL_COMMON_EXIT_CODES_H_

namespace noshell {

// healthcheck: Docker reserves 2, so every failure, bad usage included, is 1.
inline constexpr int kExitHealthy = 0;
inline constexpr int kExitUnhealthy = 1;

}  // namespace noshell

#endif  // NOSHELL_COMMON_EXIT_CODES_H_
