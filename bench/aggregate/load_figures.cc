#include <string>

#include "aggregate_bench.h"
#include "cart.h"
#include "mnemos/cqrs/command_handler.h"

namespace mnemos::bench::aggregate {
namespace {

template <class Op>
LatencySummary repeat(uint64_t n, Op&& op) {
  LatencyRecorder recorder;
  recorder.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    if (!timed(recorder, op)) throw std::runtime_error("an aggregate load failed");
  }
  return recorder.summarize();
}

}  // namespace

LoadFigures measure_load(Store& store, uint64_t events, uint64_t loads) {
  const std::string stream = "bench-cart-" + std::to_string(events);
  std::vector<EventData> batch;
  for (uint64_t i = 0; i < events; ++i) {
    // A cart that keeps changing: 20 items, each added and re-quantified over and over.
    const std::string sku = "sku-" + std::to_string(i % 20);
    cart::Event event = i % 3 == 2 ? cart::Event{cart::QuantityChanged{sku, static_cast<int>(i % 9)}}
                                   : cart::Event{cart::ItemAdded{sku, 1}};
    batch.push_back(*cqrs::encode(event));
  }
  auto appended = store.append(stream, ExpectedRevision::no_stream(), std::move(batch));
  if (!appended) throw std::runtime_error("cannot append the aggregate: " + appended.error().to_string());

  cart::Decider decider;
  cqrs::SnapshotPolicy policy;
  policy.every = events;
  auto full = cqrs::load(store, decider, stream);
  if (!full) throw std::runtime_error("cannot load the aggregate: " + full.error().to_string());
  auto written = cqrs::write_snapshot(
      store, stream, full->state,
      cqrs::SnapshotPoint{appended->last_revision, appended->position, appended->timestamp}, policy);
  if (!written) throw std::runtime_error("cannot write the snapshot: " + written.error().to_string());

  LoadFigures figures;
  figures.events = events;
  ReadStreamOptions last;
  last.direction = Direction::kBackwards;
  last.limit = 1;
  figures.read_one = repeat(loads, [&] { return store.read_stream(stream, last).has_value(); });
  figures.read_only = repeat(loads, [&] { return store.read_stream(stream, {}).has_value(); });
  figures.full_fold = repeat(loads, [&] { return cqrs::load(store, decider, stream).has_value(); });
  cqrs::LoadOptions with_snapshot;
  with_snapshot.snapshots = policy;
  figures.from_snapshot = repeat(loads, [&] {
    auto loaded = cqrs::load(store, decider, stream, with_snapshot);
    return loaded && loaded->snapshot && loaded->state == full->state;
  });
  return figures;
}

nlohmann::json to_json(const LatencySummary& s) {
  return {{"p50_us", s.p50_us}, {"p99_us", s.p99_us}, {"max_us", s.max_us}, {"count", s.count}};
}

nlohmann::json to_json(const LoadFigures& f) {
  return {{"events", f.events},
          {"read_one", to_json(f.read_one)},
          {"read_only", to_json(f.read_only)},
          {"full_fold", to_json(f.full_fold)},
          {"from_snapshot", to_json(f.from_snapshot)}};
}

}  // namespace mnemos::bench::aggregate
