// common/json.cc — JSON string escaping.
#include "common/json.h"

#include "absl/strings/str_format.h"
#include "common/text.h"

namespace noshell {

std::string JsonQuote(absl::string_view raw) {
  // JSON text is UTF-8: bytes from servers and files that are not become U+FFFD.
  const std::string s = ToValidUtf8(raw);
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) out += absl::StrFormat("\\u%04x", c);
        else out.push_back(static_cast<char>(c));
    }
  }
  out += "\"";
  return out;
}

}  // namespace noshell
