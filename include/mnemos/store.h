// Store: the one interface that the CQRS layer, the CLI and the server see. The embedded engine
// implements it (mnemos/embedded.h); a server client and a replicated backend will too. Every
// implementation must pass the conformance suite in tests/conformance/.
#pragma once

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "mnemos/error.h"
#include "mnemos/types.h"

namespace mnemos {

struct CaughtUp {
  Position head;  // the committed head when the subscription caught up
};

// Filtered $all subscriptions report how far they have scanned, so that a consumer can store a
// checkpoint even when no event matched for a long time.
struct Checkpoint {
  Position position;  // everything up to here (inclusive) has been delivered or filtered out
};

using SubscriptionMessage = std::variant<RecordedEvent, CaughtUp, Checkpoint>;

// A catch-up then live subscription. Events come in order with no gap and no duplicate; exactly
// one CaughtUp is delivered when the subscriber first reaches the head. A slow subscriber reads
// from the log on its own and never slows writers down.
// next() and cancel() may be called from different threads; next() from one thread at a time.
class Subscription {
 public:
  virtual ~Subscription() = default;

  // Waits up to `timeout` for the next message. Returns std::nullopt on timeout.
  // Errors: kCancelled after cancel(), kStopped when the store closes, kStreamDeleted when the
  // subscribed stream is tombstoned.
  virtual Result<std::optional<SubscriptionMessage>> next(std::chrono::milliseconds timeout) = 0;

  // Ends the subscription; a blocked next() returns kCancelled.
  virtual void cancel() = 0;
};

enum class StartAt { kBeginning, kFrom, kEnd };

struct SubscribeStreamOptions {
  StartAt start = StartAt::kBeginning;
  Revision from;  // inclusive; used when start == kFrom
};

struct SubscribeAllOptions {
  StartAt start = StartAt::kBeginning;
  Position from;  // inclusive; used when start == kFrom
  EventFilter filter;
  uint64_t checkpoint_interval = 1000;  // records scanned between Checkpoint messages (filtered)
};

class Store {
 public:
  virtual ~Store() = default;

  // Appends 1..N events to one stream, atomically, once `expected` holds. Returns after the
  // events are durable (see Options::durability). Re-sending events whose ids were already
  // written at the same place returns the original result and writes nothing.
  // Errors: kWrongExpectedRevision (with actual_revision), kStreamDeleted, kInvalidArgument,
  // kTooLarge, kIoError, kStopped.
  virtual Result<AppendResult> append(std::string_view stream, ExpectedRevision expected,
                                      std::vector<EventData> events) = 0;

  // The same, without waiting: the future is ready when append() would have returned. Results
  // of appends submitted from one thread complete in submission order.
  virtual std::future<Result<AppendResult>> append_async(std::string stream,
                                                         ExpectedRevision expected,
                                                         std::vector<EventData> events) = 0;

  // Errors: kNotFound (no events, or soft-deleted), kStreamDeleted (tombstoned).
  virtual Result<StreamReadResult> read_stream(std::string_view stream,
                                               const ReadStreamOptions& options) const = 0;

  virtual Result<AllReadResult> read_all(const ReadAllOptions& options) const = 0;

  // read_all without copies: the same events, options and paging, but each one is handed to
  // `visit` in place, as a view that is valid only during that call. For scans of many events
  // (projections, exports, replication) where owning every string is wasted work. This default
  // goes through read_all; a backend overrides it where it can hand out its own buffers.
  virtual Result<AllScanResult> scan_all(const ReadAllOptions& options,
                                         const std::function<void(const RecordedEventView&)>& visit) const {
    Result<AllReadResult> page = read_all(options);
    if (!page) return std::unexpected(std::move(page.error()));
    for (const RecordedEvent& event : page->events) visit(view_of(event));
    return AllScanResult{page->events.size(), page->next};
  }

  // Soft delete: reads say kNotFound; a later append re-creates the stream and continues its
  // revisions. Writes `{"$tb": 2^63-1}` to `$$stream`.
  virtual Result<WriteResult> delete_stream(std::string_view stream, ExpectedRevision expected) = 0;

  // Hard delete: the stream is gone for good; later appends fail with kStreamDeleted.
  virtual Result<WriteResult> tombstone_stream(std::string_view stream,
                                               ExpectedRevision expected) = 0;

  // Stream metadata lives in `$$stream` as `$metadata` events. Keys honoured on read:
  // `$maxCount`, `$maxAge` (seconds), `$tb` (truncate before). Other keys are user data.
  virtual Result<StreamMetadataResult> get_metadata(std::string_view stream) const = 0;
  virtual Result<AppendResult> set_metadata(std::string_view stream, std::string_view json,
                                            ExpectedRevision expected) = 0;

  virtual Result<std::unique_ptr<Subscription>> subscribe_stream(
      std::string_view stream, const SubscribeStreamOptions& options) = 0;
  virtual Result<std::unique_ptr<Subscription>> subscribe_all(
      const SubscribeAllOptions& options) = 0;

  virtual Result<std::vector<StreamSummary>> list_streams(
      const ListStreamsOptions& options) const = 0;

  // The position of the last event committed at or before `time` (0 when none).
  virtual Result<Position> resolve_time(Timestamp time) const = 0;

  virtual Position head() const = 0;
  virtual Result<StoreStats> stats() const = 0;
};

}  // namespace mnemos
