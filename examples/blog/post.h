// The blog of the seed documents, command side: a post as a decider. A post is created once,
// edited, published, and commented on once published.
// Rules: a title is required; a post exists before it is edited, published or commented; only
// a published post takes comments; a comment has an author and some text. Publishing twice
// changes nothing. Used by the blog example, its read model and its tests.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "mnemos/cqrs/decider.h"

namespace blog {

// Events: the only thing the command side writes.
struct PostCreated {
  std::string author;
  std::string title;
  std::string body;
  friend bool operator==(const PostCreated&, const PostCreated&) = default;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(PostCreated, author, title, body)
MNEMOS_EVENT_TYPE(PostCreated, "blog.post-created")

struct PostEdited {
  std::string title;
  std::string body;
  friend bool operator==(const PostEdited&, const PostEdited&) = default;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(PostEdited, title, body)
MNEMOS_EVENT_TYPE(PostEdited, "blog.post-edited")

struct PostPublished {
  friend bool operator==(const PostPublished&, const PostPublished&) = default;
};
inline void to_json(nlohmann::json& j, const PostPublished&) { j = nlohmann::json::object(); }
inline void from_json(const nlohmann::json&, PostPublished&) {}
MNEMOS_EVENT_TYPE(PostPublished, "blog.post-published")

struct CommentAdded {
  int number = 0;  // 1, 2, ... within the post
  std::string author;
  std::string text;
  friend bool operator==(const CommentAdded&, const CommentAdded&) = default;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CommentAdded, number, author, text)
MNEMOS_EVENT_TYPE(CommentAdded, "blog.comment-added")

using Event = std::variant<PostCreated, PostEdited, PostPublished, CommentAdded>;

// Commands
struct CreatePost {
  std::string author;
  std::string title;
  std::string body;
};
struct EditPost {
  std::string title;
  std::string body;
};
struct PublishPost {};
struct AddComment {
  std::string author;
  std::string text;
};
using Command = std::variant<CreatePost, EditPost, PublishPost, AddComment>;

// What the command side needs to decide: not what the query side shows.
struct State {
  bool exists = false;
  bool published = false;
  int comments = 0;
};

enum class Error { kAlreadyExists, kNoSuchPost, kEmptyTitle, kNotPublished, kEmptyComment };

inline const char* describe(Error error) {
  switch (error) {
    case Error::kAlreadyExists: return "a post with that id already exists";
    case Error::kNoSuchPost: return "there is no post with that id";
    case Error::kEmptyTitle: return "a post needs a title";
    case Error::kNotPublished: return "comments are open once the post is published";
    case Error::kEmptyComment: return "a comment needs an author and some text";
  }
  return "unknown error";
}

struct Decider {
  using State = blog::State;
  using Command = blog::Command;
  using Event = blog::Event;
  using Error = blog::Error;

  State initial_state() const { return {}; }

  mnemos::cqrs::Decision<Event, Error> decide(const Command& command, const State& state) const {
    using Out = mnemos::cqrs::Decision<Event, Error>;
    struct Visitor {
      const State& s;
      Out operator()(const CreatePost& c) const {
        if (s.exists) return std::unexpected(Error::kAlreadyExists);
        if (c.title.empty()) return std::unexpected(Error::kEmptyTitle);
        return std::vector<Event>{PostCreated{c.author, c.title, c.body}};
      }
      Out operator()(const EditPost& c) const {
        if (!s.exists) return std::unexpected(Error::kNoSuchPost);
        if (c.title.empty()) return std::unexpected(Error::kEmptyTitle);
        return std::vector<Event>{PostEdited{c.title, c.body}};
      }
      Out operator()(const PublishPost&) const {
        if (!s.exists) return std::unexpected(Error::kNoSuchPost);
        if (s.published) return std::vector<Event>{};
        return std::vector<Event>{PostPublished{}};
      }
      Out operator()(const AddComment& c) const {
        if (!s.exists) return std::unexpected(Error::kNoSuchPost);
        if (!s.published) return std::unexpected(Error::kNotPublished);
        if (c.author.empty() || c.text.empty()) return std::unexpected(Error::kEmptyComment);
        return std::vector<Event>{CommentAdded{s.comments + 1, c.author, c.text}};
      }
    };
    return std::visit(Visitor{state}, command);
  }

  State evolve(State state, const Event& event) const {
    struct Visitor {
      State& s;
      void operator()(const PostCreated&) const { s.exists = true; }
      void operator()(const PostEdited&) const {}
      void operator()(const PostPublished&) const { s.published = true; }
      void operator()(const CommentAdded& e) const { s.comments = e.number; }
    };
    std::visit(Visitor{state}, event);
    return state;
  }
};

static_assert(mnemos::cqrs::Decider<Decider>);

// Every post is the stream "post-<id>".
inline std::string stream_of(const std::string& post_id) { return "post-" + post_id; }
inline constexpr std::string_view kStreamPrefix = "post-";

}  // namespace blog
