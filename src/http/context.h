// Context: what every route handler works with. One per HttpServer, shared by its listeners.
#pragma once

#include <chrono>
#include <cstdint>

#include "http/http_server.h"
#include "http/metrics.h"
#include "http/subscribers.h"
#include "mnemos/store.h"

namespace mnemos::http {

struct Context {
  Context(Store& s, const HttpOptions& o)
      : store(s), options(o), subscribers(o.max_subscribers) {}

  Store& store;
  const HttpOptions options;
  HttpCounters counters;
  Subscribers subscribers;
  const std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  uint64_t events_at_start = 0;

  MetricsSnapshot snapshot(const StoreStats& stats) const;
};

}  // namespace mnemos::http
