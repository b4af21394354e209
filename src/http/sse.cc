#include "http/sse.h"

#include <chrono>

#include <fmt/format.h>

#include "http/request.h"
#include "json/event_json.h"

namespace mnemos::http {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxBatchMessages = 512;
constexpr size_t kMaxBatchBytes = 256 << 10;

// One SSE connection; freed by httplib when the response is done with.
struct EventStream {
  EventStream(Context& c, std::shared_ptr<Subscription> s, uint64_t sl, EventId i)
      : ctx(&c), subscription(std::move(s)), slot(sl), id(i) {}
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;

  Context* ctx;
  std::shared_ptr<Subscription> subscription;
  uint64_t slot;
  EventId id;
  Clock::time_point last_write = Clock::now();

  ~EventStream() {
    subscription->cancel();
    ctx->subscribers.remove(slot);
  }

  // Appends `message` as SSE text to `out`.
  void put(const SubscriptionMessage& message, std::string& out) {
    if (const auto* event = std::get_if<RecordedEvent>(&message)) {
      const uint64_t event_id = id == EventId::kRevision ? event->revision.value : event->position.value;
      fmt::format_to(std::back_inserter(out), "id: {}\ndata: {}\n\n", event_id,
                     json::dump_line(json::event_json(*event)));
      ctx->counters.sse_events.fetch_add(1, std::memory_order_relaxed);
      ctx->subscribers.delivered(slot, event->position);
    } else if (const auto* caught_up = std::get_if<CaughtUp>(&message)) {
      fmt::format_to(std::back_inserter(out), "event: caught-up\ndata: {{\"position\":{}}}\n\n",
                     caught_up->head.value);
      ctx->subscribers.delivered(slot, caught_up->head);
    } else if (const auto* checkpoint = std::get_if<Checkpoint>(&message)) {
      ctx->subscribers.delivered(slot, checkpoint->position);
    }
  }

  // One turn of httplib's content provider loop: waits up to the poll interval for messages,
  // writes what came (or a keepalive when due). Returns false to drop the connection.
  bool turn(httplib::DataSink& sink) {
    std::string out;
    bool end = false;
    auto message = subscription->next(ctx->options.poll_interval);
    size_t count = 0;
    while (message && *message) {
      put(**message, out);
      if (++count >= kMaxBatchMessages || out.size() >= kMaxBatchBytes) break;
      message = subscription->next(std::chrono::milliseconds(0));
    }
    if (!message) {
      const Error& error = message.error();
      if (error.code != ErrorCode::kCancelled && error.code != ErrorCode::kStopped) {
        // The stream was tombstoned, or the store failed: say why, then end.
        fmt::format_to(std::back_inserter(out), "event: error\ndata: {}\n\n",
                       json::dump_line(json::error_line_json(error)));
      }
      end = true;
    }
    if (out.empty() && Clock::now() - last_write >= ctx->options.keepalive_interval) {
      out = ": keepalive\n\n";
    }
    if (!out.empty()) {
      if (!sink.write(out.data(), out.size())) return false;
      last_write = Clock::now();
    }
    if (end) sink.done();
    return true;
  }
};

std::optional<uint64_t> parse_u64(const std::string& text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos || text.size() > 19) {
    return std::nullopt;
  }
  return std::stoull(text);
}

}  // namespace

bool wants_event_stream(const httplib::Request& req) {
  return req.get_header_value("Accept").find("text/event-stream") != std::string::npos;
}

Result<SubscribeStart> subscribe_start(const httplib::Request& req) {
  if (req.has_header("Last-Event-ID")) {
    const std::string text = req.get_header_value("Last-Event-ID");
    auto last = parse_u64(text);
    if (!last) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("Last-Event-ID must be an event id sent by this server (an "
                                    "integer), not '{}'",
                                    text));
    }
    return SubscribeStart{StartAt::kFrom, *last + 1};
  }
  if (!req.has_param("from")) return SubscribeStart{};
  const std::string text = req.get_param_value("from");
  if (text == "end") return SubscribeStart{StartAt::kEnd, 0};
  auto from = parse_u64(text);
  if (!from) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("'from' must be an integer or 'end', not '{}'", text));
  }
  return SubscribeStart{StartAt::kFrom, *from};
}

void serve_event_stream(Context& ctx, httplib::Response& res,
                        std::unique_ptr<Subscription> subscription, EventId id) {
  std::shared_ptr<Subscription> shared = std::move(subscription);
  auto slot = ctx.subscribers.add(shared);
  if (!slot) {
    shared->cancel();
    send_error(res, 503, ErrorCode::kStopped,
               fmt::format("the server takes {} subscribers at a time, or is shutting down",
                           ctx.options.max_subscribers));
    return;
  }
  ctx.counters.subscriptions_started.fetch_add(1, std::memory_order_relaxed);
  auto stream = std::make_shared<EventStream>(ctx, std::move(shared), *slot, id);
  res.status = 200;
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  res.set_chunked_content_provider(
      "text/event-stream",
      [stream](size_t, httplib::DataSink& sink) { return stream->turn(sink); },
      [stream](bool) mutable { stream.reset(); });
}

}  // namespace mnemos::http
