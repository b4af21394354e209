#include "http/metrics.h"

#include <fmt/format.h>

namespace mnemos::http {
namespace {

void metric(std::string& out, std::string_view name, std::string_view type, std::string_view help,
            double value) {
  fmt::format_to(std::back_inserter(out), "# HELP {0} {1}\n# TYPE {0} {2}\n{0} {3}\n", name, help,
                 type, value);
}

// Prometheus wants cumulative buckets, with `le` in seconds.
void histogram_seconds(std::string& out, std::string_view name, std::string_view help,
                       const LatencyHistogram& h) {
  fmt::format_to(std::back_inserter(out), "# HELP {0} {1}\n# TYPE {0} histogram\n", name, help);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < LatencyHistogram::kBounded; ++i) {
    cumulative += h.buckets[i];
    fmt::format_to(std::back_inserter(out), "{}_bucket{{le=\"{}\"}} {}\n", name,
                   static_cast<double>(LatencyHistogram::upper_bound_micros(i)) / 1e6, cumulative);
  }
  fmt::format_to(std::back_inserter(out), "{0}_bucket{{le=\"+Inf\"}} {1}\n{0}_sum {2}\n{0}_count {1}\n",
                 name, h.count, static_cast<double>(h.sum_micros) / 1e6);
}

}  // namespace

json::Json stats_body(const MetricsSnapshot& m) {
  json::Json out = json::stats_json(m.store);
  out["events_appended"] = m.events_appended;
  out["reads"] = m.reads;
  const LatencyHistogram& h = m.store.sync_latency;
  json::Json latency;
  latency["count"] = h.count;
  latency["sum"] = h.sum_micros;
  latency["p50"] = h.quantile_micros(0.50);
  latency["p99"] = h.quantile_micros(0.99);
  out["sync_latency_us"] = std::move(latency);
  out["subscriptions"] = m.subscriptions;
  out["uptime_seconds"] = m.uptime_seconds;
  return out;
}

std::string prometheus_text(const MetricsSnapshot& m) {
  const StoreStats& s = m.store;
  std::string out;
  metric(out, "mnemos_appends_total", "counter", "Appends committed since the store opened.",
         static_cast<double>(s.appends));
  metric(out, "mnemos_events_appended_total", "counter", "Events appended since the server started.",
         static_cast<double>(m.events_appended));
  metric(out, "mnemos_events", "gauge", "Events in the store.", static_cast<double>(s.events));
  metric(out, "mnemos_streams", "gauge", "Streams in the store.", static_cast<double>(s.streams));
  metric(out, "mnemos_log_bytes", "gauge", "Bytes used in log segments.", static_cast<double>(s.log_bytes));
  metric(out, "mnemos_index_bytes", "gauge", "Bytes of the index on disk.", static_cast<double>(s.index_bytes));
  metric(out, "mnemos_segments", "gauge", "Log segments.", static_cast<double>(s.segments));
  metric(out, "mnemos_head_position", "gauge", "Position of the last committed event.",
         static_cast<double>(s.head.value));
  metric(out, "mnemos_fsyncs_total", "counter", "Log syncs (fdatasync) since the store opened.",
         static_cast<double>(s.syncs));
  histogram_seconds(out, "mnemos_fsync_seconds", "Duration of the log syncs.", s.sync_latency);
  metric(out, "mnemos_http_requests_total", "counter", "HTTP requests answered.",
         static_cast<double>(m.requests));
  metric(out, "mnemos_reads_total", "counter", "Read requests (GET of a stream or of $all).",
         static_cast<double>(m.reads));
  metric(out, "mnemos_read_events_total", "counter", "Events returned by read requests.",
         static_cast<double>(m.events_read));
  metric(out, "mnemos_subscriptions", "gauge", "Active SSE subscriptions.",
         static_cast<double>(m.subscriptions));
  metric(out, "mnemos_subscriptions_started_total", "counter", "SSE subscriptions started.",
         static_cast<double>(m.subscriptions_started));
  metric(out, "mnemos_subscription_events_total", "counter", "Events sent to SSE subscribers.",
         static_cast<double>(m.sse_events));
  metric(out, "mnemos_subscription_lag_bytes", "gauge",
         "How far (in log positions) the slowest SSE subscriber is behind the head.",
         static_cast<double>(m.max_lag));
  metric(out, "mnemos_uptime_seconds", "gauge", "Seconds since the server started.", m.uptime_seconds);
  return out;
}

}  // namespace mnemos::http
