// The blog program end to end: the demo twice on one directory (the second run continues, no
// duplicate rows), commands with their domain rules and exit codes, the three queries answered
// from the SQLite query database (never from the event store), and a rebuild.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mnemos/cqrs/sqlite_read_model.h"
#include "mnemos/embedded.h"
#include "program_run.h"
#include "support/temp_dir.h"

namespace {

using mnemos::test::count;
using mnemos::test::ProgramRun;

class BlogExample : public ::testing::Test {
 protected:
  ProgramRun blog(std::vector<std::string> args) {
    args.insert(args.begin(), {"--db", dir_.path()});
    return mnemos::test::run_program(BLOG_BIN, args);
  }

  // Runs one statement on the query database directly, as the program is not running.
  std::vector<mnemos::cqrs::SqlRow> sql(const std::string& statement) {
    auto model = mnemos::cqrs::open_sqlite_read_model(dir_.file("query.sqlite"));
    EXPECT_TRUE(model) << model.error().to_string();
    if (!model) return {};
    if (statement.starts_with("SELECT")) {
      auto rows = (*model)->query(statement);
      EXPECT_TRUE(rows) << rows.error().to_string();
      return rows ? *rows : std::vector<mnemos::cqrs::SqlRow>{};
    }
    auto done = (*model)->execute([&](mnemos::cqrs::SqlSession& db) { return db.execute(statement); });
    EXPECT_TRUE(done) << done.error().to_string();
    return {};
  }

  int64_t number(const std::string& select) {
    auto rows = sql(select);
    return rows.empty() ? -1 : rows.front().integer(0);
  }

