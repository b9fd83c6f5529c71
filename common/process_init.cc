// common/process_init.cc — see process_init.h.
#include "common/process_init.h"

#include <openssl/crypto.h>

#include "absl/synchronization/mutex.h"
#include "common/net.h"

namespace noshell {

void InitProcess() {
  IgnoreSigpipe();
  // The first OPENSSL_init_crypto call decides: with NO_LOAD_CONFIG, libpq's later request to
  // load the configuration is a no-op (the one-time "config" step has already run).
  // (Leave digest and cipher registration alone: certificate verification looks digests up by
  // name, and failed with OPENSSL_INIT_NO_ADD_ALL_DIGESTS.)
  // NO_ATEXIT: OpenSSL would otherwise free its global state in an atexit handler, while a probe
  // thread the deadline abandoned may still be in a TLS handshake (seen as SIGABRT at exit with
  // 200 TLS targets). A process that exits needs no clean-up.
  OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_ATEXIT, nullptr);
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

}  // namespace noshell
