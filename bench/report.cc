#include "report.h"

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "peer.h"

namespace mnemos::bench {
namespace {

const WorkloadResult* find_sqlite(const BenchReport& report, const WorkloadResult& row) {
  for (const WorkloadResult& other : report.results) {
    if (other.system == "sqlite" && other.workload == row.workload &&
        other.writers == row.writers) {
      return &other;
    }
  }
  return nullptr;
}

std::string ratio(double a, double b) { return b > 0 ? fmt::format("{:.2f}x", a / b) : "-"; }

std::string scale_note(const Sizes& sizes) {
  if (sizes.scale == 1.0) return "full size (WORKLOADS.md numbers)";
  return fmt::format("SCALED RUN x{}: {} W1 events, {} W2 events, {} W4 reads "
                     "(not the WORKLOADS.md sizes)",
                     sizes.scale, sizes.w1_events(), sizes.w2_events(), sizes.w4_reads);
}

}  // namespace

void print_report(const BenchReport& report, std::FILE* out) {
  fmt::print(out, "mnemos bench: {}\n\n", scale_note(report.sizes));
  fmt::print(out, "{:<7} {:<3} {:>3} {:>11} {:>9} {:>9} {:>9} {:>9} {:>7} {:>7} {:>5} {:>6} {:>9} {:>8}\n",
             "system", "wl", "wr", "events/s", "p50 us", "p99 us", "p99.9 us", "max us", "B/ev",
             "du B/ev", "cpu%", "failed", "ev/s rt", "B/ev rt");
  for (const WorkloadResult& r : report.results) {
    const WorkloadResult* sqlite = r.system == "sqlite" ? nullptr : find_sqlite(report, r);
    fmt::print(out,
               "{:<7} {:<3} {:>3} {:>11.0f} {:>9.1f} {:>9.1f} {:>9.1f} {:>9.1f} {:>7.1f} {:>7.1f} "
               "{:>5.0f} {:>6} {:>9} {:>8}\n",
               r.system, r.workload, r.writers, r.events_per_s, r.latency.p50_us, r.latency.p99_us,
               r.latency.p999_us, r.latency.max_us, r.bytes_per_event, r.raw_bytes_per_event,
               r.cpu_busy_pct, r.failed, sqlite ? ratio(r.events_per_s, sqlite->events_per_s) : "",
               sqlite ? ratio(r.bytes_per_event, sqlite->bytes_per_event) : "");
  }
  fmt::print(out,
             "\nwl: workload; wr: writer threads; latency per operation (W1: append of 1 event, "
             "W2: append of {} events, W3: page of {} events, W4: read of one stream);\n"
             "B/ev: store bytes per event (mnemos: log bytes used + index; sqlite: .db after "
             "checkpoint + -wal); du B/ev: allocated blocks of the directory;\n"
             "cpu%: machine-wide busy share of all cores; rt: ratio to sqlite (events/s, bytes "
             "per event).\n",
             report.sizes.w2_batch, report.sizes.w3_page);
  for (const ExtraResult& e : report.extras) {
    fmt::print(out, "\n{}: store of {} events filled in {:.1f} s ({:.0f} events/s)\n", e.system,
               e.events, e.fill_seconds, static_cast<double>(e.events) / e.fill_seconds);
    if (e.reopen_seconds) fmt::print(out, "  reopen: {:.1f} ms\n", *e.reopen_seconds * 1000);
    if (!e.rss_mib.empty()) {
      fmt::print(out, "  rss while filling (events, VmRSS MiB), peak {:.1f} MiB:\n", e.peak_rss_mib);
      for (const auto& [events, mib] : e.rss_mib) fmt::print(out, "  {:>12} {:>8.1f}\n", events, mib);
    }
  }
  std::fflush(out);
}

void write_json(const BenchReport& report, const std::string& path) {
  nlohmann::json results = nlohmann::json::array();
  for (const WorkloadResult& r : report.results) {
    results.push_back({{"system", r.system},
                       {"workload", r.workload},
                       {"writers", r.writers},
                       {"events_per_s", r.events_per_s},
                       {"p50_us", r.latency.p50_us},
                       {"p99_us", r.latency.p99_us},
                       {"p999_us", r.latency.p999_us},
                       {"bytes_per_event", r.bytes_per_event},
                       {"max_us", r.latency.max_us},
                       {"raw_bytes_per_event", r.raw_bytes_per_event},
                       {"cpu_busy_pct", r.cpu_busy_pct},
                       {"ops", r.ops},
                       {"events", r.events},
                       {"failed", r.failed},
                       {"seconds", r.seconds}});
  }
  nlohmann::json extras = nlohmann::json::array();
  for (const ExtraResult& e : report.extras) {
    nlohmann::json extra = {{"system", e.system}, {"events", e.events}, {"fill_seconds", e.fill_seconds}};
    if (e.reopen_seconds) extra["reopen_seconds"] = *e.reopen_seconds;
    if (!e.rss_mib.empty()) {
      extra["peak_rss_mib"] = e.peak_rss_mib;
      nlohmann::json series = nlohmann::json::array();
      for (const auto& [events, mib] : e.rss_mib) series.push_back({{"events", events}, {"rss_mib", mib}});
      extra["rss_mib"] = series;
    }
    extras.push_back(extra);
  }
  nlohmann::json doc = {{"results", results},
                        {"extras", extras},
                        {"scale", report.sizes.scale},
                        {"scaled", report.sizes.scale != 1.0}};
  std::ofstream out(path);
  out << doc.dump(2) << '\n';
  if (!out) throw BenchFailure(fmt::format("cannot write {}", path));
}

}  // namespace mnemos::bench
