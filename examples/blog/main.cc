// `blog`: the seed documents' CQRS example on a Mnemos store: commands write events only; the
// queries read SQLite tables that a projection fills.
//   blog [--db DIR] [--backend nats://...]         the scripted demo (one new post per run)
//   blog [--db DIR] create ID AUTHOR TITLE [BODY]  and edit, publish, comment
//   blog [--db DIR] list | show ID | by-author AUTHOR
//   blog [--db DIR] rebuild | status
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "blog_app.h"

int main(int argc, char** argv) {
  CLI::App app{"The blog of the seed documents, CQRS on a Mnemos store: commands write events, a projection\n"
               "fills the SQLite query database, queries read only that. Without a command it runs a short\n"
               "demo; run it again to continue on the same data. Exit codes: 0 done, 1 failure, 2 refused by\n"
               "a domain rule, 3 conflict, 4 no such post."};
  std::string db = "blog-data";
  app.add_option("--db", db, "Data directory: events in DIR/events, the query database in DIR/query.sqlite")
      ->capture_default_str();
  std::string backend;
  app.add_option("--backend", backend,
                 "nats://HOST:PORT[,...]: keep the events on that JetStream cluster (docs/NATS.md); "
                 "DIR/events then holds this program's local copy");

  std::string id, author, title, body, text;
  auto* demo = app.add_subcommand("demo", "Run the scripted demo (the default)");
  auto* create = app.add_subcommand("create", "Create post ID");
  auto* edit = app.add_subcommand("edit", "Give post ID a new title and body");
  auto* publish = app.add_subcommand("publish", "Publish post ID");
  auto* comment = app.add_subcommand("comment", "Comment on post ID (once published)");
  auto* list = app.add_subcommand("list", "List the published posts");
  auto* show = app.add_subcommand("show", "Show post ID with its comments");
  auto* by_author = app.add_subcommand("by-author", "List the posts of AUTHOR");
  auto* rebuild = app.add_subcommand("rebuild", "Rebuild the query database from every event");
  auto* status = app.add_subcommand("status", "The projection's checkpoint and lag");
  for (CLI::App* sub : {create, edit, publish, comment, show}) sub->add_option("id", id, "Post id (stream post-<id>)")->required();
  create->add_option("author", author, "Author")->required();
  create->add_option("title", title, "Title")->required();
  create->add_option("body", body, "Body");
  edit->add_option("title", title, "New title")->required();
  edit->add_option("body", body, "New body");
  comment->add_option("author", author, "Who comments")->required();
  comment->add_option("text", text, "The comment")->required();
  by_author->add_option("author", author, "Author")->required();
  app.require_subcommand(0, 1);
  CLI11_PARSE(app, argc, argv);

  auto opened = blog::BlogApp::open(db, backend);
  if (!opened) {
    fmt::print(stderr, "blog: cannot open {}: {}\n", db, opened.error().to_string());
    return 1;
  }
  blog::BlogApp& blog_app = **opened;
  if (*create) return blog_app.command(id, blog::CreatePost{author, title, body}, stdout);
  if (*edit) return blog_app.command(id, blog::EditPost{title, body}, stdout);
  if (*publish) return blog_app.command(id, blog::PublishPost{}, stdout);
  if (*comment) return blog_app.command(id, blog::AddComment{author, text}, stdout);
  if (*list) return blog_app.list_published(stdout);
  if (*show) return blog_app.show_post(id, stdout);
  if (*by_author) return blog_app.posts_by(author, stdout);
  if (*rebuild) return blog_app.rebuild(stdout, stderr);
  if (*status) return blog_app.status(stdout);
  (void)demo;
  return blog_app.demo(stdout);
}
