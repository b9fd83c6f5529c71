// Fuzzes what we parse of PostgreSQL's answers ourselves: libpq error texts (SQLSTATE, severity)
// the first message after our startup packet (pg_isready-style pings), and the rows of migrate's
// history read with COPY's text format.
#include <cstdint>
#include <string>

#include "common/verdict.h"
#include "migrate/db.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  noshell::PgError e = noshell::ParsePgError(bytes);
  (void)noshell::PgConnectVerdict(e, noshell::ProbeMode::kReadiness);
  (void)noshell::PgPingVerdict(bytes, noshell::ProbeMode::kReadiness);
  (void)noshell::PgPingVerdict(bytes, noshell::ProbeMode::kLiveness);
  (void)noshell::PgTruthy(bytes);
  absl::StatusOr<noshell::Row> row = noshell::ParseCopyTextRow(bytes, 11);
  if (row.ok() && row->size() != 11) __builtin_trap();
  return 0;
}
