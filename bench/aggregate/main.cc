// aggregate-bench: the CQRS layer's figures (docs/BENCHMARKS.md, "CQRS layer (issue 3)").
//   build/bench/aggregate-bench [--db DIR] [--events 1000] [--loads 2000] [--seconds 5]
//                               [--projection-events 1000000] [--batch 2000] [--json FILE]
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "aggregate_bench.h"
#include "system_probe.h"
#include "mnemos/cqrs/projection_runner.h"
#include "mnemos/embedded.h"

namespace agg = mnemos::bench::aggregate;

namespace {

void print_load(const char* what, const mnemos::bench::LatencySummary& s) {
  fmt::print("  {:<34} p50 {:>9.1f} us   p99 {:>9.1f} us\n", what, s.p50_us, s.p99_us);
}

void print_throughput(const char* what, const agg::ThroughputFigures& f) {
  fmt::print("  {:<34} {:>9.0f} /s   p50 {:>7.0f} us  p99 {:>7.0f} us   retries {}  conflicts {}  errors {}\n",
             what, f.commands_per_s, f.latency.p50_us, f.latency.p99_us, f.conflicts_retried,
             f.conflict_errors, f.other_errors);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Benchmarks of the CQRS layer: aggregate loads and command handling (durable)."};
  std::string db = "build/bench-aggregate";
  uint64_t events = 1000, loads = 2000, streams = 10000;
  double seconds = 5;
  int threads = 8;
  std::string json_path;
  uint64_t projection_events = 1'000'000, batch = mnemos::cqrs::RunnerOptions{}.batch_size;
  app.add_option("--db", db, "Data directory (emptied first)")->capture_default_str();
  app.add_option("--events", events, "Events in the loaded aggregate")->capture_default_str();
  app.add_option("--loads", loads, "Timed loads of each kind")->capture_default_str();
  app.add_option("--seconds", seconds, "Duration of each throughput run")->capture_default_str();
  app.add_option("--threads", threads, "Threads handling commands")->capture_default_str()->check(CLI::Range(1, 256));
  app.add_option("--streams", streams, "Distinct streams for the many-streams run")->capture_default_str();
  app.add_option("--projection-events", projection_events, "Events projected into SQLite (0: skip)")
      ->capture_default_str();
  app.add_option("--batch", batch, "Events per read-model transaction")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--json", json_path, "Also write the figures as JSON to this file");
  CLI11_PARSE(app, argc, argv);

  std::error_code ec;
  std::filesystem::remove_all(db, ec);
  auto store = mnemos::open_embedded(db);
  if (!store) {
    fmt::print(stderr, "cannot open {}: {}\n", db, store.error().to_string());
    return 1;
  }
  try {
    fmt::print("Aggregate load: a cart of {} JSON events, {} loads each\n", events, loads);
    const agg::LoadFigures load = agg::measure_load(**store, events, loads);
    print_load("read_stream of the last event", load.read_one);
    print_load("read_stream only (no decoding)", load.read_only);
    print_load("load, folding every event", load.full_fold);
    print_load("load from a snapshot", load.from_snapshot);

    fmt::print("Command handling, {} threads, {:.0f} s each (durable: one fdatasync per commit)\n",
               threads, seconds);
    const mnemos::bench::SyncLatency disk = mnemos::bench::measure_fdatasync(db + "/probe");
    const double ceiling = threads * 1e6 / disk.p50_us;
    fmt::print("  disk: fdatasync p50 {:.0f} us, p99 {:.0f} us: at most {} / p50 = {:.0f} commits/s "
               "for {} threads that each wait for their own\n",
               disk.p50_us, disk.p99_us, threads, ceiling, threads);
    const agg::ThroughputFigures plain = agg::measure_append(**store, threads, streams, seconds);
    print_throughput(fmt::format("append only, {} streams", streams).c_str(), plain);
    const agg::ThroughputFigures many = agg::measure_handle(**store, threads, streams, seconds);
    print_throughput(fmt::format("handle, {} streams", streams).c_str(), many);
    const agg::ThroughputFigures hot = agg::measure_handle(**store, threads, 1, seconds);
    print_throughput("handle, one hot stream", hot);
    fmt::print("  handle / append on many streams: {:.2f}x; handle / the disk's ceiling: {:.2f}x\n",
               many.commands_per_s / plain.commands_per_s, many.commands_per_s / ceiling);

    std::optional<agg::ProjectionFigures> projection;
    if (projection_events > 0) {
      // A store of its own, holding only the events to project.
      auto projected = mnemos::open_embedded(db + "/projection");
      if (!projected) throw std::runtime_error(projected.error().to_string());
      fmt::print("Projection into SQLite: {} cart events, batches of {}\n", projection_events, batch);
      projection = agg::measure_projection(**projected, db, projection_events, batch);
      const double n = static_cast<double>(projection_events);
      auto line = [&](const char* what, double s, double floor) {
        fmt::print("  {:<44} {:>8.3f} s  {:>10.0f} events/s  {:>5.2f}x the read\n", what, s, n / s, s / floor);
      };
      line("read (scan_all, in place)", projection->read_seconds, projection->read_seconds);
      line("read + decode JSON into cart::Event", projection->decode_seconds, projection->read_seconds);
      line("project: one row per event", projection->rows_seconds, projection->read_seconds);
      line("project: decode + upsert cart totals", projection->totals_seconds, projection->read_seconds);
      line("rebuild cart totals (drop, replay all)", projection->rebuild_seconds, projection->read_seconds);
    }

    if (!json_path.empty()) {
      nlohmann::json out = {{"load", agg::to_json(load)},
                            {"append_many_streams", agg::to_json(plain)},
                            {"handle_many_streams", agg::to_json(many)},
                            {"handle_hot_stream", agg::to_json(hot)},
                            {"fdatasync_us", {{"p50", disk.p50_us}, {"p99", disk.p99_us}}},
                            {"commit_ceiling_per_s", ceiling}};
      if (projection) out["projection"] = agg::to_json(*projection);
      std::ofstream(json_path) << out.dump(2) << '\n';
    }
    // Every command must end as a success or a typed conflict: anything else is a bug.
    return many.other_errors + hot.other_errors + plain.other_errors == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "aggregate-bench: {}\n", e.what());
    return 1;
  }
}
