// The config template language.
#include "entrypoint/template.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace noshell {
namespace {

std::string Render(const std::string& text, const MapEnv& env) {
  auto r = RenderTemplate(text, env, "t.conf");
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : "";
}

TEST(TemplateTest, SubstitutionForms) {
  MapEnv env{{"HOST", "db"}, {"EMPTY", ""}, {"PORT", "5432"}};
  EXPECT_EQ(Render("host=${HOST} port=${PORT}", env), "host=db port=5432");
  EXPECT_EQ(Render("${EMPTY:-fallback} ${EMPTY-kept} ${UNSET-unset} ${UNSET:-${HOST}}", env), "fallback  unset db");
  EXPECT_EQ(Render("cost $$5, $5, a$ and $", env), "cost $5, $5, a$ and $");
  EXPECT_EQ(Render("${HOST:?need a host}", env), "db");
}

TEST(TemplateTest, Arithmetic) {
  MapEnv env{{"CONTAINER_MEMORY_LIMIT_MB", "2048"}, {"CONTAINER_CPU_COUNT", "3"}};
  EXPECT_EQ(Render("shared_buffers = $(( CONTAINER_MEMORY_LIMIT_MB / 4 ))MB", env), "shared_buffers = 512MB");
  EXPECT_EQ(Render("$(( ($CONTAINER_CPU_COUNT + 1) * -2 % 5 ))", env), "-3");
  EXPECT_EQ(Render("$(( ${CONTAINER_MEMORY_LIMIT_MB} * 3 / 4 - 1 ))", env), "1535");
  EXPECT_EQ(Render("$((7/2)) $((-7/2)) $((2*(3+4)))", env), "3 -3 14");
}

TEST(TemplateTest, ArithmeticDefaultsAndClamps) {
  MapEnv env{{"CONTAINER_MEMORY_LIMIT_MB", "2048"}, {"EMPTY", ""}, {"CONNS", "50"}, {"min", "7"}};
  // ${NAME:-expression} inside $((...)): the default when NAME is unset or empty.
  EXPECT_EQ(Render("$((CONTAINER_MEMORY_LIMIT_MB * 1024 / 4 / ${MAX_CONNS:-100}))kB", env), "5242kB");
  EXPECT_EQ(Render("$((2048 / ${EMPTY:-(1 + 3)})) $((${CONNS:-100} * 2))", env), "512 100");
  // min/max clamp; they nest, and take two or more values.
  EXPECT_EQ(Render("$((max(128, CONTAINER_MEMORY_LIMIT_MB / 32)))MB", env), "128MB");
  EXPECT_EQ(Render("$((min(2048, max(64, CONTAINER_MEMORY_LIMIT_MB / 16))))MB", env), "128MB");
  EXPECT_EQ(Render("$((min(5, 3, 9) + max(-1, -2)))", env), "2");
  // $min is the variable, not the function.
  EXPECT_EQ(Render("$(($min + 1))", env), "8");
  for (const char* bad : {"$((min(1)))", "$((max(1, 2))", "$((min 1))", "$((${UNSET:-}))", "$((${X:-1 +}))"}) {
    EXPECT_THAT(RenderTemplate(bad, env, "f"), StatusIs(absl::StatusCode::kInvalidArgument, ::testing::StartsWith("f:1:1: "))) << bad;
  }
}

TEST(TemplateTest, EveryProblemIsReportedWithLineAndColumn) {
  MapEnv env{{"SECRET", "s3cr3t-value"}, {"ZERO", "0"}};
  auto r = RenderTemplate("a=${MISSING}\nb = ${OTHER:?set OTHER to the replica host}\nc=$((SECRET + 1)) d=$((1/ZERO))\ne=${1x} ${A:+x}\nf=${UNCLOSED",
                          env, "pg.conf.tmpl");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string m(r.status().message());
  EXPECT_NE(m.find("pg.conf.tmpl:1:3: ${MISSING} is not set"), std::string::npos) << m;
  EXPECT_NE(m.find("pg.conf.tmpl:2:5: ${OTHER}: set OTHER to the replica host"), std::string::npos) << m;
  EXPECT_NE(m.find("pg.conf.tmpl:3:3: in $((...)): SECRET is not an integer"), std::string::npos) << m;
  EXPECT_NE(m.find("pg.conf.tmpl:3:21: in $((...)): division by zero"), std::string::npos) << m;
  EXPECT_NE(m.find("pg.conf.tmpl:4:3: \"${1x}\" is not a variable name"), std::string::npos) << m;
  EXPECT_NE(m.find("pg.conf.tmpl:4:9: unknown operator in ${A:+x}"), std::string::npos) << m;
  EXPECT_NE(m.find("pg.conf.tmpl:5:3: unterminated ${"), std::string::npos) << m;
  EXPECT_EQ(m.find("s3cr3t-value"), std::string::npos) << m;  // values never appear in errors
}

TEST(TemplateTest, ArithmeticErrors) {
  MapEnv env;
  for (const char* bad : {"$((1 +))", "$((1 2))", "$(( (1 + 2 ))", "$((99999999999999999999))", "$((9223372036854775807 + 1))",
                          "$((x))"}) {
    EXPECT_THAT(RenderTemplate(bad, env, "f"), StatusIs(absl::StatusCode::kInvalidArgument, ::testing::StartsWith("f:1:1: "))) << bad;
  }
}


std::string RenderError(const std::string& text, const MapEnv& env = MapEnv()) {
  auto r = RenderTemplate(text, env, "t.conf");
  EXPECT_FALSE(r.ok()) << "rendered: " << (r.ok() ? *r : "");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(r.status().message());
}

// Hostile-test C3: these raised SIGFPE or were undefined behaviour.
TEST(TemplateTest, ArithmeticEdgesOfInt64) {
  EXPECT_EQ(RenderError("x=$(( (-9223372036854775807-1) / -1 ))"), "t.conf:1:3: in $((...)): overflow");
  EXPECT_EQ(Render("$(( (-9223372036854775807-1) % -1 )) $((7 % -1)) $((7 / -1))", MapEnv()), "0 0 -7");
  EXPECT_EQ(RenderError("$(( -(-9223372036854775807-1) ))"), "t.conf:1:1: in $((...)): overflow");
  EXPECT_EQ(Render("$((-9223372036854775808)) $((9223372036854775807))", MapEnv()),
            "-9223372036854775808 9223372036854775807");
  EXPECT_EQ(RenderError("$((9223372036854775808))"), "t.conf:1:1: in $((...)): number too large");
  EXPECT_EQ(RenderError("$((- 99999999999999999999))"), "t.conf:1:1: in $((...)): number too large");
}

// Hostile-test C4: a million parentheses or unary minuses, or 100 000 nested defaults, overflowed
// the stack; nesting is now an error at a fixed depth.
TEST(TemplateTest, DeepNestingIsAnErrorNotACrash) {
  const std::string parens = "$((" + std::string(1000000, '(') + "1" + std::string(1000000, ')') + "))";
  EXPECT_EQ(RenderError(parens), "t.conf:1:1: in $((...)): nested too deeply (more than 64 levels)");
  std::string minuses = "$((";
  for (int i = 0; i < 200000; ++i) minuses += "- ";
  EXPECT_EQ(RenderError(minuses + "1))"), "t.conf:1:1: in $((...)): nested too deeply (more than 64 levels)");
  std::string defaults;
  for (int i = 0; i < 100000; ++i) defaults += "${N:-";
  defaults += "x" + std::string(100000, '}');
  EXPECT_THAT(RenderError(defaults), ::testing::HasSubstr("${...} nested too deeply (more than 64 levels)"));
  // 64 levels still work.
  std::string ok;
  for (int i = 0; i < 63; ++i) ok += "${N:-";
  ok += "x" + std::string(63, '}');
  EXPECT_EQ(Render(ok, MapEnv()), "x");
}

// Hostile-test H6: 200 000 errors took minutes and one multi-megabyte line.
TEST(TemplateTest, ManyErrorsAreCutShort) {
  std::string text;
  for (int i = 0; i < 200000; ++i) text += "${}\n";
  const std::string msg = RenderError(text);
  EXPECT_THAT(msg, ::testing::StartsWith("t.conf:1:1: \"${}\" is not a variable name; t.conf:2:1:"));
  EXPECT_THAT(msg, ::testing::HasSubstr("t.conf:20:1: "));
  EXPECT_THAT(msg, ::testing::Not(::testing::HasSubstr("t.conf:21:1: ")));
  EXPECT_THAT(msg, ::testing::EndsWith("; ... and 199980 more"));
}

}  // namespace
}  // namespace noshell
