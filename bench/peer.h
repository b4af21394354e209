// A Peer is one system under test (Mnemos, SQLite) seen through the few operations the
// workloads need. A Peer owns the store in one directory; each writer or reader thread talks to
// it through its own Connection.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "workload.h"

namespace mnemos::bench {

// Thrown on anything that makes a result meaningless (I/O error, failed verification). The
// bench command reports it and exits non-zero: a benchmark never hides a failure.
struct BenchFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class AppendOutcome { kOk, kWrongExpectedRevision };

// One event as delivered to the reader. The views are valid only during the visitor call.
struct EventView {
  uint64_t position = 0;
  std::string_view stream;
  int64_t version = 0;
  std::string_view type;
  std::string_view data;
  int64_t timestamp_us = 0;
};

using EventVisitor = std::function<void(const EventView&)>;

// Where a paged read of $all continues; its meaning is the peer's own.
struct AllCursor {
  uint64_t token = 0;
  bool done = false;
};

class Connection {
 public:
  virtual ~Connection() = default;

  // Appends `events` as versions expected+1.. of `stream` (expected -1: the stream must not
  // exist), durably, all or nothing. A version mismatch is an outcome; anything else throws.
  virtual AppendOutcome append(std::string_view stream, int64_t expected,
                               std::span<const BenchEvent> events) = 0;

  // Reads the next page of at most `limit` events of $all; returns how many were delivered.
  virtual size_t read_all_page(AllCursor& cursor, size_t limit, const EventVisitor& visit) = 0;

  // Reads a whole stream in version order; returns how many events were delivered.
  virtual size_t read_stream(std::string_view stream, const EventVisitor& visit) = 0;
};

struct DiskUsage {
  uint64_t used_bytes = 0;  // what the store needs for its data (see each peer)
  uint64_t raw_bytes = 0;   // allocated blocks of every file under the directory (`du`)
};

class Peer {
 public:
  virtual ~Peer() = default;
  virtual std::string_view name() const = 0;  // "mnemos", "sqlite"

  // Opens (creating) the store in `dir`, which exists and is empty or holds this peer's store.
  virtual void open(const std::string& dir) = 0;

  // Closes the store, with everything it keeps in memory written out (SQLite: WAL checkpoint;
  // Mnemos: index flushed), and measures its files. Every Connection must be gone.
  virtual DiskUsage close() = 0;

  // A new handle for one thread. Valid until close().
  virtual std::unique_ptr<Connection> connect() = 0;
};

using PeerFactory = std::function<std::unique_ptr<Peer>()>;

// The peers built into this binary, by name: "mnemos" and "grpc" (when the engine and the
// server are linked) and "sqlite". `target` is the grpc peer's server ("" : its own, in-process).
PeerFactory find_peer(std::string_view name, const std::string& target = "", bool keep = false);

}  // namespace mnemos::bench
