// The extras: `reopen` (time to open a store of Sizes::extra_events events) and `rss` (resident
// memory while filling it, to show that it does not grow with the number of events). Both fill
// one store with W2-style 100-event appends, expected no_stream, on streams x-000000....
#pragma once

#include <string>

#include "peer.h"
#include "result.h"
#include "workload.h"

namespace mnemos::bench {

// `peer` is not open; `dir` is an empty directory for its store.
ExtraResult run_extras(Peer& peer, const std::string& dir, const Sizes& sizes, bool reopen,
                       bool rss);

}  // namespace mnemos::bench
