// common/process_init.h — the one-time set-up every noshell tool does first.
#ifndef NOSHELL_COMMON_PROCESS_INIT_H_
#define NOSHELL_COMMON_PROCESS_INIT_H_

namespace noshell {

// Call first thing in a tool's main, before any thread starts:
// - SIGPIPE ignored: a peer that closes early is an error on the write, not the end of the process.
// - OpenSSL initialised without reading openssl.cnf. A static binary should not change behaviour
//   with a host file that distroless images do not have (Debian's only raises the minimum TLS
//   version, which our TLS client and libpq already set to 1.2); skipping it also saves CPU time
//   and memory on every run. Must come before anything else uses OpenSSL (libpq included).
// - Abseil's mutex deadlock detection off. Debian builds Abseil without NDEBUG, which leaves it on
//   in abort mode: every Lock() walks a global lock graph (measured: a tenth of the user-space
//   time of a served /readyz), and a lock-order report would abort PID 1. The tests, which do not
//   call this, keep it on: that is where a lock-order cycle should be found.
void InitProcess();

}  // namespace noshell

#endif  // NOSHELL_COMMON_PROCESS_INIT_H_
