// *_FILE secrets: which variables are secrets, all-or-nothing resolution, errors that name the variable.
#include "entrypoint/secrets.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/scratch_dir.h"
#include "tests/status_matchers.h"

namespace noshell {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(IsPathVariableTest, PathsAreLeftAloneSecretsAreNot) {
  for (const char* path : {"CONFIG_FILE", "SSL_CERT_FILE", "NGINX_LOG_FILE", "PID_FILE", "CA_FILE", "KEY_FILE", "ENV_FILE",
                           "APP_SOCKET_FILE", "CERTS_FILE"}) {
    EXPECT_TRUE(IsPathVariable(path)) << path;
  }
  for (const char* secret : {"POSTGRES_PASSWORD_FILE", "SECRET_KEY_FILE", "API_KEY_FILE", "GITHUB_TOKEN_FILE",
                             "AWS_ACCESS_KEY_FILE", "DB_CREDENTIALS_FILE", "DATABASE_URL_FILE", "MYKEY_FILE"}) {
    EXPECT_FALSE(IsPathVariable(secret)) << secret;
  }
}

class ResolveFileSecretsTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& content) { return dir_.Write(name, content); }
  ScratchDir dir_;
};

TEST_F(ResolveFileSecretsTest, XFileBecomesXWithoutTrailingNewlines) {
  std::map<std::string, std::string> vars{{"DB_PASSWORD_FILE", Write("pw", "s3cret\n\n")},
                                          {"SSL_CERT_FILE", "/etc/ssl/cert.pem"},
                                          {"PLAIN", "1"}};
  ASSERT_TRUE(ResolveFileSecrets(&vars, {}).ok());
  EXPECT_EQ(vars.at("DB_PASSWORD"), "s3cret");
  EXPECT_EQ(vars.count("DB_PASSWORD_FILE"), 0u);
  EXPECT_EQ(vars.at("SSL_CERT_FILE"), "/etc/ssl/cert.pem");  // a path, kept
  EXPECT_EQ(vars.count("SSL_CERT"), 0u);
}

TEST_F(ResolveFileSecretsTest, OnlyTheNamedOnesWhenGiven) {
  std::map<std::string, std::string> vars{{"A_FILE", Write("a", "a")}, {"B_FILE", Write("b", "b")}};
  ASSERT_TRUE(ResolveFileSecrets(&vars, {"B"}).ok());
  EXPECT_EQ(vars.count("A"), 0u);
  EXPECT_EQ(vars.count("A_FILE"), 1u);
  EXPECT_EQ(vars.at("B"), "b");
}

TEST_F(ResolveFileSecretsTest, ErrorsNameTheVariableAndChangeNothing) {
  std::map<std::string, std::string> both{{"A_PASSWORD", "x"}, {"A_PASSWORD_FILE", Write("a", "y")}};
  EXPECT_THAT(ResolveFileSecrets(&both, {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("both A_PASSWORD and A_PASSWORD_FILE are set")));
  const std::map<std::string, std::string> before{{"A_FILE", Write("ok", "fine")}, {"B_FILE", dir_.Join("missing")}};
  std::map<std::string, std::string> vars = before;
  absl::Status s = ResolveFileSecrets(&vars, {});
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kNotFound, HasSubstr("B_FILE")));
  EXPECT_THAT(std::string(s.message()), Not(HasSubstr("fine")));
  EXPECT_EQ(vars, before);  // A was readable, yet nothing changed
}

}  // namespace
}  // namespace noshell
