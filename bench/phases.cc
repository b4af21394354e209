#include "phases.h"

#include <fmt/format.h>

#include <atomic>
#include <exception>
#include <functional>
#include <latch>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "progress.h"
#include "system_probe.h"

namespace mnemos::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Runs body(thread, connection, recorder) on `threads` threads, each with its own connection
// (opened before the clock starts). Fills the timing fields of `result`.
void run_timed(Peer& peer, int threads, WorkloadResult& result,
               const std::function<void(int, Connection&, LatencyRecorder&)>& body) {
  std::vector<std::unique_ptr<Connection>> connections;
  for (int t = 0; t < threads; ++t) connections.push_back(peer.connect());
  std::vector<LatencyRecorder> recorders(static_cast<size_t>(threads));
  std::latch ready(threads);
  std::latch go(1);
  std::mutex error_mutex;
  std::exception_ptr error;

  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      ready.count_down();
      go.wait();
      try {
        body(t, *connections[static_cast<size_t>(t)], recorders[static_cast<size_t>(t)]);
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!error) error = std::current_exception();
      }
    });
  }
  ready.wait();
  CpuTimes cpu_before = read_cpu_times();
  auto start = Clock::now();
  go.count_down();
  for (auto& worker : workers) worker.join();
  auto end = Clock::now();
  CpuTimes cpu_after = read_cpu_times();
  if (error) std::rethrow_exception(error);

  LatencyRecorder all;
  for (const auto& recorder : recorders) all.merge(recorder);
  result.latency = all.summarize();
  result.ops = result.latency.count;
  result.seconds = std::chrono::duration<double>(end - start).count();
  result.events_per_s = result.seconds > 0 ? static_cast<double>(result.events) / result.seconds : 0;
  result.cpu_busy_pct = busy_pct(cpu_before, cpu_after);
}

WorkloadResult make_result(const Peer& peer, const char* workload, int writers) {
  WorkloadResult result;
  result.system = std::string(peer.name());
  result.workload = workload;
  result.writers = writers;
  return result;
}

void check(bool ok, const Peer& peer, const char* workload, const std::string& what) {
  if (!ok) throw BenchFailure(fmt::format("{} {}: {}", peer.name(), workload, what));
}

}  // namespace

WorkloadResult run_w1(Peer& peer, const Sizes& sizes, int writers) {
  WorkloadResult result = make_result(peer, "W1", writers);
  result.events = static_cast<uint64_t>(sizes.w1_events());
  std::atomic<uint64_t> failed{0};
  Progress progress(fmt::format("{} W1 x{}", peer.name(), writers), result.events);
  run_timed(peer, writers, result, [&](int t, Connection& connection, LatencyRecorder& latency) {
    std::vector<std::string> streams;
    for (int64_t i = t; i < sizes.w1_streams; i += writers) {
      streams.push_back(stream_id(StreamSet::kW1, i));
    }
    latency.reserve(streams.size() * static_cast<size_t>(sizes.w1_rounds));
    for (int64_t round = 0; round < sizes.w1_rounds; ++round) {
      for (const std::string& stream : streams) {
        BenchEvent event = make_event(stream, round);
        AppendOutcome outcome = timed(latency, [&] {
          return connection.append(stream, round - 1, std::span(&event, 1));
        });
        if (outcome != AppendOutcome::kOk) failed.fetch_add(1, std::memory_order_relaxed);
      }
      progress.add(streams.size());
    }
  });
  result.failed = failed.load();
  return result;
}

WorkloadResult run_w2(Peer& peer, const Sizes& sizes) {
  WorkloadResult result = make_result(peer, "W2", 1);
  result.events = static_cast<uint64_t>(sizes.w2_events());
  Progress progress(fmt::format("{} W2", peer.name()), result.events);
  run_timed(peer, 1, result, [&](int, Connection& connection, LatencyRecorder& latency) {
    latency.reserve(static_cast<size_t>(sizes.w2_streams));
    std::vector<BenchEvent> batch(static_cast<size_t>(sizes.w2_batch));
    for (int64_t i = 0; i < sizes.w2_streams; ++i) {
      std::string stream = stream_id(StreamSet::kW2, i);
      for (int64_t v = 0; v < sizes.w2_batch; ++v) batch[static_cast<size_t>(v)] = make_event(stream, v);
      AppendOutcome outcome = timed(latency, [&] { return connection.append(stream, -1, batch); });
      if (outcome != AppendOutcome::kOk) ++result.failed;
      progress.add(batch.size());
    }
  });
  return result;
}

WorkloadResult run_w3(Peer& peer, const Sizes& sizes) {
  WorkloadResult result = make_result(peer, "W3", 1);
  result.events = static_cast<uint64_t>(sizes.w2_events());
  uint64_t count = 0;
  uint64_t bytes = 0;
  run_timed(peer, 1, result, [&](int, Connection& connection, LatencyRecorder& latency) {
    latency.reserve(static_cast<size_t>(sizes.w2_events() / sizes.w3_page + 2));
    uint64_t last = 0;
    bool ordered = true;
    AllCursor cursor;
    while (!cursor.done) {
      timed(latency, [&] {
        return connection.read_all_page(cursor, static_cast<size_t>(sizes.w3_page),
                                        [&](const EventView& e) {
                                          ordered = ordered && (count == 0 || e.position > last);
                                          last = e.position;
                                          bytes += e.stream.size() + e.type.size() + e.data.size();
                                          ++count;
                                        });
      });
    }
    check(ordered, peer, "W3", "positions do not strictly increase");
  });
  check(count == result.events, peer, "W3",
        fmt::format("read {} events of {}", count, result.events));
  check(bytes > 0, peer, "W3", "read no bytes");
  return result;
}

WorkloadResult run_w4(Peer& peer, const Sizes& sizes) {
  WorkloadResult result = make_result(peer, "W4", 1);
  result.events = static_cast<uint64_t>(sizes.w4_reads * sizes.w2_batch);
  run_timed(peer, 1, result, [&](int, Connection& connection, LatencyRecorder& latency) {
    latency.reserve(static_cast<size_t>(sizes.w4_reads));
    std::mt19937_64 rng(42);
    for (int64_t r = 0; r < sizes.w4_reads; ++r) {
      std::string stream = stream_id(StreamSet::kW2, static_cast<int64_t>(rng() % static_cast<uint64_t>(sizes.w2_streams)));
      int64_t next = 0;
      bool in_order = true;
      size_t n = timed(latency, [&] {
        return connection.read_stream(stream, [&](const EventView& e) {
          in_order = in_order && e.version == next && e.stream == stream;
          ++next;
        });
      });
      check(in_order && n == static_cast<size_t>(sizes.w2_batch), peer, "W4",
            fmt::format("read of {} did not return versions 0..{} in order", stream,
                        sizes.w2_batch - 1));
    }
  });
  return result;
}

}  // namespace mnemos::bench
