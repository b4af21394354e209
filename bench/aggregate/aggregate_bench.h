// The CQRS layer's own figures (issue 3): loading an aggregate with and without a snapshot,
// handling commands on many streams and on one hot stream, and projecting into SQLite. Each is measured beside the store
// operation underneath it in the same run (a plain read, a plain append), so the layer's own
// cost shows as a ratio.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "latency.h"
#include "mnemos/store.h"

namespace mnemos::bench::aggregate {

struct LoadFigures {
  uint64_t events = 0;            // in the aggregate's stream
  LatencySummary read_one;        // read_stream of the last event only: one small read
  LatencySummary read_only;       // read_stream of every event, no decoding
  LatencySummary full_fold;       // load(): read, decode JSON, evolve
  LatencySummary from_snapshot;   // load() starting from a snapshot of the last event
};

// `loads` timed loads of a cart of `events` events, for each of the three.
LoadFigures measure_load(Store& store, uint64_t events, uint64_t loads);

struct ThroughputFigures {
  int threads = 0;
  uint64_t streams = 0;
  double seconds = 0;
  uint64_t succeeded = 0;
  uint64_t conflicts_retried = 0;  // attempts beyond the first, over all commands
  uint64_t conflict_errors = 0;    // commands that ended as a typed Conflict
  uint64_t other_errors = 0;       // anything else (must be 0)
  double commands_per_s = 0;
  LatencySummary latency;
};

// `threads` threads handle AddItem commands for `seconds`. With streams > 1 each thread cycles
// through its own share of the streams; with streams == 1 they all race on one.
ThroughputFigures measure_handle(Store& store, int threads, uint64_t streams, double seconds);
// The same threads appending one event each with ExpectedRevision::any: the store's own rate.
ThroughputFigures measure_append(Store& store, int threads, uint64_t streams, double seconds);

struct ProjectionFigures {
  uint64_t events = 0;
  uint64_t batch_size = 0;     // events per read-model transaction
  double fill_seconds = 0;     // appending them (100-event appends)
  double read_seconds = 0;     // scan_all of every event, in place: the floor
  double decode_seconds = 0;   // the same, decoding each into cart::Event
  double rows_seconds = 0;     // catch-up of a projection writing one row per event
  double totals_seconds = 0;   // catch-up of a typed projection: decode + upsert per cart
  double rebuild_seconds = 0;  // rebuild() of that projection: drop, replay everything
};

// Fills `store` with `events` cart events, then times reading them and projecting them into a
// SQLite read model in `dir` (a fresh file for each projection).
ProjectionFigures measure_projection(Store& store, const std::string& dir, uint64_t events, uint64_t batch_size);

nlohmann::json to_json(const LatencySummary& s);
nlohmann::json to_json(const ProjectionFigures& f);
nlohmann::json to_json(const LoadFigures& f);
nlohmann::json to_json(const ThroughputFigures& f);

}  // namespace mnemos::bench::aggregate
