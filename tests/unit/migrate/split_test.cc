// Statement splitting with PostgreSQL's parser, and COPY FROM stdin data.
#include "migrate/split.h"

#include "gtest/gtest.h"

namespace noshell {
namespace {

std::vector<std::string> Sqls(const std::vector<Statement>& v) {
  std::vector<std::string> out;
  for (const Statement& s : v) out.push_back(s.sql);
  return out;
}

TEST(SplitTest, QuotesCommentsAndBodiesKeepTheirSemicolons) {
  const char* sql =
      "CREATE TABLE \"a;b\" (x text DEFAULT E'it\\'s;');\n"
      "-- comment; with semicolon\n"
      "/* block; comment */ INSERT INTO \"a;b\" VALUES ('x;y');\n"
      "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $fn$ BEGIN RETURN 1; END; $fn$;\n"
      "CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;\n"
      "DO $$ BEGIN PERFORM 1; END $$;\n";
  auto r = SplitSql(sql);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 5u) << ::testing::PrintToString(Sqls(*r));
  EXPECT_EQ((*r)[0].sql, "CREATE TABLE \"a;b\" (x text DEFAULT E'it\\'s;')");
  EXPECT_EQ((*r)[1].line, 2);
  EXPECT_EQ((*r)[3].sql, "CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END");
  EXPECT_EQ((*r)[3].line, 5);
  EXPECT_EQ((*r)[4].sql, "DO $$ BEGIN PERFORM 1; END $$");
  for (const Statement& s : *r) {
    EXPECT_EQ(s.no_transaction, "");
    EXPECT_FALSE(s.copy_data.has_value());
  }
}

TEST(SplitTest, CopyFromStdinCarriesItsData) {
  const char* sql =
      "CREATE TABLE t (a text, b int);\n"
      "COPY t (a, b) FROM stdin;\n"
      "x;y\t1\n"
      "it's\t2\n"
      "\\.\n"
      "INSERT INTO t VALUES ('z', 3);\n"
      "COPY t FROM STDIN WITH (FORMAT csv);\n"
      "\"q\",4\n"
      "\\.\n";
  auto r = SplitSql(sql);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 4u) << ::testing::PrintToString(Sqls(*r));
  EXPECT_EQ((*r)[1].sql, "COPY t (a, b) FROM stdin");
  EXPECT_EQ((*r)[1].copy_data, "x;y\t1\nit's\t2\n");
  EXPECT_EQ((*r)[2].sql, "INSERT INTO t VALUES ('z', 3)");
  EXPECT_EQ((*r)[2].line, 6);
  EXPECT_EQ((*r)[3].copy_data, "\"q\",4\n");
  EXPECT_EQ((*r)[3].line, 7);
}

// psql accepts a comment after the COPY's ';' on its line (issue 11.4); the data starts on the next.
TEST(SplitTest, CopyFromStdinWithACommentAfterItsSemicolon) {
  const char* sql =
      "COPY t (a, b) FROM stdin; -- seed data; two rows\n"
      "x\t1\n"
      "y\t2\n"
      "\\.\n"
      "COPY t FROM stdin;  /* more */\n"
      "z\t3\n"
      "\\.\n"
      "SELECT 1; -- not COPY\n";
  auto r = SplitSql(sql);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 3u) << ::testing::PrintToString(Sqls(*r));
  EXPECT_EQ((*r)[0].copy_data, "x\t1\ny\t2\n");
  EXPECT_EQ((*r)[1].copy_data, "z\t3\n");
  EXPECT_EQ((*r)[1].line, 5);
  EXPECT_FALSE((*r)[2].copy_data.has_value());
  EXPECT_EQ((*r)[2].line, 8);
}

// Hostile-test H3: each statement's line was counted from the start of the file (16 000
// statements: 47 s; 120 000 never finished). Linear now: this runs in well under a second.
TEST(SplitTest, ManyStatementsAndCopyBlocksSplitInLinearTime) {
  std::string sql;
  for (int i = 0; i < 120000; ++i) {
    sql += "INSERT INTO t VALUES (" + std::to_string(i) + ", 'some text; with a semicolon');\n";
    if (i % 20000 == 19999) sql += "COPY t FROM stdin;\n1\tx;\n2\ty\n\\.\n";
  }
  auto r = SplitSql(sql, 3);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 120006u);
  EXPECT_EQ((*r)[0].line, 3);
  EXPECT_EQ((*r)[20000].sql, "COPY t FROM stdin");
  EXPECT_EQ((*r)[20000].copy_data, "1\tx;\n2\ty\n");
  EXPECT_EQ((*r)[20000].line, 3 + 20000);
  EXPECT_EQ((*r)[20001].line, 3 + 20000 + 4);
  EXPECT_EQ(r->back().sql, "COPY t FROM stdin");  // after the last INSERT and five earlier blocks
  EXPECT_EQ(r->back().line, 3 + 120000 + 5 * 4);
}

