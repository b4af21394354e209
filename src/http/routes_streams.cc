// POST/GET/DELETE /streams/{stream}, GET/PUT /streams/{stream}/metadata, GET /streams.
#include <fmt/format.h>

#include "http/request.h"
#include "http/routes.h"
#include "http/sse.h"

namespace mnemos::http {
namespace {

using json::Json;

std::string_view direction_name(Direction d) {
  return d == Direction::kForwards ? "forwards" : "backwards";
}

void append(Context& ctx, const StreamPath& path, const httplib::Request& req,
            httplib::Response& res) {
  auto expected = expected_param(req);
  if (!expected) return send_error(res, expected.error());
  auto events = events_from_body(req.body);
  if (!events) return send_error(res, events.error());
  auto result = ctx.store.append(path.stream, *expected, std::move(*events));
  if (!result) return send_error(res, result.error());
  send_json(res, 201, json::ack_json(path.stream, *result));
}

void subscribe(Context& ctx, const StreamPath& path, const httplib::Request& req,
               httplib::Response& res) {
  auto start = subscribe_start(req);
  if (!start) return send_error(res, start.error());
  SubscribeStreamOptions options;
  options.start = start->start;
  options.from = Revision{start->from};
  auto subscription = ctx.store.subscribe_stream(path.stream, options);
  if (!subscription) return send_error(res, subscription.error());
  serve_event_stream(ctx, res, std::move(*subscription), EventId::kRevision);
}

void read(Context& ctx, const StreamPath& path, const httplib::Request& req,
          httplib::Response& res) {
  ReadStreamOptions options;
  auto page = page_params(req, ctx.options.default_page, ctx.options.max_page);
  if (!page) return send_error(res, page.error());
  if (page->from) options.from = Revision{*page->from};
  options.limit = page->limit;
  options.direction = page->direction;
  options.as_of = page->as_of;
  auto result = ctx.store.read_stream(path.stream, options);
  if (!result) {
    Error error = result.error();
    // A tombstoned stream reads as not found (404), with its own code.
    if (error.code == ErrorCode::kStreamDeleted) {
      return send_error(res, 404, error.code, error.message);
    }
    return send_error(res, error);
  }
  ctx.counters.reads.fetch_add(1, std::memory_order_relaxed);
  ctx.counters.events_read.fetch_add(result->events.size(), std::memory_order_relaxed);
  Json out;
  out["stream"] = path.stream;
  Json events = Json::array();
  for (const RecordedEvent& event : result->events) events.push_back(json::event_json(event));
  out["events"] = std::move(events);
  if (result->next) {
    std::string next = fmt::format("/streams/{}?from={}&limit={}&direction={}",
                                   percent_encode(path.stream), result->next->value, page->limit,
                                   direction_name(page->direction));
    if (req.has_param("as_of")) next += "&as_of=" + percent_encode(req.get_param_value("as_of"));
    out["next"] = std::move(next);
  } else {
    out["next"] = nullptr;
  }
  send_json(res, 200, out);
}

void remove(Context& ctx, const StreamPath& path, const httplib::Request& req,
            httplib::Response& res) {
  auto expected = expected_param(req);
  if (!expected) return send_error(res, expected.error());
  auto hard = bool_param(req, "hard");
  if (!hard) return send_error(res, hard.error());
  auto result = *hard ? ctx.store.tombstone_stream(path.stream, *expected)
                      : ctx.store.delete_stream(path.stream, *expected);
  if (!result) return send_error(res, result.error());
  res.status = 204;
}

void get_metadata(Context& ctx, const StreamPath& path, httplib::Response& res) {
  auto result = ctx.store.get_metadata(path.stream);
  if (!result) return send_error(res, result.error());
  send_json(res, 200, json::metadata_json(path.stream, *result));
}

void set_metadata(Context& ctx, const StreamPath& path, const httplib::Request& req,
                  httplib::Response& res) {
  auto expected = expected_param(req);
  if (!expected) return send_error(res, expected.error());
  auto body = json_body(req.body);
  if (!body) return send_error(res, body.error());
  if (!body->is_object()) {
    return send_error(res, 400, ErrorCode::kInvalidArgument,
                      "the metadata must be a JSON object, e.g. {\"$maxCount\":10}");
  }
  auto result = ctx.store.set_metadata(path.stream, req.body, *expected);
  if (!result) return send_error(res, result.error());
  send_json(res, 200, json::ack_json("$$" + path.stream, *result));  // appended to $$stream
}

void list(Context& ctx, const httplib::Request& req, httplib::Response& res) {
  auto limit = limit_param(req, ctx.options.default_page, ctx.options.max_page);
  if (!limit) return send_error(res, limit.error());
  ListStreamsOptions options;
  options.prefix = req.get_param_value("prefix");
  options.after = req.get_param_value("after");
  options.limit = *limit + 1;  // one more says whether there is a next page
  auto result = ctx.store.list_streams(options);
  if (!result) return send_error(res, result.error());
  const bool more = result->size() > *limit;
  if (more) result->resize(*limit);
  Json streams = Json::array();
  for (const StreamSummary& summary : *result) {
    Json s;
    s["name"] = summary.name;
    s["last_revision"] = summary.last_revision ? Json(summary.last_revision->value) : Json(nullptr);
    s["state"] = json::stream_state_name(summary.state);
    streams.push_back(std::move(s));
  }
  Json out;
  out["streams"] = std::move(streams);
  out["next"] = more ? Json(fmt::format("/streams?prefix={}&limit={}&after={}",
                                        percent_encode(options.prefix), *limit,
                                        percent_encode(result->back().name)))
                     : Json(nullptr);
  send_json(res, 200, out);
}

// Runs `handle` on the stream of the path when the path is /streams/{stream}[/`rest`].
template <class Handle>
httplib::Server::Handler on_stream(Context& ctx, std::string_view rest, Handle handle) {
  return [&ctx, rest, handle](const httplib::Request& req, httplib::Response& res) {
    auto path = stream_path(req);
    if (!path) return send_error(res, path.error());
    if (path->rest != rest) return send_no_route(req, res);
    handle(ctx, *path, req, res);
  };
}

}  // namespace

void add_stream_routes(httplib::Server& server, Context& ctx) {
  constexpr const char* kStream = "/streams/.+";
  server.Get("/streams", [&ctx](const httplib::Request& req, httplib::Response& res) {
    list(ctx, req, res);
  });
  server.Post(kStream, on_stream(ctx, "", append));
  server.Delete(kStream, on_stream(ctx, "", remove));
  server.Put(kStream, on_stream(ctx, "metadata", set_metadata));
  server.Get(kStream, [&ctx](const httplib::Request& req, httplib::Response& res) {
    auto path = stream_path(req);
    if (!path) return send_error(res, path.error());
    if (path->rest == "metadata") return get_metadata(ctx, *path, res);
    if (!path->rest.empty()) return send_no_route(req, res);
    if (wants_event_stream(req)) return subscribe(ctx, *path, req, res);
    read(ctx, *path, req, res);
  });
}

}  // namespace mnemos::http
