// tests/status_matchers.h — StatusIs(code, message_matcher) for absl::Status and absl::StatusOr<T>
// (Abseil 20220623 has no status matchers). A failure prints the code and message it got.
//   EXPECT_THAT(ParseSignal("NOPE"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("NOPE")));
#ifndef NOSHELL_TESTS_STATUS_MATCHERS_H_
#define NOSHELL_TESTS_STATUS_MATCHERS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"

namespace noshell::testing_internal {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

}  // namespace noshell::testing_internal

MATCHER_P2(StatusIs, code, message_matcher,
           std::string(negation ? "not " : "") + "a status with code " + absl::StatusCodeToString(code) +
               " and a message that " + ::testing::DescribeMatcher<std::string>(message_matcher)) {
  const absl::Status& s = ::noshell::testing_internal::GetStatus(arg);
  *result_listener << "which is " << s;
  return s.code() == code &&
         ::testing::ExplainMatchResult(message_matcher, std::string(s.message()), result_listener);
}

#endif  // NOSHELL_TESTS_STATUS_MATCHERS_H_
