// entrypoint/template.cc — see template.h.
#include "entrypoint/template.h"

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/text.h"

namespace noshell {
namespace {

bool IsNameStart(char c) { return absl::ascii_isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsNameChar(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_'; }

class Renderer {
 public:
  Renderer(absl::string_view text, const Env& env, absl::string_view source) : t_(text), env_(env), source_(source) {}

  absl::StatusOr<std::string> Run() {
    std::string out = Expand(0, t_.size());
    if (!errors_.empty()) {
      std::string msg = absl::StrJoin(errors_, "; ");
      if (more_errors_ > 0) absl::StrAppend(&msg, "; ... and ", more_errors_, " more");
      return absl::InvalidArgumentError(msg);
    }
    return out;
  }

 private:
  // Enough to see the pattern of a mistake; a template of 200 000 broken lines still ends at once.
  static constexpr size_t kMaxErrors = 20;
  // ${...} defaults and $((...)) parentheses nest at most this deep (the recursion is ours).
  static constexpr int kMaxDepth = 64;

  void Error(size_t pos, absl::string_view what) {
    if (errors_.size() >= kMaxErrors) {
      ++more_errors_;
      return;
    }
    const TextPosition at = PositionOfByte(t_, pos);
    errors_.push_back(absl::StrCat(source_, ":", at.line, ":", at.column, ": ", what));
  }

  // The offset of the '}' closing a "${" whose body starts at `from`, honouring nested ${...}.
  size_t CloseBrace(size_t from, size_t end) const {
    int depth = 0;
    for (size_t i = from; i < end; ++i) {
      if (t_[i] == '$' && i + 1 < end && t_[i + 1] == '{') {
        ++depth;
        ++i;
      } else if (t_[i] == '}') {
        if (depth == 0) return i;
        --depth;
      }
    }
    return std::string::npos;
  }

  // The offset just past the "))" closing a "$((" whose body starts at `from`.
  size_t CloseArith(size_t from, size_t end) const {
    int depth = 0;
    for (size_t i = from; i < end; ++i) {
      if (t_[i] == '(') ++depth;
      if (t_[i] == ')') {
        if (depth == 0) return (i + 1 < end && t_[i + 1] == ')') ? i : std::string::npos;
        --depth;
      }
    }
    return std::string::npos;
  }

  std::string Expand(size_t begin, size_t end) {
    std::string out;
    if (expand_depth_ >= kMaxDepth) {
      Error(begin, absl::StrCat("${...} nested too deeply (more than ", kMaxDepth, " levels)"));
      return out;
    }
    ++expand_depth_;
    ExpandInto(begin, end, &out);
    --expand_depth_;
    return out;
  }

  void ExpandInto(size_t begin, size_t end, std::string* result) {
    std::string& out = *result;
    size_t i = begin;
    while (i < end) {
      char c = t_[i];
      if (c != '$' || i + 1 >= end) {
        out.push_back(c);
        ++i;
        continue;
      }
      char n = t_[i + 1];
      if (n == '$') {
        out.push_back('$');
        i += 2;
      } else if (n == '{') {
        size_t close = CloseBrace(i + 2, end);
        if (close == std::string::npos) {
          Error(i, "unterminated ${");
          return;
        }
        out += Substitution(i, i + 2, close);
        i = close + 1;
      } else if (n == '(' && i + 2 < end && t_[i + 2] == '(') {
        size_t close = CloseArith(i + 3, end);
        if (close == std::string::npos) {
          Error(i, "unterminated $((");
          return;
        }
        std::optional<int64_t> v = Arithmetic(i, i + 3, close);
        if (v.has_value()) absl::StrAppend(&out, *v);
        i = close + 2;
      } else {
        out.push_back('$');
        ++i;
      }
    }
  }

  // ${...} with its body in [from, to).
  std::string Substitution(size_t at, size_t from, size_t to) {
    size_t p = from;
    if (p >= to || !IsNameStart(t_[p])) {
      Error(at, absl::StrCat("\"${", t_.substr(from, to - from), "}\" is not a variable name"));
      return "";
    }
    while (p < to && IsNameChar(t_[p])) ++p;
    std::string name(t_.substr(from, p - from));
    std::optional<std::string> value = env_.Get(name);
    if (p == to) {
      if (!value.has_value()) {
        Error(at, absl::StrCat("${", name, "} is not set"));
        return "";
      }
      return *value;
    }
    absl::string_view op = t_.substr(p, std::min<size_t>(2, to - p));
    if (op == ":-" || op[0] == '-') {
      const bool colon = op == ":-";
      const bool use = colon ? (value.has_value() && !value->empty()) : value.has_value();
      if (use) return *value;
      return Expand(p + (colon ? 2 : 1), to);
    }
    if (op == ":?") {
      if (value.has_value() && !value->empty()) return *value;
      std::string message = Expand(p + 2, to);
      Error(at, absl::StrCat("${", name, "}: ", message.empty() ? "is not set or empty" : message));
      return "";
    }
    Error(at, absl::StrCat("unknown operator in ${", t_.substr(from, to - from), "}; want ${NAME}, ${NAME:-default}, ${NAME-default} or ${NAME:?message}"));
    return "";
  }

  // --- $((...)): recursive descent over [from, to) ---
  std::optional<int64_t> Arithmetic(size_t at, size_t from, size_t to) {
    pos_ = from;
    end_ = to;
    at_ = at;
    failed_ = false;
    arith_depth_ = 0;
    int64_t v = Sum();
    Skip();
    if (!failed_ && pos_ < end_) Fail(absl::StrCat("unexpected \"", t_.substr(pos_, end_ - pos_), "\""));
    if (failed_) return std::nullopt;
    return v;
  }

  void Fail(absl::string_view what) {
    if (!failed_) Error(at_, absl::StrCat("in $((...)): ", what));
    failed_ = true;
  }
  void Skip() {
    while (pos_ < end_ && absl::ascii_isspace(static_cast<unsigned char>(t_[pos_]))) ++pos_;
  }
  bool Eat(char c) {
    Skip();
    if (pos_ < end_ && t_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  int64_t Sum() {
    int64_t v = Product();
    for (;;) {
      if (Eat('+')) {
        int64_t r = Product();
        if (__builtin_add_overflow(v, r, &v)) Fail("overflow");
      } else if (Eat('-')) {
        int64_t r = Product();
        if (__builtin_sub_overflow(v, r, &v)) Fail("overflow");
      } else {
        return v;
      }
    }
  }

  int64_t Product() {
    int64_t v = Unary();
    for (;;) {
      Skip();
      if (pos_ >= end_) return v;
      char op = t_[pos_];
      if (op != '*' && op != '/' && op != '%') return v;
      ++pos_;
      int64_t r = Unary();
      if (op == '*') {
        if (__builtin_mul_overflow(v, r, &v)) Fail("overflow");
      } else if (r == 0) {
        Fail("division by zero");
        return 0;
      } else if (r == -1) {
        // INT64_MIN / -1 does not fit (and traps); anything % -1 is 0.
        if (op == '/' && __builtin_sub_overflow(int64_t{0}, v, &v)) Fail("overflow");
        if (op == '%') v = 0;
      } else {
        v = op == '/' ? v / r : v % r;
      }
    }
  }

  // Guards every level of our recursion: "((((...1))))" or "- - - -1" a million deep must be an
  // error, not a stack overflow.
  bool Deeper() {
    if (++arith_depth_ <= kMaxDepth) return true;
    Fail(absl::StrCat("nested too deeply (more than ", kMaxDepth, " levels)"));
    return false;
  }

  int64_t Unary() {
    if (!Deeper()) return 0;
    int64_t v = 0;
    if (Eat('-')) {
      Skip();
      if (pos_ < end_ && absl::ascii_isdigit(static_cast<unsigned char>(t_[pos_]))) {
        v = Number(/*negative=*/true);  // -9223372036854775808 is a number, not -(too large)
      } else if (int64_t r = Unary(); __builtin_sub_overflow(int64_t{0}, r, &v)) {
        Fail("overflow");
      }
    } else if (Eat('+')) {
      v = Unary();
    } else {
      v = Atom();
    }
    --arith_depth_;
    return v;
  }

  // A decimal literal at pos_, negated when `negative`.
  int64_t Number(bool negative) {
    size_t start = pos_;
    while (pos_ < end_ && absl::ascii_isdigit(static_cast<unsigned char>(t_[pos_]))) ++pos_;
    uint64_t u = 0;
    if (!absl::SimpleAtoi(t_.substr(start, pos_ - start), &u) ||
        u > (negative ? uint64_t{1} << 63 : static_cast<uint64_t>(INT64_MAX))) {
      Fail("number too large");
      return 0;
    }
    return negative ? static_cast<int64_t>(0 - u) : static_cast<int64_t>(u);
  }

  int64_t Atom() {
    Skip();
    if (Eat('(')) {
      int64_t v = Sum();
      if (!Eat(')')) Fail("missing )");
      return v;
    }
    if (pos_ >= end_) {
      Fail("expression ends too soon");
      return 0;
    }
    size_t start = pos_;
    if (absl::ascii_isdigit(static_cast<unsigned char>(t_[pos_]))) return Number(/*negative=*/false);
    // A variable (NAME, $NAME, ${NAME} or ${NAME:-EXPR}) or a call min(...) / max(...).
    bool braces = false;
    if (t_[pos_] == '$') {
      ++pos_;
      if (pos_ < end_ && t_[pos_] == '{') {
        braces = true;
        ++pos_;
      }
    }
    size_t name_start = pos_;
    while (pos_ < end_ && IsNameChar(t_[pos_])) ++pos_;
    std::string name(t_.substr(name_start, pos_ - name_start));
    if (name.empty() || !IsNameStart(name[0])) {
      Fail(absl::StrCat("unexpected \"", t_.substr(start, std::max<size_t>(pos_ - start, 1)), "\""));
      return 0;
    }
    if (!braces && t_[start] != '$' && (name == "min" || name == "max") && Eat('(')) return MinMax(name == "min");
    std::optional<int64_t> fallback;
    if (braces && pos_ + 1 < end_ && t_[pos_] == ':' && t_[pos_ + 1] == '-') {
      pos_ += 2;
      fallback = Sum();
    }
    if (braces && !Eat('}')) Fail("missing }");
    std::optional<std::string> value = env_.Get(name);
    if (fallback.has_value() && (!value.has_value() || value->empty())) return *fallback;
    if (!value.has_value()) {
      Fail(absl::StrCat(name, " is not set"));
      return 0;
    }
    int64_t v = 0;
    if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(*value), &v)) {
      Fail(absl::StrCat(name, " is not an integer"));  // never the value: it may be a secret
      return 0;
    }
    return v;
  }

  // min(a, b, ...) / max(a, b, ...), after the "(": clamps such as max(128, mem / 4).
  int64_t MinMax(bool is_min) {
    int64_t v = Sum();
    int args = 1;
    while (!failed_ && Eat(',')) {
      int64_t r = Sum();
      v = is_min ? std::min(v, r) : std::max(v, r);
      ++args;
    }
    if (!Eat(')')) Fail(absl::StrCat(is_min ? "min" : "max", "(...): missing )"));
    else if (args < 2) Fail(absl::StrCat(is_min ? "min" : "max", "(...) needs two or more values"));
    return v;
  }

  absl::string_view t_;
  const Env& env_;
  absl::string_view source_;
  std::vector<std::string> errors_;
  size_t more_errors_ = 0;
  int expand_depth_ = 0;
  size_t pos_ = 0, end_ = 0, at_ = 0;
  int arith_depth_ = 0;
  bool failed_ = false;
};

}  // namespace

absl::StatusOr<std::string> RenderTemplate(absl::string_view text, const Env& env, absl::string_view source) {
  return Renderer(text, env, source).Run();
}

}  // namespace noshell
