// Fuzzes the config template language (entrypoint/template.h): substitutions, defaults, $(( )),
// nesting and error reporting. Checks: no crash (SIGFPE, stack overflow), no hang, and a value
// read from the environment never appears in an error message (except through a ${X:?message}
// whose message the template author wrote with ${...} in it).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "entrypoint/template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  noshell::MapEnv env{{"A", "1"}, {"B", "-9223372036854775808"}, {"SECRET", "Pl4ntedFuzzSecret"}, {"EMPTY", ""}};
  auto r = noshell::RenderTemplate(text, env, "t");
  if (!r.ok() && std::string(r.status().message()).find("Pl4ntedFuzzSecret") != std::string::npos &&
      text.find("Pl4ntedFuzzSecret") == std::string::npos && text.find(":?") == std::string::npos) {
    std::abort();
  }
  return 0;
}
