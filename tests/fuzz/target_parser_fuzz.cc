// Fuzzes target parsing (common/target.h, common/url.h, redaction): any string a user may give as
// a target or put behind env:NAME / NAME_FILE. Checks: no crash, no hang, and no error message
// or display form ever holds the planted password.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/redact.h"
#include "common/target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  // Half the runs go through env: so the value path is fuzzed too.
  noshell::MapEnv env{{"DB", input}, {"PGPASSWORD", "Pl4ntedFuzzSecret"}};
  for (const std::string& text : {input, std::string("env:DB")}) {
    auto t = noshell::ParseTarget(text, env);
    const std::string shown = t.ok() ? t->display : std::string(t.status().message());
    if (shown.find("Pl4ntedFuzzSecret") != std::string::npos) std::abort();
    (void)noshell::RedactTarget(text);
  }
  return 0;
}
