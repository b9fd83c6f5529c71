// Endpoint lists of Postgres targets (no server: numeric hosts need no lookup).
#include "common/postgres.h"

#include "common/target.h"
#include "gtest/gtest.h"

namespace noshell {
namespace {

std::vector<std::string> Where(const std::string& url) {
  auto t = ParseTarget(url, MapEnv());
  EXPECT_TRUE(t.ok()) << t.status();
  auto e = PgEndpoints(*t, absl::InfiniteFuture());
  EXPECT_TRUE(e.ok()) << e.status();
  std::vector<std::string> out;
  if (e.ok()) {
    for (const PgEndpoint& p : *e) out.push_back(PgWhere(p));
  }
  return out;
}

// Hostile-test W2: an empty port in a host list ("h1,h2:5433", or no port at all for a list)
// means the default, as in libpq; it was refused as invalid port "".
TEST(PgEndpointsTest, EmptyPortMeansDefault) {
  EXPECT_EQ(Where("postgres://app@127.0.0.1,127.0.0.2:5433/app"),
            (std::vector<std::string>{"127.0.0.1:5432", "127.0.0.2:5433"}));
  EXPECT_EQ(Where("postgres://app@127.0.0.1,127.0.0.2/app"),
            (std::vector<std::string>{"127.0.0.1:5432", "127.0.0.2:5432"}));
  EXPECT_EQ(Where("postgres://app@[::1]:6000/app"), (std::vector<std::string>{"[::1]:6000"}));
}

}  // namespace
}  // namespace noshell
