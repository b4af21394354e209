// What the shopping-cart program does, one function per user action: run a command through the
// decider and report the outcome, print a cart's event history, print its state (now or as of an
// earlier time or position). Output goes to `out`; the return value is the process exit code.
#pragma once

#include <cstdio>
#include <string>

#include "cart.h"
#include "mnemos/cqrs/snapshot.h"
#include "mnemos/store.h"
#include "mnemos/types.h"

namespace cart {

// Every cart is the stream "cart-<id>".
std::string stream_of(const std::string& cart_id);

// Exit codes: 0 done, 1 store failure, 2 rejected by a domain rule, 3 concurrency conflict.
int run_command(mnemos::Store& store, const std::string& cart_id, const Command& command,
                std::FILE* out);

// One line per event: revision, position, commit time, type, data.
int print_history(const mnemos::Store& store, const std::string& cart_id, std::FILE* out);

// The cart rebuilt from its events (from a snapshot when there is one), or as of `as_of`.
int print_state(const mnemos::Store& store, const std::string& cart_id, const mnemos::AsOf& as_of,
                std::FILE* out);

// The snapshot policy of this program: a snapshot every 5 events of a cart.
mnemos::cqrs::SnapshotPolicy snapshot_policy();

}  // namespace cart
