// tests/unit/entrypoint/shell_command_test.cc — the sh-free command grammar (shell_command.h), on
// the commands PostgreSQL's initdb runs (15 through 18) and on what a shell would do differently.
#include "entrypoint/shell_command.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct Parsed {
  bool ok = false;
  std::vector<std::string> argv;
  std::vector<std::string> redirs;  // "1>/dev/null", "0</dev/null", "2>&1", "1>>log"
  std::string error;
};

Parsed Parse(const char* text) {
  noshell_command c;
  Parsed p;
  p.ok = noshell_parse_command(text, &c) == 0;
  if (p.ok) {
    for (int i = 0; i < c.argc; ++i) p.argv.emplace_back(c.argv[i]);
    EXPECT_EQ(c.argv[c.argc], nullptr);
    for (int i = 0; i < c.nredirs; ++i) {
      const noshell_redir& r = c.redirs[i];
      std::string op = r.kind == NOSHELL_REDIR_IN ? "<" : r.kind == NOSHELL_REDIR_OUT ? ">" : r.kind == NOSHELL_REDIR_APPEND ? ">>" : ">&";
      p.redirs.push_back(std::to_string(r.fd) + op + (r.kind == NOSHELL_REDIR_DUP ? std::to_string(r.target_fd) : std::string(r.path)));
    }
  } else {
    p.error = c.error;
  }
  noshell_free_command(&c);
  return p;
}

TEST(ShellCommandTest, InitdbsCommands) {
  Parsed p = Parse("\"/usr/lib/postgresql/15/bin/postgres\" -V");
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_THAT(p.argv, ElementsAre("/usr/lib/postgresql/15/bin/postgres", "-V"));
  EXPECT_TRUE(p.redirs.empty());

  p = Parse("\"/usr/lib/postgresql/15/bin/postgres\" --check -F -c log_checkpoints=false -c max_connections=100 "
            "-c shared_buffers=1000 -c dynamic_shared_memory_type=posix < \"/dev/null\" > \"/dev/null\" 2>&1");
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_THAT(p.argv, ElementsAre("/usr/lib/postgresql/15/bin/postgres", "--check", "-F", "-c", "log_checkpoints=false", "-c",
                                  "max_connections=100", "-c", "shared_buffers=1000", "-c", "dynamic_shared_memory_type=posix"));
  EXPECT_THAT(p.redirs, ElementsAre("0</dev/null", "1>/dev/null", "2>&1"));

  p = Parse("\"/usr/lib/postgresql/15/bin/postgres\" --single -F -O -j -c search_path=pg_catalog -c exit_on_error=true "
            "-c log_checkpoints=false template1 >/dev/null");
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.argv.back(), "template1");
  EXPECT_THAT(p.redirs, ElementsAre("1>/dev/null"));

  p = Parse("\"/opt/pg 18/bin/postgres\" --boot -X 16777216 -F -c log_checkpoints=false -k");
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.argv[0], "/opt/pg 18/bin/postgres");  // a path with a space, quoted

  p = Parse("locale -a");
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_THAT(p.argv, ElementsAre("locale", "-a"));
}

TEST(ShellCommandTest, QuotesEscapesAndRedirectionForms) {
  Parsed p = Parse("cmd 'it''s' \"a \\\"b\\\" \\\\ c\" d\\ e '' x>>log 2>/dev/null 0<in");
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_THAT(p.argv, ElementsAre("cmd", "its", "a \"b\" \\ c", "d e", "", "x"));
  EXPECT_THAT(p.redirs, ElementsAre("1>>log", "2>/dev/null", "0<in"));
  p = Parse("cmd \"O'Brien admin\" 'say \"hi\"' a=b");  // '=' after the first word is a character
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_THAT(p.argv, ElementsAre("cmd", "O'Brien admin", "say \"hi\"", "a=b"));
  p = Parse("  cmd\t-x  ");
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_THAT(p.argv, ElementsAre("cmd", "-x"));
  p = Parse("cmd a#b 'c~'");  // '#' and '~' are special only at a word's start
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_THAT(p.argv, ElementsAre("cmd", "a#b", "c~"));
}

// What a shell would expand, substitute, glob, chain or pipe is refused, never run otherwise.
TEST(ShellCommandTest, RefusesWhatOnlyAShellDoes) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"cmd | other", "'|'"},
      {"cmd; rm -rf /", "';'"},
      {"cmd && other", "'&'"},
      {"cmd &", "'&'"},
      {"echo $HOME", "'$'"},
      {"echo \"$HOME\"", "'$' inside double quotes"},
      {"echo `id`", "'`'"},
      {"echo \"`id`\"", "'`' inside double quotes"},
      {"ls *.sql", "'*'"},
      {"ls file?", "'?'"},
      {"ls [ab]", "'['"},
      {"(cmd)", "'('"},
      {"echo {a,b}", "'{'"},
      {"! cmd", "'!'"},
      {"cmd # comment", "'#' at the start"},
      {"ls ~", "'~' at the start"},
      {"FOO=bar cmd", "variable assignment"},
      {"cmd <<EOF", "here-document"},
      {"cmd <&3", "'<&'"},
      {"cmd >&file", "'>&' not followed"},
      {"cmd 12>file", "above 9"},
      {"cmd >", "without a file"},
      {"cmd > >x", "without a file"},
      {"cmd > ''", "empty file name"},
      {"cmd 'open", "unterminated '"},
      {"cmd \"open", "unterminated \""},
      {"cmd \\", "trailing backslash"},
      {"cmd\nother", "'\n'"},
      {"", "no command"},
      {"   ", "no command"},
      {"> /dev/null", "no command"},
  };
  for (const auto& [text, why] : cases) {
    Parsed p = Parse(text);
    EXPECT_FALSE(p.ok) << text;
    EXPECT_THAT(p.error, HasSubstr(why)) << text;
  }
  noshell_command c;
  EXPECT_EQ(noshell_parse_command(nullptr, &c), -1);
  noshell_free_command(&c);
}

TEST(ShellCommandTest, LimitsAreRefusedNotOverrun) {
  std::string many = "cmd";
  for (int i = 0; i < NOSHELL_CMD_MAX_ARGS; ++i) many += " a";
  EXPECT_THAT(Parse(many.c_str()).error, HasSubstr("more than"));
  std::string redirs = "cmd";
  for (int i = 0; i <= NOSHELL_CMD_MAX_REDIRS; ++i) redirs += " >x";
  EXPECT_THAT(Parse(redirs.c_str()).error, HasSubstr("more than"));
}

}  // namespace
