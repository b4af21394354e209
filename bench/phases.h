// The timed part of each workload, on a peer that is open: W1 and W2 on an empty store, W3 and
// W4 on the store W2 produced. Each checks what it reads and throws BenchFailure on a mismatch.
#pragma once

#include "peer.h"
#include "result.h"
#include "workload.h"

namespace mnemos::bench {

WorkloadResult run_w1(Peer& peer, const Sizes& sizes, int writers);
WorkloadResult run_w2(Peer& peer, const Sizes& sizes);
WorkloadResult run_w3(Peer& peer, const Sizes& sizes);
WorkloadResult run_w4(Peer& peer, const Sizes& sizes);

}  // namespace mnemos::bench
