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

TEST(TextTest, PositionsCountLinesAndCharacters) {
  const std::string text = "ab\né€x\n\nz";
  struct Case {
    size_t offset;
    int line, column;
  };
  for (const Case& c : {Case{0, 1, 1}, Case{2, 1, 3}, Case{3, 2, 1}, Case{5, 2, 2}, Case{8, 2, 3}, Case{9, 2, 4}, Case{10, 3, 1},
                        Case{11, 4, 1}, Case{999, 4, 2}}) {
    TextPosition p = PositionOfByte(text, c.offset);
    EXPECT_EQ(p.line, c.line) << c.offset;
    EXPECT_EQ(p.column, c.column) << c.offset;
  }
  // PostgreSQL counts an error's position in characters: character 5 is the euro sign, at byte 5.
  EXPECT_EQ(ByteOfCharacter(text, 1), 0u);
  EXPECT_EQ(ByteOfCharacter(text, 4), 3u);
  EXPECT_EQ(ByteOfCharacter(text, 5), 5u);
  EXPECT_EQ(ByteOfCharacter(text, 6), 8u);
  EXPECT_EQ(ByteOfCharacter(text, 99), text.size());
}

TEST(TextTest, LineCounterMatchesPositionsInAnyOrder) {
  const std::string text = "a\nb\nc\nd\n";
  LineCounter lines(text, 10);
  for (size_t offset : {0u, 2u, 3u, 6u, 7u, 1u, 8u, 100u}) {
    EXPECT_EQ(lines.LineAt(offset), 9 + PositionOfByte(text, offset).line) << offset;
  }
}

}  // namespace
}  // namespace noshell
