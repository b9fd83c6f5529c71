// Fuzzes HTTP response parsing (common/verdict.h): heads, chunked bodies and the verdict.
#include <cstdint>
#include <string>

#include "common/verdict.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  auto head = noshell::ParseHttpHead(bytes);
  if (!head.ok() || !head->has_value()) return 0;
  const noshell::HttpHead& h = **head;
  if (h.head_len > bytes.size()) __builtin_trap();
  const std::string raw = bytes.substr(h.head_len);
  bool complete = false;
  auto body = noshell::DecodeChunked(raw, &complete);
  if (body.ok() && body->size() > raw.size()) __builtin_trap();  // decoding never adds bytes
  (void)noshell::HttpVerdict(h, {{200, 399}}, body.ok() ? *body : raw, "ok", complete);
  return 0;
}
