// Fuzzes target parsing (common/target.h, common/url.h, redaction): any string a user may give as
// a target or put behind env:NAME / NAME_FILE. Checks: no crash, no hang, and no error message
// or display form ever holds the password planted in the environment.
//
// The input may hold the planted text itself (the fuzzer learns it from the comparisons it sees),
// in a place where showing it is right, a host name say. So each input is parsed with two
// different planted passwords: a leak is the planted one in what is shown with it, and not in
// what the same input shows with the other.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/redact.h"
#include "common/target.h"

namespace {

std::string Shown(const std::string& text, const std::string& input, const std::string& password) {
  noshell::MapEnv env{{"DB", input}, {"PGPASSWORD", password}};
  auto t = noshell::ParseTarget(text, env);
  return t.ok() ? t->display : std::string(t.status().message());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const std::string a = "Pl4ntedFuzzSecret", b = "Xq7OtherPlantZz";
  // Half the runs go through env: so the value path is fuzzed too.
  for (const std::string& text : {input, std::string("env:DB")}) {
    const std::string with_a = Shown(text, input, a), with_b = Shown(text, input, b);
    if (with_a.find(a) != std::string::npos && with_b.find(a) == std::string::npos) std::abort();
    if (with_b.find(b) != std::string::npos && with_a.find(b) == std::string::npos) std::abort();
    (void)noshell::RedactTarget(text);
  }
  return 0;
}
