// *_FILE secret resolution.
#include <cstdio>
#include <fstream>
#include <string>

#include "common/env.h"
#include "common/redact.h"
#include "gtest/gtest.h"

namespace noshell {
namespace {

std::string WriteTemp(const std::string& content) {
  char path[] = "/tmp/noshell_env_test_XXXXXX";
  int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  std::FILE* f = fdopen(fd, "w");
  std::fwrite(content.data(), 1, content.size(), f);
  std::fclose(f);
  return path;
}

TEST(SecretTest, DirectValue) {
  MapEnv env{{"PGPASSWORD", "direct-value-1"}};
  auto v = GetSecret(env, "PGPASSWORD");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(**v, "direct-value-1");
  EXPECT_EQ(Redactor::Global().Scrub("x direct-value-1"), "x ***");
}

TEST(SecretTest, FileValueWithTrailingNewlinesRemoved) {
  std::string path = WriteTemp("from-file-secret\r\n\n");
  MapEnv env{{"PGPASSWORD_FILE", path}};
  auto v = GetSecret(env, "PGPASSWORD");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(**v, "from-file-secret");
  EXPECT_EQ(Redactor::Global().Scrub("from-file-secret"), "***");
  std::remove(path.c_str());
}

TEST(SecretTest, InnerNewlinesAndSpacesKept) {
  std::string path = WriteTemp(" a b\nc \n");
  MapEnv env{{"X_FILE", path}};
  EXPECT_EQ(**GetSecret(env, "X"), " a b\nc ");
  std::remove(path.c_str());
}

TEST(SecretTest, BothSetIsAnError) {
  MapEnv env{{"PGPASSWORD", "a"}, {"PGPASSWORD_FILE", "/x"}};
  auto v = GetSecret(env, "PGPASSWORD");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(v.status().message().find("both PGPASSWORD and PGPASSWORD_FILE"), absl::string_view::npos);
}

TEST(SecretTest, MissingFileNamesVariableAndPath) {
  MapEnv env{{"DB_PASSWORD_FILE", "/nonexistent/secret"}};
  auto v = GetSecret(env, "DB_PASSWORD");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(v.status().message().find("DB_PASSWORD_FILE /nonexistent/secret"), absl::string_view::npos);
}

TEST(SecretTest, NeitherSetIsNullopt) {
  MapEnv env;
  auto v = GetSecret(env, "NOPE");
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->has_value());
}

}  // namespace
}  // namespace noshell
