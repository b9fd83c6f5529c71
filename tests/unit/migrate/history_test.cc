// tests/unit/migrate/history_test.cc — the pure parts of migrate/history.h.
#include "migrate/history.h"

#include "gtest/gtest.h"

namespace noshell {
namespace {

TEST(ToTheSecondTest, IsoTimestampsLoseFractionAndZone) {
  EXPECT_EQ(ToTheSecond("2026-11-30 03:24:00.123456+00"), "2026-11-30 03:24:00");
  EXPECT_EQ(ToTheSecond("2026-11-30 03:24:00+05:30"), "2026-11-30 03:24:00");
  EXPECT_EQ(ToTheSecond("1999-01-02 23:59:59.5-08"), "1999-01-02 23:59:59");
}

TEST(ToTheSecondTest, OtherDateStylesAreKeptAsWritten) {
  EXPECT_EQ(ToTheSecond("11/30/2026 03:24:00.123456 UTC"), "11/30/2026 03:24:00.123456 UTC");  // SQL
  EXPECT_EQ(ToTheSecond("Mon Nov 30 03:24:00.123456 2026 UTC"), "Mon Nov 30 03:24:00.123456 2026 UTC");  // Postgres
  EXPECT_EQ(ToTheSecond("30.11.2026 03:24:00.123456 UTC"), "30.11.2026 03:24:00.123456 UTC");  // German
  EXPECT_EQ(ToTheSecond("12026-11-30 03:24:00+00"), "12026-11-30 03:24:00+00");
  EXPECT_EQ(ToTheSecond("2026-11-30 03:24:00"), "2026-11-30 03:24:00");
  EXPECT_EQ(ToTheSecond(""), "");
}

}  // namespace
}  // namespace noshell
