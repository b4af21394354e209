// The Store on a replicated NATS JetStream cluster (docs/NATS.md).
//
// JetStream holds the store's writes (append, soft delete or tombstone) as a replicated command
// log in one JetStream stream: a message holds one write, or the several that a busy node's
// writers queued while its previous messages awaited their acknowledgement. Every Mnemos node
// follows that log from its start and hands each write, in log order, to a local copy that is
// an embedded engine: the engine decides it (expected revision, idempotence, deletion rules)
// exactly as it would locally, and since every node sees the same writes in the same order with
// the same commit times, every node decides the same way and holds the same events at the same
// positions.
// Reads, `$all`, subscriptions and as-of queries are served from the local copy. An append
// returns once this node's copy has applied it, so a node reads its own writes.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "mnemos/embedded.h"
#include "mnemos/store.h"

namespace mnemos {

struct JetStreamOptions {
  std::string urls;                // "nats://127.0.0.1:4222,nats://127.0.0.1:4223,..."
  std::string stream = "MNEMOS";   // the JetStream stream that holds the store (A-Z a-z 0-9 _ -)
  std::string local_dir;           // this node's local copy (one node, one directory)
  int replicas = 3;                // of the JetStream stream, when this node creates it
  // How long an append waits for JetStream's acknowledgement and for its local application.
  std::chrono::milliseconds timeout{10000};
  // Messages awaiting JetStream's acknowledgement. Writes that arrive while all are out go
  // together in the next message (up to the servers' max_payload), so this bounds how many
  // messages a busy node sends per round trip, not how many writes.
  int64_t max_in_flight = 2;
  // Limits of events and appends. Every node must use the same ones: a write that one node
  // refused and another took would part their copies. An append whose message would exceed the
  // servers' max_payload is refused with kTooLarge naming that limit.
  Options limits;
};

// Parses "nats://HOST:PORT[,nats://HOST:PORT|,HOST:PORT...][?stream=NAME&local=DIR]" into
// `options` (urls, stream, local_dir; the rest is left as it is).
// Errors: kInvalidArgument naming what is wrong.
Status parse_jetstream_url(std::string_view url, JetStreamOptions& options);
bool is_jetstream_url(std::string_view text);  // starts with "nats://"

// Connects, creates the JetStream stream if it is missing, opens the local copy (rebuilding it
// from the log when it does not match the stream) and catches up with the log before it
// returns. Errors: kIoError (no cluster, JetStream refused), kLocked, kCorruption, kTimeout.
Result<std::unique_ptr<Store>> open_jetstream(const JetStreamOptions& options,
                                              const Progress& catch_up_progress = {});

}  // namespace mnemos
