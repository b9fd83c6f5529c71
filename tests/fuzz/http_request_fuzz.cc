// Fuzzes the health endpoints' request parser (common/http_server.h), which reads whatever a
// client on the network sends. Checks: no crash, no hang, and what it accepts is what it promises
// (GET or HEAD, a path starting with "/" and no byte a response could echo badly); an accepted or
// refused head never changes when more bytes follow it.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <variant>

#include "common/http_server.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string in(reinterpret_cast<const char*>(data), size);
  for (size_t max_head : {size_t{64}, size_t{8192}}) {
    const noshell::ParsedHead head = noshell::ParseRequestHead(in, max_head);
    if (const auto* r = std::get_if<noshell::HttpRequest>(&head)) {
      if (r->method != "GET" && r->method != "HEAD") std::abort();
      if (r->path.empty() || r->path[0] != '/') std::abort();
      for (char c : r->path + r->query) {
        if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) std::abort();
      }
    }
    if (const auto* e = std::get_if<noshell::HttpError>(&head)) {
      if (e->status < 400 || e->status > 505 || e->reason.empty()) std::abort();
    }
    if (!std::holds_alternative<std::monostate>(head)) {
      const noshell::ParsedHead more = noshell::ParseRequestHead(in + "trailing bytes", max_head);
      if (more.index() != head.index()) std::abort();
    }
  }
  return 0;
}
