// What the HTTP layer counts, beside the store's own StoreStats, and how /stats and /metrics
// print both.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "json/event_json.h"
#include "mnemos/types.h"

namespace mnemos::http {

struct HttpCounters {
  std::atomic<uint64_t> requests{0};      // every request answered
  std::atomic<uint64_t> reads{0};         // GET /streams/{s} and GET /all (not SSE)
  std::atomic<uint64_t> events_read{0};   // events those reads returned
  std::atomic<uint64_t> subscriptions_started{0};
  std::atomic<uint64_t> sse_events{0};    // events sent to SSE subscribers
};

// What one /stats or /metrics answer is made of.
struct MetricsSnapshot {
  StoreStats store;
  uint64_t events_appended = 0;  // since the server started
  uint64_t requests = 0;
  uint64_t reads = 0;
  uint64_t events_read = 0;
  uint64_t subscriptions = 0;  // active SSE streams
  uint64_t subscriptions_started = 0;
  uint64_t sse_events = 0;
  uint64_t max_lag = 0;  // positions (log bytes) the slowest SSE subscriber is behind the head
  double uptime_seconds = 0;
};

// The /stats body of docs/HTTP.md.
json::Json stats_body(const MetricsSnapshot& m);

// The Prometheus text exposition format (version 0.0.4).
std::string prometheus_text(const MetricsSnapshot& m);

}  // namespace mnemos::http
