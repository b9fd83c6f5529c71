// common/openssl_init.h — one-time OpenSSL set-up for every noshell binary.
#ifndef NOSHELL_COMMON_OPENSSL_INIT_H_
#define NOSHELL_COMMON_OPENSSL_INIT_H_

namespace noshell {

// Initialises OpenSSL without reading openssl.cnf. A static binary should not change behaviour with a host file that
// distroless images do not have (Debian's only raises the minimum TLS version, which our TLS
// client and libpq already set to 1.2); skipping it also saves CPU time and memory on every run. Call before anything else uses OpenSSL (libpq included).
void InitOpenSsl();

}  // namespace noshell

#endif  // NOSHELL_COMMON_OPENSSL_INIT_H_
