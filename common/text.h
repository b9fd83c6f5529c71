// common/text.h — text from outside (server messages, file names, arguments) made safe to print:
// valid UTF-8 for JSON, no control characters for a terminal, cut at a character boundary.
// Pure; no allocation beyond the result.
#ifndef NOSHELL_COMMON_TEXT_H_
#define NOSHELL_COMMON_TEXT_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace noshell {

// Length of the valid UTF-8 sequence at the start of `s` (1-4), or 0 when it is not one
// (overlong forms, surrogates and code points past U+10FFFF are not valid).
size_t Utf8SequenceLength(absl::string_view s);

bool IsValidUtf8(absl::string_view s);

// `s` with every byte that is not part of a valid UTF-8 sequence replaced by U+FFFD.
std::string ToValidUtf8(absl::string_view s);

// `s` for one line of a terminal or a log: control characters (ESC, CR, LF, DEL...) become \xNN
// escapes (\n, \r and \t by name), invalid UTF-8 bytes \xNN. A newline in an argument can then no
// longer forge an output line, nor an escape sequence recolour the terminal.
std::string EscapeForTerminal(absl::string_view s);

// At most `max_bytes` of `s`, cut at a character boundary, with "..." appended when cut.
std::string TruncateUtf8(absl::string_view s, size_t max_bytes);

// Where something is in a text, for messages: 1-based line and column, the column counted in
// characters (UTF-8 lead bytes), as editors show it.
struct TextPosition {
  int line = 1;
  int column = 1;
};
// The position of byte `offset` (clamped to the text) in `text`.
TextPosition PositionOfByte(absl::string_view text, size_t offset);
// The byte offset of character `n` (1-based, as PostgreSQL counts an error's position) in `text`;
// text.size() when it has fewer characters.
size_t ByteOfCharacter(absl::string_view text, int n);

// Line numbers of increasing byte offsets in one text, counted incrementally: numbering 100 000
// statements of a file must not rescan it from the start for each one.
class LineCounter {
 public:
  LineCounter(absl::string_view text, int first_line) : text_(text), line_(first_line) {}
  int LineAt(size_t offset);

 private:
  absl::string_view text_;
  size_t pos_ = 0;
  int line_;
};

// What every line we print to a terminal or log goes through: cut to `max_bytes` (a 128 KB
// argument echoed in an error must not become a 128 KB line), then EscapeForTerminal.
inline constexpr size_t kMaxMessageBytes = 4096;
std::string ForTerminal(absl::string_view s, size_t max_bytes = kMaxMessageBytes);

}  // namespace noshell

#endif  // NOSHELL_COMMON_TEXT_H_
