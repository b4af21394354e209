// Checks a store after a write workload by scanning all of $all (not timed): the exact event
// count, the set of streams, per-stream versions 0,1,2... in log order, positions strictly
// increasing, timestamps non-decreasing, type and data as written. Throws BenchFailure.
#pragma once

#include <cstdint>

#include "peer.h"
#include "workload.h"

namespace mnemos::bench {

struct Expectation {
  StreamSet streams;
  int64_t stream_count = 0;
  int64_t events_per_stream = 0;  // so the max version is events_per_stream - 1
};

void verify_store(Peer& peer, const Expectation& expect);

// The sanity check of WORKLOADS.md, on an empty store: expected -1 ok, -1 again rejected, the
// right version ok, a stale version rejected. Throws BenchFailure.
void sanity_check(Peer& peer);

}  // namespace mnemos::bench
