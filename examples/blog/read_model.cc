#include "read_model.h"

#include <variant>

namespace blog {
namespace {

using mnemos::Status;
using mnemos::cqrs::SqlSession;

constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS posts(
  id TEXT PRIMARY KEY,
  author TEXT NOT NULL,
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  published INTEGER NOT NULL DEFAULT 0,
  published_at INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  comments INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS posts_by_author ON posts(author, created_at);
CREATE INDEX IF NOT EXISTS posts_published ON posts(published, published_at);
CREATE TABLE IF NOT EXISTS comments(
  post_id TEXT NOT NULL,
  number INTEGER NOT NULL,
  author TEXT NOT NULL,
  text TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY(post_id, number));
)sql";

constexpr std::string_view kSummaryColumns = "id, author, title, published, published_at, comments";

std::string_view post_id(std::string_view stream) { return stream.substr(kStreamPrefix.size()); }

// A row that starts with kSummaryColumns.
PostSummary summary_of(const mnemos::cqrs::SqlRow& row) {
  return PostSummary{row.text(0), row.text(1), row.text(2), row.integer(3) != 0, row.integer(4), row.integer(5)};
}

}  // namespace

mnemos::EventFilter PostsProjection::filter() const {
  mnemos::EventFilter filter;
  filter.stream_prefix = std::string(kStreamPrefix);
  return filter;
}

Status PostsProjection::setup(SqlSession& db) { return db.execute(kSchema); }

Status PostsProjection::drop(SqlSession& db) {
  return db.execute("DROP TABLE IF EXISTS comments; DROP TABLE IF EXISTS posts;");
}

// Each statement is keyed by the post and, for comments, its number: the projection is applied
// exactly once by the runner, and the primary keys would refuse a second application loudly.
Status PostsProjection::on(SqlSession& db, const Event& event, const mnemos::RecordedEventView& recorded) {
  const std::string_view id = post_id(recorded.stream);
  const int64_t at = recorded.timestamp.micros;
  struct Visitor {
    SqlSession& db;
    std::string_view id;
    int64_t at;
    Status operator()(const PostCreated& e) const {
      return db.execute(
          "INSERT INTO posts(id, author, title, body, created_at, updated_at) VALUES(?, ?, ?, ?, ?, ?)",
          {id, e.author, e.title, e.body, at, at});
    }
    Status operator()(const PostEdited& e) const {
      return db.execute("UPDATE posts SET title = ?, body = ?, updated_at = ? WHERE id = ?",
                        {e.title, e.body, at, id});
    }
    Status operator()(const PostPublished&) const {
      return db.execute("UPDATE posts SET published = 1, published_at = ? WHERE id = ?", {at, id});
    }
    Status operator()(const CommentAdded& e) const {
      if (auto s = db.execute(
              "INSERT INTO comments(post_id, number, author, text, created_at) VALUES(?, ?, ?, ?, ?)",
              {id, e.number, e.author, e.text, at});
          !s) {
        return s;
      }
      return db.execute("UPDATE posts SET comments = comments + 1 WHERE id = ?", {id});
    }
  };
  return std::visit(Visitor{db, id, at}, event);
}

mnemos::Result<std::vector<PostSummary>> BlogQueries::summaries(std::string_view sql,
                                                                mnemos::cqrs::SqlParams params) const {
  auto rows = model_.query(sql, params);
  if (!rows) return std::unexpected(std::move(rows.error()));
  std::vector<PostSummary> posts;
  for (const auto& row : *rows) posts.push_back(summary_of(row));
  return posts;
}

mnemos::Result<std::vector<PostSummary>> BlogQueries::published_posts() const {
  static const std::string sql = "SELECT " + std::string(kSummaryColumns) +
                                 " FROM posts WHERE published = 1 ORDER BY published_at DESC, id";
  return summaries(sql, {});
}

mnemos::Result<std::vector<PostSummary>> BlogQueries::posts_by_author(const std::string& author) const {
  static const std::string sql = "SELECT " + std::string(kSummaryColumns) +
                                 " FROM posts WHERE author = ? ORDER BY created_at DESC, id";
  return summaries(sql, {author});
}

mnemos::Result<std::optional<PostView>> BlogQueries::post_with_comments(const std::string& id) const {
  static const std::string sql = "SELECT " + std::string(kSummaryColumns) +
                                 ", body, created_at, updated_at FROM posts WHERE id = ?";
  auto rows = model_.query(sql, {id});
  if (!rows) return std::unexpected(std::move(rows.error()));
  if (rows->empty()) return std::optional<PostView>();
  const auto& row = rows->front();
  PostView post;
  post.summary = summary_of(row);
  post.body = row.text(6);
  post.created_at = row.integer(7);
  post.updated_at = row.integer(8);
  auto comments = model_.query(
      "SELECT number, author, text, created_at FROM comments WHERE post_id = ? ORDER BY number", {id});
  if (!comments) return std::unexpected(std::move(comments.error()));
  for (const auto& c : *comments) post.comments.push_back(Comment{c.integer(0), c.text(1), c.text(2), c.integer(3)});
  return post;
}

mnemos::Result<std::pair<int64_t, int64_t>> BlogQueries::counts() const {
  auto rows = model_.query("SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM comments)");
  if (!rows) return std::unexpected(std::move(rows.error()));
  return std::pair<int64_t, int64_t>{rows->front().integer(0), rows->front().integer(1)};
}

}  // namespace blog
