// GET /stats, /health/live, /health/ready, /metrics.
#include "http/request.h"
#include "http/routes.h"

namespace mnemos::http {

MetricsSnapshot Context::snapshot(const StoreStats& stats) const {
  MetricsSnapshot m;
  m.store = stats;
  m.events_appended = stats.events >= events_at_start ? stats.events - events_at_start : 0;
  m.requests = counters.requests.load(std::memory_order_relaxed);
  m.reads = counters.reads.load(std::memory_order_relaxed);
  m.events_read = counters.events_read.load(std::memory_order_relaxed);
  m.subscriptions = subscribers.active();
  m.subscriptions_started = counters.subscriptions_started.load(std::memory_order_relaxed);
  m.sse_events = counters.sse_events.load(std::memory_order_relaxed);
  m.max_lag = subscribers.max_lag(stats.head);
  m.uptime_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return m;
}

void add_admin_routes(httplib::Server& server, Context& ctx) {
  server.Get("/stats", [&ctx](const httplib::Request&, httplib::Response& res) {
    auto stats = ctx.store.stats();
    if (!stats) return send_error(res, stats.error());
    send_json(res, 200, stats_body(ctx.snapshot(*stats)));
  });
  server.Get("/metrics", [&ctx](const httplib::Request&, httplib::Response& res) {
    auto stats = ctx.store.stats();
    if (!stats) return send_error(res, stats.error());
    res.status = 200;
    res.set_content(prometheus_text(ctx.snapshot(*stats)), "text/plain; version=0.0.4; charset=utf-8");
  });
  server.Get("/health/live", [](const httplib::Request&, httplib::Response& res) {
    send_json(res, 200, json::Json{{"status", "ok"}});
  });
  // Ready while the store answers: it stops answering once closed or after a write failure.
  server.Get("/health/ready", [&ctx](const httplib::Request&, httplib::Response& res) {
    auto stats = ctx.store.stats();
    if (!stats) {
      json::Json body = json::error_line_json(stats.error());
      body["status"] = "unavailable";
      return send_json(res, 503, body);
    }
    send_json(res, 200, json::Json{{"status", "ok"}});
  });
}

}  // namespace mnemos::http
