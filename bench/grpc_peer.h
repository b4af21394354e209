// The "grpc" peer: the workloads over the KurrentDB client protocol. Without a target it starts
// `mnemos serve`'s server in-process on a fresh embedded store, on a loopback port, so that the
// network layer's cost shows beside the in-process "mnemos" peer of the same run. With a target
// (`--target grpc://HOST:PORT`) it drives that server; its streams then carry a prefix of their
// own per store, and $all reads filter on it, so that a server already holding data can be used.
#pragma once

#include <memory>
#include <string>

#include "peer.h"

namespace mnemos::bench {

std::unique_ptr<Peer> make_grpc_peer(const std::string& target);

}  // namespace mnemos::bench
