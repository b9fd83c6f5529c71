// Text made safe to print (common/text.h).
#include "common/text.h"

#include "common/json.h"
#include "gtest/gtest.h"

namespace noshell {
namespace {

TEST(TextTest, Utf8Validity) {
  EXPECT_TRUE(IsValidUtf8("plain é € 😀"));
  for (const char* bad : {"\xff", "\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "a\x80"}) {
    EXPECT_FALSE(IsValidUtf8(bad)) << bad;
  }
  EXPECT_EQ(ToValidUtf8("a\xff" "b\xc3"), "a\xEF\xBF\xBD" "b\xEF\xBF\xBD");
}

TEST(TextTest, TerminalEscapes) {
  EXPECT_EQ(EscapeForTerminal("ok\nFAKE\r\t\x1b[31m\x01\x7f é\xff"), "ok\\nFAKE\\r\\t\\x1b[31m\\x01\\x7f é\\xff");
  EXPECT_EQ(EscapeForTerminal("\xc2\x9b" "2J"), "\\u009b2J");  // C1 CSI
}

TEST(TextTest, TruncationKeepsCharactersWhole) {
  std::string s;
  for (int i = 0; i < 10; ++i) s += "é";  // 20 bytes
  for (size_t max = 4; max < 20; ++max) {
    std::string t = TruncateUtf8(s, max);
    EXPECT_LE(t.size(), max);
    EXPECT_TRUE(IsValidUtf8(t)) << max;
    EXPECT_EQ(t.substr(t.size() - 3), "...");
  }
  EXPECT_EQ(TruncateUtf8("short", 10), "short");
  EXPECT_EQ(ForTerminal(std::string(10000, 'x')).size(), kMaxMessageBytes);
}

TEST(TextTest, JsonIsAlwaysValidUtf8) {
  EXPECT_EQ(JsonQuote("a\xff\x1b\"\\"), "\"a\xEF\xBF\xBD\\u001b\\\"\\\\\"");
}

}  // namespace
}  // namespace noshell
