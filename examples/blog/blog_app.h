// The blog program's parts put together: the event store (command side), the query database
// (SQLite) and the projection between them, following the store live while the program runs.
// One function per user action; output goes to `out`, the return value is the exit code:
// 0 done, 1 store or query database failure, 2 refused by a domain rule, 3 conflict,
// 4 no such post.
#pragma once

#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "mnemos/cqrs/projection_runner.h"
#include "mnemos/cqrs/read_model.h"
#include "mnemos/store.h"
#include "post.h"
#include "read_model.h"

namespace blog {

class BlogApp {
 public:
  // The event store in DIR/events, the query database in DIR/query.sqlite. Catches the
  // projection up from its checkpoint, then follows the store live.
  // `backend` empty: the events in DIR/events; nats://...: on that JetStream cluster, with the
  // local copy in DIR/events.
  static mnemos::Result<std::unique_ptr<BlogApp>> open(const std::string& dir,
                                                       const std::string& backend = {});
  ~BlogApp();

  // Decides the command on the post's events, appends, then waits (bounded) until the query
  // side has the new events: what the program prints next is read from the query database.
  int command(const std::string& post_id, const Command& command, std::FILE* out);

  int list_published(std::FILE* out) const;
  int show_post(const std::string& post_id, std::FILE* out) const;
  int posts_by(const std::string& author, std::FILE* out) const;
  // Drops the query tables and replays every event, with progress on `progress`.
  int rebuild(std::FILE* out, std::FILE* progress);
  // Checkpoint, lag and what the query database holds.
  int status(std::FILE* out) const;
  // The scripted demo: one new post per run, commands, then the three queries.
  int demo(std::FILE* out);

  const BlogQueries& queries() const { return *queries_; }

 private:
  BlogApp() = default;

  std::unique_ptr<mnemos::Store> store_;
  std::unique_ptr<mnemos::cqrs::ReadModel> model_;
  PostsProjection projection_;
  std::unique_ptr<mnemos::cqrs::ProjectionRunner> runner_;
  std::optional<BlogQueries> queries_;  // on model_, once it is open
};

}  // namespace blog
