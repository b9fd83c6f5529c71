// common/json.h — minimal JSON string escaping for our one-line outputs.
#ifndef NOSHELL_COMMON_JSON_H_
#define NOSHELL_COMMON_JSON_H_

#include <string>

#include "absl/strings/string_view.h"

namespace noshell {

// `s` as a quoted JSON string: control characters escaped, invalid UTF-8 bytes as U+FFFD.
std::string JsonQuote(absl::string_view s);

}  // namespace noshell

#endif  // NOSHELL_COMMON_JSON_H_