  mnemos::test::TempDir dir_{"blog"};
};

TEST_F(BlogExample, DemoRunsAndASecondRunContinuesWithoutDuplicateRows) {
  ProgramRun first = blog({});
  ASSERT_EQ(first.exit_code, 0) << first.out;
  EXPECT_NE(first.out.find("post 1 (stream post-1); the query database already holds 0 post(s)"), std::string::npos)
      << first.out;
  // A comment before publishing and a second create are refused; five commands append.
  EXPECT_EQ(count(first.out, "REJECTED"), 2u) << first.out;
  EXPECT_EQ(count(first.out, "ok -> post-1"), 5u) << first.out;
  EXPECT_NE(first.out.find("#2 dave at "), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("checkpoint"), std::string::npos);
  EXPECT_NE(first.out.find("caught up"), std::string::npos) << first.out;

  ProgramRun second = blog({"demo"});
  ASSERT_EQ(second.exit_code, 0) << second.out;
  EXPECT_NE(second.out.find("post 2 (stream post-2); the query database already holds 1 post(s)"), std::string::npos)
      << second.out;
  EXPECT_NE(second.out.find("query database: 2 post(s), 4 comment(s)"), std::string::npos) << second.out;
  // Exactly the rows of two demo runs: the second run continued from the checkpoint.
  EXPECT_EQ(number("SELECT count(*) FROM posts"), 2);
  EXPECT_EQ(number("SELECT count(*) FROM comments"), 4);
  EXPECT_EQ(number("SELECT sum(comments) FROM posts"), 4);
  EXPECT_EQ(number("SELECT events FROM mnemos_checkpoints WHERE projection = 'blog-posts'"), 10);
}

TEST_F(BlogExample, CommandsFollowTheDomainRulesAndExitCodes) {
  EXPECT_EQ(blog({"create", "7", "erin", "Hello"}).exit_code, 0);
  EXPECT_EQ(blog({"create", "7", "erin", "Again"}).exit_code, 2);
  EXPECT_EQ(blog({"create", "8", "erin", ""}).exit_code, 2);  // no title
  EXPECT_EQ(blog({"comment", "7", "frank", "Too early"}).exit_code, 2);
  EXPECT_EQ(blog({"publish", "9"}).exit_code, 4);
  EXPECT_EQ(blog({"edit", "7", "Hello, world", "The body"}).exit_code, 0);
  EXPECT_EQ(blog({"publish", "7"}).exit_code, 0);
  ProgramRun again = blog({"publish", "7"});
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_NE(again.out.find("nothing to change"), std::string::npos) << again.out;
  EXPECT_EQ(blog({"comment", "7", "frank", ""}).exit_code, 2);
  EXPECT_EQ(blog({"comment", "7", "frank", "Welcome"}).exit_code, 0);
  EXPECT_EQ(blog({"create", "10", "gina", "A draft"}).exit_code, 0);

  // The command side wrote events only: post-7 has created, edited, published, commented.
  {
    auto store = mnemos::open_embedded(dir_.file("events"));
    ASSERT_TRUE(store);
    auto read = (*store)->read_stream("post-7", {});
    ASSERT_TRUE(read);
    std::vector<std::string> types;
    for (const auto& e : read->events) types.push_back(e.type);
    EXPECT_EQ(types, (std::vector<std::string>{"blog.post-created", "blog.post-edited", "blog.post-published",
                                               "blog.comment-added"}));
  }

  ProgramRun list = blog({"list"});
  ASSERT_EQ(list.exit_code, 0);
  EXPECT_NE(list.out.find("\"Hello, world\""), std::string::npos) << list.out;
  EXPECT_EQ(list.out.find("A draft"), std::string::npos) << "drafts are not listed: " << list.out;
  ProgramRun show = blog({"show", "7"});
  ASSERT_EQ(show.exit_code, 0);
  EXPECT_NE(show.out.find("The body"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("#1 frank at "), std::string::npos) << show.out;
  EXPECT_EQ(blog({"show", "99"}).exit_code, 4);
  ProgramRun by = blog({"by-author", "gina"});
  EXPECT_NE(by.out.find("A draft"), std::string::npos) << by.out;
  EXPECT_EQ(by.out.find("Hello"), std::string::npos) << by.out;
}

TEST_F(BlogExample, QueriesReadTheQueryDatabaseAndRebuildRestoresIt) {
  ASSERT_EQ(blog({"create", "1", "hal", "The real title"}).exit_code, 0);
  ASSERT_EQ(blog({"publish", "1"}).exit_code, 0);
  ASSERT_EQ(blog({"publish", "1"}).exit_code, 0);
  // Change the query database behind the program's back: the queries show it, so they read
  // SQLite and not the events.
  sql("UPDATE posts SET title = 'changed in SQLite'");
  ProgramRun list = blog({"list"});
  EXPECT_NE(list.out.find("changed in SQLite"), std::string::npos) << list.out;
  // A rebuild drops the tables and replays the events: the real title is back.
  ProgramRun rebuilt = blog({"rebuild"});
  ASSERT_EQ(rebuilt.exit_code, 0) << rebuilt.out;
  EXPECT_NE(rebuilt.out.find("2 events applied"), std::string::npos) << rebuilt.out;
  ProgramRun after = blog({"list"});
  EXPECT_NE(after.out.find("The real title"), std::string::npos) << after.out;
  EXPECT_EQ(number("SELECT count(*) FROM posts"), 1);
  ProgramRun status = blog({"status"});
  EXPECT_NE(status.out.find("caught up"), std::string::npos) << status.out;
}

TEST_F(BlogExample, EventsWrittenByAnotherProgramReachTheQuerySide) {
  // Appended straight to the store (as the mnemos CLI would): the next run projects them.
  {
    auto store = mnemos::open_embedded(dir_.file("events"));
    ASSERT_TRUE(store);
    mnemos::EventData created{std::nullopt, "blog.post-created",
                              R"({"author":"ivy","title":"From elsewhere","body":"b"})", "",
                              mnemos::ContentType::kJson, mnemos::ContentType::kJson};
    mnemos::EventData published{std::nullopt, "blog.post-published", "{}", "", mnemos::ContentType::kJson,
                                mnemos::ContentType::kJson};
    ASSERT_TRUE((*store)->append("post-42", mnemos::ExpectedRevision::no_stream(), {created, published}));
  }
  ProgramRun list = blog({"list"});
  EXPECT_NE(list.out.find("From elsewhere"), std::string::npos) << list.out;
}

TEST_F(BlogExample, BadInputIsRefusedAndChangesNothing) {
  ASSERT_EQ(blog({"create", "3", "jo", "Title"}).exit_code, 0);
  EXPECT_NE(blog({"create", "4"}).exit_code, 0);  // missing author and title
  EXPECT_NE(blog({"frobnicate"}).exit_code, 0);
  EXPECT_NE(blog({"comment", "3"}).exit_code, 0);
  EXPECT_EQ(number("SELECT count(*) FROM posts"), 1);
  // An event the projection cannot decode stops the projection with a clear error instead of
  // skipping it; the query database keeps what it had.
  {
    auto store = mnemos::open_embedded(dir_.file("events"));
    ASSERT_TRUE(store);
    mnemos::EventData bad{std::nullopt, "blog.post-edited", R"({"title":42})", "", mnemos::ContentType::kJson,
                          mnemos::ContentType::kJson};
    ASSERT_TRUE((*store)->append("post-3", mnemos::ExpectedRevision::any(), {bad}));
  }
  // Its error goes to stderr: read it through a shell.
  ProgramRun list = mnemos::test::run_program(
      "/bin/sh", {"-c", std::string(BLOG_BIN) + " --db '" + dir_.path() + "' list 2>&1"});
  EXPECT_EQ(list.exit_code, 1);
  EXPECT_NE(list.out.find("event 1 of stream 'post-3' (type 'blog.post-edited') does not decode"), std::string::npos)
      << list.out;
  EXPECT_EQ(number("SELECT count(*) FROM posts"), 1);
}

}  // namespace
