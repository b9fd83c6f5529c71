// tests/unit/migrate/db_test.cc — the pure parts of migrate/db.h: COPY's text format.
#include "migrate/db.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace noshell {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ParseCopyTextRowTest, ColumnsSplitAtTabs) {
  auto row = ParseCopyTextRow("1\t20240101\tcreate users\t", 4);
  ASSERT_TRUE(row.ok()) << row.status();
  EXPECT_THAT(*row, ElementsAre("1", "20240101", "create users", ""));
  row = ParseCopyTextRow("", 1);
  ASSERT_TRUE(row.ok()) << row.status();
  EXPECT_THAT(*row, ElementsAre(""));
}

TEST(ParseCopyTextRowTest, NullReadsAsEmpty) {
  auto row = ParseCopyTextRow("7\t\\N\tR__views", 3);
  ASSERT_TRUE(row.ok()) << row.status();
  EXPECT_THAT(*row, ElementsAre("7", "", "R__views"));
}

// What the server escapes (backslash, tab, newline, CR and the other named controls) comes back as
// it was stored; so do the octal and hex forms COPY FROM accepts.
TEST(ParseCopyTextRowTest, EscapesAreUndone) {
  auto row = ParseCopyTextRow("line 1\\nline 2\\ttab\\rcr\\\\back\\bb\\ff\\vv\t\\101\\x42\\x4a\\7\\q", 2);
  ASSERT_TRUE(row.ok()) << row.status();
  EXPECT_THAT(*row, ElementsAre("line 1\nline 2\ttab\rcr\\back\bb\ff\vv", "ABJ\7q"));
  row = ParseCopyTextRow("a\\\tb", 1);  // a backslashed delimiter is data
  ASSERT_TRUE(row.ok()) << row.status();
  EXPECT_THAT(*row, ElementsAre("a\tb"));
  row = ParseCopyTextRow("\\xzz", 1);  // \x without hex digits: the x itself
  ASSERT_TRUE(row.ok()) << row.status();
  EXPECT_THAT(*row, ElementsAre("xzz"));
}

TEST(ParseCopyTextRowTest, WrongShapesAreErrors) {
  EXPECT_THAT(std::string(ParseCopyTextRow("1\t2", 3).status().message()), HasSubstr("2 columns, not 3"));
  EXPECT_THAT(std::string(ParseCopyTextRow("1\t2\t3\t4", 3).status().message()), HasSubstr("4 columns, not 3"));
  EXPECT_THAT(std::string(ParseCopyTextRow("1\tends\\", 2).status().message()), HasSubstr("lone backslash"));
}

}  // namespace
}  // namespace noshell