// A syntax error after COPY blocks is reported where it is, not taken for COPY data.
TEST(SplitTest, SyntaxErrorAfterCopyData) {
  auto r = SplitSql("COPY t FROM stdin;\n1\n\\.\nSELECT 1;\nSELEC 2;\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "line 5, column 1: syntax error at or near \"SELEC\"");
  // Data lines that end in ';' or parse as SQL are still data.
  auto d = SplitSql("COPY t FROM stdin;\nselect 1;\nx y;\n\\.\nSELECT 2;\n");
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_EQ(d->size(), 2u);
  EXPECT_EQ((*d)[0].copy_data, "select 1;\nx y;\n");
}

TEST(SplitTest, CopyDataWithoutTerminatorIsAnError) {
  auto r = SplitSql("SELECT 1;\nCOPY t FROM stdin;\n1\n2\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().message(), "line 3: COPY FROM stdin data is not ended by a line \"\\.\"");
}

TEST(SplitTest, CopyToStdoutIsRefused) {
  auto r = SplitSql("COPY t TO stdout;");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("COPY ... TO stdout"), absl::string_view::npos);
}

TEST(SplitTest, SyntaxErrorNamesLineAndColumn) {
  auto r = SplitSql("SELECT 1;\n\nSELEC 2;\n", 10);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "line 12, column 1: syntax error at or near \"SELEC\"");
}

TEST(SplitTest, ClassifiesStatementsThatCannotRunInATransaction) {
  struct Case { const char* sql; const char* want; };
  for (const Case& c : {Case{"CREATE INDEX CONCURRENTLY i ON t (a)", "CREATE INDEX CONCURRENTLY"},
                        Case{"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a)", "CREATE INDEX CONCURRENTLY"},
                        Case{"DROP INDEX CONCURRENTLY i", "DROP INDEX CONCURRENTLY"},
                        Case{"REINDEX (CONCURRENTLY) TABLE t", "REINDEX CONCURRENTLY"},
                        Case{"REINDEX TABLE CONCURRENTLY t", "REINDEX CONCURRENTLY"},
                        Case{"VACUUM t", "VACUUM"}, Case{"ANALYZE t", ""},
                        Case{"CREATE DATABASE d", "CREATE DATABASE"}, Case{"ALTER SYSTEM SET work_mem = '8MB'", "ALTER SYSTEM"},
                        Case{"CREATE INDEX i ON t (a)", ""}, Case{"ALTER TYPE e ADD VALUE 'x'", ""}}) {
    auto k = ClassifyStatement(c.sql);
    ASSERT_TRUE(k.ok()) << c.sql;
    EXPECT_EQ(k->no_transaction, c.want) << c.sql;
  }
  EXPECT_TRUE(ClassifyStatement("BEGIN")->transaction_control);
  EXPECT_TRUE(ClassifyStatement("COMMIT")->transaction_control);
  EXPECT_FALSE(ClassifyStatement("SELECT 1")->transaction_control);
  EXPECT_TRUE(ClassifyStatement("COPY t FROM stdin")->copy_from_stdin);
  EXPECT_FALSE(ClassifyStatement("COPY t FROM '/tmp/x'")->copy_from_stdin);
}

TEST(SplitTest, VerbatimSegmentsAreOneStatement) {
  std::vector<Segment> segs = {{"ALTER TABLE t ADD b int;\n", 2, false},
                               {"CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n", 4, true},
                               {"SELECT 2;\n", 6, false}};
  auto r = SplitSegments(segs);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[1].sql, "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql");
  EXPECT_EQ((*r)[1].line, 4);
  EXPECT_EQ((*r)[2].line, 6);
}

TEST(SplitTest, EmptyAndCommentOnlyInput) {
  EXPECT_TRUE(SplitSql("")->empty());
  EXPECT_TRUE(SplitSql("  -- nothing here\n\n")->empty());
}

}  // namespace
}  // namespace noshell
