// Server-sent events: a Store subscription served as text/event-stream (docs/HTTP.md,
// "Subscribe"). Each stream holds one pool thread; it reads the subscription with a timeout and
// writes with a timeout, so a slow or vanished client never holds up writers, and it ends when
// the client goes, the subscription ends or the server shuts down.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <httplib.h>

#include "http/context.h"
#include "mnemos/store.h"

namespace mnemos::http {

// The `id:` of each event message, and so what Last-Event-ID resumes from.
enum class EventId { kRevision, kPosition };

// True when the request's Accept asks for text/event-stream.
bool wants_event_stream(const httplib::Request& req);

// Where a subscription starts: `Last-Event-ID` (after it), else `from` ("end": live only; a
// number: inclusive), else the beginning.
struct SubscribeStart {
  StartAt start = StartAt::kBeginning;
  uint64_t from = 0;
};
Result<SubscribeStart> subscribe_start(const httplib::Request& req);

// Serves `subscription` on `res`, or answers 503 when the server has as many subscribers as
// it takes.
void serve_event_stream(Context& ctx, httplib::Response& res,
                        std::unique_ptr<Subscription> subscription, EventId id);

}  // namespace mnemos::http
