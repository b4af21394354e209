#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "aggregate_bench.h"
#include "cart.h"
#include "mnemos/cqrs/command_handler.h"

namespace mnemos::bench::aggregate {
namespace {

using Clock = std::chrono::steady_clock;

struct ThreadTally {
  uint64_t succeeded = 0, retried = 0, conflicts = 0, errors = 0;
  LatencyRecorder latency;
};

// Runs `op(thread, stream, tally)` in `threads` threads for `seconds`, thread t cycling through
// the streams t, t + threads, ... (all on stream 0 when there is one).
template <class Op>
ThroughputFigures run(int threads, uint64_t streams, double seconds, Op&& op) {
  std::vector<ThreadTally> tallies(static_cast<size_t>(threads));
  std::atomic<bool> stop{false};
  std::vector<std::thread> workers;
  const auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      ThreadTally& tally = tallies[static_cast<size_t>(t)];
      uint64_t next = static_cast<uint64_t>(t);
      while (!stop.load(std::memory_order_relaxed)) {
        const uint64_t stream = streams <= 1 ? 0 : next % streams;
        next += static_cast<uint64_t>(threads);
        const auto begin = Clock::now();
        op(stream, tally);
        tally.latency.record(Clock::now() - begin);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& w : workers) w.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();

  ThroughputFigures f;
  f.threads = threads;
  f.streams = streams;
  f.seconds = elapsed;
  LatencyRecorder all;
  for (const ThreadTally& tally : tallies) {
    f.succeeded += tally.succeeded;
    f.conflicts_retried += tally.retried;
    f.conflict_errors += tally.conflicts;
    f.other_errors += tally.errors;
    all.merge(tally.latency);
  }
  f.commands_per_s = static_cast<double>(f.succeeded) / elapsed;
  f.latency = all.summarize();
  return f;
}

std::string stream_name(const char* kind, uint64_t n) { return std::string(kind) + std::to_string(n); }

}  // namespace

ThroughputFigures measure_handle(Store& store, int threads, uint64_t streams, double seconds) {
  const cart::Decider decider;
  cqrs::HandleOptions options;
  options.max_retries = 8;
  // As an application would configure a busy aggregate: a snapshot every 100 events keeps each
  // load (and each retry after a conflict) short however long the stream grows.
  options.snapshots = cqrs::SnapshotPolicy{};
  const std::string kind = streams <= 1 ? "hot-cart-" : "cart-";
  return run(threads, streams, seconds, [&](uint64_t stream, ThreadTally& tally) {
    auto handled = cqrs::handle(store, decider, stream_name(kind.c_str(), stream),
                                cart::AddItem{"sku-1", 1}, options);
    if (handled) {
      ++tally.succeeded;
      tally.retried += static_cast<uint64_t>(handled->attempts - 1);
    } else if (cqrs::is_conflict(handled.error())) {
      ++tally.conflicts;
      tally.retried += static_cast<uint64_t>(options.max_retries);
    } else {
      ++tally.errors;
    }
  });
}

ThroughputFigures measure_append(Store& store, int threads, uint64_t streams, double seconds) {
  const EventData event = *cqrs::encode(cart::Event{cart::ItemAdded{"sku-1", 1}});
  return run(threads, streams, seconds, [&](uint64_t stream, ThreadTally& tally) {
    auto appended = store.append(stream_name("plain-", stream), ExpectedRevision::any(), {event});
    ++(appended ? tally.succeeded : tally.errors);
  });
}

nlohmann::json to_json(const ThroughputFigures& f) {
  return {{"threads", f.threads},           {"streams", f.streams},
          {"seconds", f.seconds},           {"succeeded", f.succeeded},
          {"commands_per_s", f.commands_per_s}, {"conflicts_retried", f.conflicts_retried},
          {"conflict_errors", f.conflict_errors}, {"other_errors", f.other_errors},
          {"latency", to_json(f.latency)}};
}

}  // namespace mnemos::bench::aggregate
