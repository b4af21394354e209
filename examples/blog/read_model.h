// The blog of the seed documents, query side: a projection that fills the tables `posts` and
// `comments` of the query database from the post events, and the three queries the blog
// answers from them (never from the event store).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mnemos/cqrs/projection.h"
#include "mnemos/cqrs/read_model.h"
#include "post.h"

namespace blog {

class PostsProjection final : public mnemos::cqrs::TypedProjection<Event> {
 public:
  std::string_view name() const override { return "blog-posts"; }
  mnemos::EventFilter filter() const override;
  mnemos::Status setup(mnemos::cqrs::SqlSession& db) override;
  mnemos::Status drop(mnemos::cqrs::SqlSession& db) override;

 protected:
  mnemos::Status on(mnemos::cqrs::SqlSession& db, const Event& event,
                    const mnemos::RecordedEventView& recorded) override;
};

struct PostSummary {
  std::string id;
  std::string author;
  std::string title;
  bool published = false;
  int64_t published_at = 0;  // microseconds since the epoch; 0 when not published
  int64_t comments = 0;
};

struct Comment {
  int64_t number = 0;
  std::string author;
  std::string text;
  int64_t created_at = 0;
};

struct PostView {
  PostSummary summary;
  std::string body;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  std::vector<Comment> comments;
};

// The queries, on the query database only.
class BlogQueries {
 public:
  explicit BlogQueries(const mnemos::cqrs::ReadModel& model) : model_(model) {}

  // Published posts, newest first.
  mnemos::Result<std::vector<PostSummary>> published_posts() const;
  // One post (published or not) with its comments in order; empty when there is none.
  mnemos::Result<std::optional<PostView>> post_with_comments(const std::string& id) const;
  // Every post of one author, drafts included, newest first.
  mnemos::Result<std::vector<PostSummary>> posts_by_author(const std::string& author) const;
  // How many posts and comments the query database holds.
  mnemos::Result<std::pair<int64_t, int64_t>> counts() const;

 private:
  mnemos::Result<std::vector<PostSummary>> summaries(std::string_view sql, mnemos::cqrs::SqlParams params) const;
  const mnemos::cqrs::ReadModel& model_;
};

}  // namespace blog
