// MnemosPeer: the embedded engine (open_embedded, default Options: durable kSync appends). One
// Store is shared by every Connection: the Store is thread-safe and group-commits the appends
// of concurrent writers.
#pragma once

#include <memory>
#include <string>

#include "peer.h"

namespace mnemos::bench {

std::unique_ptr<Peer> make_mnemos_peer();

// The same Store on a JetStream cluster (mnemos/jetstream.h), `urls` as `nats://...`: a fresh
// JetStream stream for every store the bench opens, the local copy in the bench's directory.
// Its bytes on disk are those of the local copy; JetStream's own (three replicas) are not in.
// keep: leave each store's JetStream stream on the cluster (bench --keep).
std::unique_ptr<Peer> make_jetstream_peer(const std::string& urls, bool keep = false);

}  // namespace mnemos::bench
