// common/text.cc — see text.h.
#include "common/text.h"

#include <algorithm>

#include "absl/strings/str_format.h"

namespace noshell {

size_t Utf8SequenceLength(absl::string_view s) {
  if (s.empty()) return 0;
  const auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  size_t n = 0;
  unsigned min = 0;
  unsigned cp = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2, min = 0x80, cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3, min = 0x800, cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4, min = 0x10000, cp = c & 0x07;
  } else {
    return 0;
  }
  if (s.size() < n) return 0;
  for (size_t i = 1; i < n; ++i) {
    if ((b(i) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

bool IsValidUtf8(absl::string_view s) {
  size_t ascii = 0;  // most text is ASCII: skipped a byte at a time, without decoding
  while (ascii < s.size() && static_cast<unsigned char>(s[ascii]) < 0x80) ++ascii;
  s.remove_prefix(ascii);
  while (!s.empty()) {
    size_t n = Utf8SequenceLength(s);
    if (n == 0) return false;
    s.remove_prefix(n);
  }
  return true;
}

std::string ToValidUtf8(absl::string_view s) {
  std::string out;
  out.reserve(s.size());
  while (!s.empty()) {
    size_t n = Utf8SequenceLength(s);
    if (n == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      n = 1;
    } else {
      out.append(s.data(), n);
    }
    s.remove_prefix(n);
  }
  return out;
}

std::string EscapeForTerminal(absl::string_view s) {
  std::string out;
  out.reserve(s.size());
  while (!s.empty()) {
    const unsigned char c = static_cast<unsigned char>(s[0]);
    size_t n = Utf8SequenceLength(s);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (n == 0 || c < 0x20 || c == 0x7F) {
      out += absl::StrFormat("\\x%02x", c);
      n = 1;
    } else if (n == 2 && c == 0xC2 && static_cast<unsigned char>(s[1]) < 0xA0) {
      out += absl::StrFormat("\\u%04x", static_cast<unsigned char>(s[1]));  // C1 controls (CSI...)
    } else {
      out.append(s.data(), n);
    }
    s.remove_prefix(n == 0 ? 1 : n);
  }
  return out;
}

std::string TruncateUtf8(absl::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return std::string(s);
  size_t keep = max_bytes > 3 ? max_bytes - 3 : 0;
  // Back up to the start of a character: continuation bytes are 10xxxxxx.
  while (keep > 0 && (static_cast<unsigned char>(s[keep]) & 0xC0) == 0x80) --keep;
  return std::string(s.substr(0, keep)) + "...";
}

std::string ForTerminal(absl::string_view s, size_t max_bytes) { return EscapeForTerminal(TruncateUtf8(s, max_bytes)); }

TextPosition PositionOfByte(absl::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  TextPosition p;
  for (size_t i = 0; i < offset; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++p.line;
      p.column = 1;
    } else if ((c & 0xC0) != 0x80) {
      ++p.column;
    }
  }
  return p;
}

size_t ByteOfCharacter(absl::string_view text, int n) {
  int chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80 && ++chars == n) return i;
  }
  return text.size();
}

int LineCounter::LineAt(size_t offset) {
  offset = std::min(offset, text_.size());
  const auto begin = text_.begin();
  if (offset < pos_) {  // never happens in order; stay correct if it does
    line_ -= static_cast<int>(std::count(begin + static_cast<long>(offset), begin + static_cast<long>(pos_), '\n'));
  } else {
    line_ += static_cast<int>(std::count(begin + static_cast<long>(pos_), begin + static_cast<long>(offset), '\n'));
  }
  pos_ = offset;
  return line_;
}

}  // namespace noshell
