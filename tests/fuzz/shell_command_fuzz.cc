// Fuzzes the sh-free command grammar that libnoshell_popen.so runs initdb's commands with
// (entrypoint/shell_command.h): never a crash or overrun, and a command it accepts is well formed.
#include <cstdint>
#include <string>

#include "entrypoint/shell_command.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);  // stops at a NUL, as C strings do
  noshell_command c;
  if (noshell_parse_command(text.c_str(), &c) == 0) {
    if (c.argc < 1 || c.argc > NOSHELL_CMD_MAX_ARGS || c.argv[c.argc] != nullptr) __builtin_trap();
    for (int i = 0; i < c.nredirs; ++i) {
      const noshell_redir& r = c.redirs[i];
      if (r.fd < 0 || r.fd > 9) __builtin_trap();
      if (r.kind == NOSHELL_REDIR_DUP ? (r.target_fd < 0 || r.target_fd > 9) : (r.path == nullptr || r.path[0] == '\0')) {
        __builtin_trap();
      }
    }
  } else if (c.error[0] == '\0') {
    __builtin_trap();  // a refusal always says why
  }
  noshell_free_command(&c);
  return 0;
}
