#include "blog_app.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <variant>

#include <fmt/format.h>

#include "mnemos/cqrs/command_handler.h"
#include "mnemos/cqrs/sqlite_read_model.h"
#include "mnemos/open.h"
#include "util/time_format.h"

namespace blog {
namespace {

constexpr auto kReadYourWritesTimeout = std::chrono::seconds(10);

std::string describe(const Command& command) {
  struct Visitor {
    std::string operator()(const CreatePost& c) const { return fmt::format("create \"{}\" by {}", c.title, c.author); }
    std::string operator()(const EditPost& c) const { return fmt::format("edit, new title \"{}\"", c.title); }
    std::string operator()(const PublishPost&) const { return "publish"; }
    std::string operator()(const AddComment& c) const { return fmt::format("comment by {}: \"{}\"", c.author, c.text); }
  };
  return std::visit(Visitor{}, command);
}

std::string when(int64_t micros) { return mnemos::format_rfc3339(mnemos::Timestamp{micros}); }

void print_summaries(const std::vector<PostSummary>& posts, std::FILE* out) {
  if (posts.empty()) fmt::print(out, "  (none)\n");
  for (const PostSummary& p : posts) {
    fmt::print(out, "  post {:<4} {:<34} by {:<8} {:<30} {} comment(s)\n", p.id, fmt::format("\"{}\"", p.title),
               p.author, p.published ? "published " + when(p.published_at) : "draft", p.comments);
  }
}

int failed(std::FILE* out, const mnemos::Error& error) {
  fmt::print(out, "  FAILED: {}\n", error.to_string());
  return 1;
}

}  // namespace

mnemos::Result<std::unique_ptr<BlogApp>> BlogApp::open(const std::string& dir,
                                                       const std::string& backend) {
  std::unique_ptr<BlogApp> app(new BlogApp());
  auto store = mnemos::open_store(backend.empty() ? dir + "/events" : backend, {.local_dir = dir + "/events"});
  if (!store) return std::unexpected(std::move(store.error()));
  app->store_ = std::move(*store);
  auto model = mnemos::cqrs::open_sqlite_read_model(dir + "/query.sqlite");
  if (!model) return std::unexpected(std::move(model.error()));
  app->model_ = std::move(*model);
  app->queries_.emplace(*app->model_);
  app->runner_ = std::make_unique<mnemos::cqrs::ProjectionRunner>(*app->store_, *app->model_, app->projection_);
  if (auto started = app->runner_->start(); !started) return std::unexpected(std::move(started.error()));
  return app;
}

BlogApp::~BlogApp() {
  if (runner_) runner_->stop();
}

int BlogApp::command(const std::string& post_id, const Command& command, std::FILE* out) {
  const std::string stream = stream_of(post_id);
  auto handled = mnemos::cqrs::handle(*store_, Decider{}, stream, command);
  if (!handled) {
    if (const Error* rejected = mnemos::cqrs::rejection(handled.error())) {
      fmt::print(out, "  {:<52} REJECTED: {}\n", describe(command), blog::describe(*rejected));
      return *rejected == Error::kNoSuchPost ? 4 : 2;
    }
    if (mnemos::cqrs::is_conflict(handled.error())) {
      fmt::print(out, "  {:<52} CONFLICT: the post kept changing; try again\n", describe(command));
      return 3;
    }
    return failed(out, mnemos::cqrs::failure(handled.error())->error);
  }
  if (!handled->appended) {
    fmt::print(out, "  {:<52} ok, nothing to change\n", describe(command));
    return 0;
  }
  // Read your writes: the next query must see this command's events.
  if (auto seen = runner_->wait_for(handled->position, kReadYourWritesTimeout); !seen) return failed(out, seen.error());
  fmt::print(out, "  {:<52} ok -> {} revision {} (position {}), in the query database\n", describe(command),
             stream, handled->revision->value, handled->position.value);
  return 0;
}

int BlogApp::list_published(std::FILE* out) const {
  auto posts = queries_->published_posts();
  if (!posts) return failed(out, posts.error());
  print_summaries(*posts, out);
  return 0;
}

int BlogApp::posts_by(const std::string& author, std::FILE* out) const {
  auto posts = queries_->posts_by_author(author);
  if (!posts) return failed(out, posts.error());
  print_summaries(*posts, out);
  return 0;
}

int BlogApp::show_post(const std::string& post_id, std::FILE* out) const {
  auto post = queries_->post_with_comments(post_id);
  if (!post) return failed(out, post.error());
  if (!*post) {
    fmt::print(out, "  no post {}\n", post_id);
    return 4;
  }
  const PostView& p = **post;
  fmt::print(out, "  post {}: \"{}\" by {} ({}; created {}, last edited {})\n", p.summary.id, p.summary.title,
             p.summary.author, p.summary.published ? "published " + when(p.summary.published_at) : "draft",
             when(p.created_at), when(p.updated_at));
  fmt::print(out, "    {}\n", p.body);
  for (const Comment& c : p.comments) {
    fmt::print(out, "    #{} {} at {}: {}\n", c.number, c.author, when(c.created_at), c.text);
  }
  if (p.comments.empty()) fmt::print(out, "    (no comments)\n");
  return 0;
}

int BlogApp::rebuild(std::FILE* out, std::FILE* progress) {
  const auto started = std::chrono::steady_clock::now();
  // On a terminal, one line that updates after each batch; elsewhere nothing but the result.
  const bool terminal = isatty(fileno(progress)) != 0;
  auto applied = runner_->rebuild([&](const mnemos::cqrs::ProjectionProgress& p) {
    if (!terminal) return;
    const double share = p.target.value == 0 ? 1.0 : static_cast<double>(p.checkpoint.value) / static_cast<double>(p.target.value);
    fmt::print(progress, "\rrebuilding {}: {} events applied, position {} of {} ({:.0f}%)", projection_.name(),
               p.applied, p.checkpoint.value, p.target.value, 100 * std::min(1.0, share));
    std::fflush(progress);
  });
  if (terminal) fmt::print(progress, "\n");
  if (!applied) return failed(out, applied.error());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  fmt::print(out, "  rebuilt {} from every event: {} events applied in {:.3f} s\n", projection_.name(), *applied, seconds);
  return status(out);
}

int BlogApp::status(std::FILE* out) const {
  auto lag = runner_->lag();
  if (!lag) return failed(out, lag.error());
  auto counts = queries_->counts();
  if (!counts) return failed(out, counts.error());
  auto stored = model_->checkpoint(projection_.name());
  if (!stored) return failed(out, stored.error());
  fmt::print(out, "  projection {}: checkpoint {} of head {}, {} events applied, {}\n", projection_.name(),
             lag->checkpoint.value, lag->head.value, *stored ? (*stored)->events : 0,
             lag->caught_up() ? std::string("caught up")
                              : fmt::format("{} log bytes ({:.3f} s) behind", lag->positions_behind, lag->seconds_behind));
  fmt::print(out, "  query database: {} post(s), {} comment(s)\n", counts->first, counts->second);
  return 0;
}

int BlogApp::demo(std::FILE* out) {
  auto counts = queries_->counts();
  if (!counts) return failed(out, counts.error());
  // Each run writes a new post, so running again continues on the same data.
  const std::string id = std::to_string(counts->first + 1);
  const std::string author = counts->first % 2 == 0 ? "alice" : "bob";
  fmt::print(out, "Blog demo: post {} (stream {}); the query database already holds {} post(s)\n", id,
             stream_of(id), counts->first);

  fmt::print(out, "\n== Commands: decided on the post's events, appended as events only ==\n");
  const Command script[] = {
      CreatePost{author, "Event sourcing, take " + id, "Every change is an event."},
      AddComment{"carol", "First!"},
      EditPost{"Event sourcing and CQRS, take " + id, "Every change is an event; queries read projections."},
      PublishPost{},
      AddComment{"carol", "Nice write-up."},
      AddComment{"dave", "How do snapshots fit in?"},
      PublishPost{},
      CreatePost{"mallory", "Same id", "Taken."},
  };
  for (const Command& c : script) {
    if (command(id, c, out) == 1) return 1;
  }

  fmt::print(out, "\n== Query: published posts (from SQLite, filled by the projection) ==\n");
  if (list_published(out) != 0) return 1;
  fmt::print(out, "\n== Query: post {} with its comments ==\n", id);
  if (show_post(id, out) != 0) return 1;
  fmt::print(out, "\n== Query: posts by {} ==\n", author);
  if (posts_by(author, out) != 0) return 1;
  fmt::print(out, "\n== Projection ==\n");
  return status(out);
}

}  // namespace blog
