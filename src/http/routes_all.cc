// GET /all: a page of $all, or with Accept: text/event-stream a subscription to it.
#include <fmt/format.h>

#include "http/request.h"
#include "http/routes.h"
#include "http/sse.h"

namespace mnemos::http {
namespace {

using json::Json;

EventFilter filter_of(const httplib::Request& req) {
  return EventFilter{req.get_param_value("type_prefix"), req.get_param_value("stream_prefix")};
}

void subscribe(Context& ctx, const httplib::Request& req, httplib::Response& res) {
  auto start = subscribe_start(req);
  if (!start) return send_error(res, start.error());
  SubscribeAllOptions options;
  options.start = start->start;
  options.from = Position{start->from};
  options.filter = filter_of(req);
  auto subscription = ctx.store.subscribe_all(options);
  if (!subscription) return send_error(res, subscription.error());
  serve_event_stream(ctx, res, std::move(*subscription), EventId::kPosition);
}

// The query of the next page: the same as this one's, from `next`.
std::string next_url(const httplib::Request& req, Position next, uint64_t limit) {
  std::string url = fmt::format("/all?from={}&limit={}", next.value, limit);
  for (const char* name : {"direction", "as_of", "type_prefix", "stream_prefix"}) {
    if (req.has_param(name)) {
      url += fmt::format("&{}={}", name, percent_encode(req.get_param_value(name)));
    }
  }
  return url;
}

void read(Context& ctx, const httplib::Request& req, httplib::Response& res) {
  auto page = page_params(req, ctx.options.default_page, ctx.options.max_page);
  if (!page) return send_error(res, page.error());
  ReadAllOptions options;
  if (page->from) options.from = Position{*page->from};
  options.limit = page->limit;
  options.direction = page->direction;
  options.as_of = page->as_of;
  options.filter = filter_of(req);
  auto result = ctx.store.read_all(options);
  if (!result) return send_error(res, result.error());
  ctx.counters.reads.fetch_add(1, std::memory_order_relaxed);
  ctx.counters.events_read.fetch_add(result->events.size(), std::memory_order_relaxed);
  Json events = Json::array();
  for (const RecordedEvent& event : result->events) events.push_back(json::event_json(event));
  Json out;
  out["events"] = std::move(events);
  out["next"] = result->next ? Json(next_url(req, *result->next, page->limit)) : Json(nullptr);
  send_json(res, 200, out);
}

}  // namespace

void add_all_routes(httplib::Server& server, Context& ctx) {
  server.Get("/all", [&ctx](const httplib::Request& req, httplib::Response& res) {
    if (wants_event_stream(req)) return subscribe(ctx, req, res);
    read(ctx, req, res);
  });
}

}  // namespace mnemos::http
