// MnemosPeer: the embedded engine (open_embedded, default Options: durable kSync appends). One
// Store is shared by every Connection: the Store is thread-safe and group-commits the appends
// of concurrent writers.
#pragma once

#include <memory>

#include "peer.h"

namespace mnemos::bench {

std::unique_ptr<Peer> make_mnemos_peer();

}  // namespace mnemos::bench
