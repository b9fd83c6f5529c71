// Resolving USER[:GROUP] from /etc/passwd and /etc/group text.
#include "entrypoint/users.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace noshell {
namespace {

constexpr char kPasswd[] =
    "root:x:0:0:root:/root:/bin/bash\n"
    "# a comment\n"
    "postgres:x:101:104:PostgreSQL:/var/lib/postgresql:/bin/bash\n"
    "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n";
constexpr char kGroup[] =
    "root:x:0:\n"
    "ssl-cert:x:103:postgres\n"
    "postgres:x:104:\n"
    "audio:x:29:nonroot,postgres\n"
    "nonroot:x:65532:\n";

TEST(UsersTest, ByNameWithSupplementaryGroups) {
  auto u = ResolveUser("postgres", kPasswd, kGroup);
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->uid, 101u);
  EXPECT_EQ(u->gid, 104u);
  EXPECT_EQ(u->groups, (std::vector<gid_t>{104, 103, 29}));
  EXPECT_EQ(u->home, "/var/lib/postgresql");
}

TEST(UsersTest, NumericAndGroupForms) {
  auto known = ResolveUser("65532", kPasswd, kGroup);
  ASSERT_TRUE(known.ok());
  EXPECT_EQ(known->name, "nonroot");
  EXPECT_EQ(known->gid, 65532u);
  auto unknown = ResolveUser("1234", kPasswd, kGroup);
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->uid, 1234u);
  EXPECT_EQ(unknown->gid, 0u);  // as Docker does
  EXPECT_EQ(unknown->groups, (std::vector<gid_t>{0}));
  auto with_group = ResolveUser("nonroot:audio", kPasswd, kGroup);
  ASSERT_TRUE(with_group.ok());
  EXPECT_EQ(with_group->gid, 29u);
  EXPECT_EQ(ResolveUser("1234:5678", kPasswd, kGroup)->gid, 5678u);
}

TEST(UsersTest, UnknownNamesAreErrors) {
  auto u = ResolveUser("ghost", kPasswd, kGroup);
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.status().message(), "user \"ghost\" is not in /etc/passwd");
  auto g = ResolveUser("postgres:ghosts", kPasswd, kGroup);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().message(), "group \"ghosts\" is not in /etc/group");
  EXPECT_THAT(ResolveUser("", kPasswd, kGroup), StatusIs(absl::StatusCode::kInvalidArgument, "user \"\": empty"));
}


}  // namespace
}  // namespace noshell
