// The vocabulary of the Store API. See docs/glossary.md for the meaning of each word.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mnemos/uuid.h"

namespace mnemos {

// Per-stream sequence number of an event, from 0, contiguous.
struct Revision {
  uint64_t value = 0;
  friend constexpr auto operator<=>(const Revision&, const Revision&) = default;
};

// Global position of an event in the log ($all): strictly increasing in commit order, > 0.
// It is the byte offset of the event's record in the logical log.
struct Position {
  uint64_t value = 0;
  friend constexpr auto operator<=>(const Position&, const Position&) = default;
};

// Commit time: microseconds since the Unix epoch, UTC. Non-decreasing along $all.
struct Timestamp {
  int64_t micros = 0;
  friend constexpr auto operator<=>(const Timestamp&, const Timestamp&) = default;
};

// Revision of the tombstone record ($streamDeleted), as in KurrentDB.
inline constexpr uint64_t kTombstoneRevision = std::numeric_limits<int64_t>::max();

// The `$tb` value that marks a soft-deleted stream.
inline constexpr uint64_t kSoftDeletedTruncateBefore = std::numeric_limits<int64_t>::max();

class ExpectedRevision {
 public:
  enum class Kind { kAny, kNoStream, kStreamExists, kExact };

  static constexpr ExpectedRevision any() { return ExpectedRevision(Kind::kAny, 0); }
  static constexpr ExpectedRevision no_stream() { return ExpectedRevision(Kind::kNoStream, 0); }
  static constexpr ExpectedRevision stream_exists() {
    return ExpectedRevision(Kind::kStreamExists, 0);
  }
  static constexpr ExpectedRevision exact(Revision r) { return ExpectedRevision(Kind::kExact, r.value); }

  constexpr Kind kind() const { return kind_; }
  constexpr Revision revision() const { return Revision{revision_}; }  // only for kExact

  // "any", "no_stream", "exists" or the decimal revision (also accepts "-1" for no_stream).
  static Result<ExpectedRevision> parse(std::string_view text);
  std::string to_string() const;

  friend constexpr bool operator==(const ExpectedRevision&, const ExpectedRevision&) = default;

 private:
  constexpr ExpectedRevision(Kind kind, uint64_t revision) : kind_(kind), revision_(revision) {}
  Kind kind_;
  uint64_t revision_;
};

enum class ContentType : uint8_t { kJson = 0, kBinary = 1 };

// An event to append. `data`/`metadata` are bytes; when marked kJson they must be valid JSON
// (empty is allowed and means "no payload").
struct EventData {
  std::optional<Uuid> id;  // generated when not given
  std::string type;
  std::string data;
  std::string metadata;
  ContentType data_type = ContentType::kJson;
  ContentType metadata_type = ContentType::kJson;
};

// An event as stored.
struct RecordedEvent {
  std::string stream;
  Revision revision;
  Position position;
  Uuid id;
  std::string type;
  Timestamp timestamp;
  std::string data;
  std::string metadata;
  ContentType data_type = ContentType::kJson;
  ContentType metadata_type = ContentType::kJson;
};

// A recorded event seen in place: its strings view the store's own buffers and are valid only
// during the call that hands it out (Store::scan_all). Copy what must outlive it.
struct RecordedEventView {
  std::string_view stream;
  Revision revision;
  Position position;
  Uuid id;
  std::string_view type;
  Timestamp timestamp;
  std::string_view data;
  std::string_view metadata;
  ContentType data_type = ContentType::kJson;
  ContentType metadata_type = ContentType::kJson;

  RecordedEvent to_recorded() const {
    return RecordedEvent{std::string(stream), revision, position, id, std::string(type), timestamp,
                         std::string(data), std::string(metadata), data_type, metadata_type};
  }
};

inline RecordedEventView view_of(const RecordedEvent& e) {
  return RecordedEventView{e.stream, e.revision, e.position, e.id, e.type, e.timestamp,
                           e.data, e.metadata, e.data_type, e.metadata_type};
}

struct AppendResult {
  Revision first_revision;  // of the first event written
  Revision last_revision;   // of the last event written (the stream's new head)
  Position position;        // of the last event written
  Timestamp timestamp;      // commit time
};

// Delete, tombstone: where the marker record went.
struct WriteResult {
  Position position;
};

enum class Direction { kForwards, kBackwards };

// Bounds a read to the store as it was at a position or a time (inclusive). Both may be set;
// the earlier wins.
struct AsOf {
  std::optional<Position> position;
  std::optional<Timestamp> time;
};

struct ReadStreamOptions {
  Direction direction = Direction::kForwards;
  std::optional<Revision> from;  // inclusive; default: first (forwards) or last (backwards)
  uint64_t limit = std::numeric_limits<uint64_t>::max();
  AsOf as_of;
};

// Engine-side filter on $all: an event passes when it matches every non-empty prefix.
struct EventFilter {
  std::string type_prefix;
  std::string stream_prefix;
  bool empty() const { return type_prefix.empty() && stream_prefix.empty(); }
  bool matches(std::string_view stream, std::string_view type) const {
    return stream.starts_with(stream_prefix) && type.starts_with(type_prefix);
  }
};

struct ReadAllOptions {
  Direction direction = Direction::kForwards;
  std::optional<Position> from;  // inclusive; default: start (forwards) or head (backwards)
  uint64_t limit = std::numeric_limits<uint64_t>::max();
  EventFilter filter;
  AsOf as_of;
};

struct StreamReadResult {
  std::vector<RecordedEvent> events;
  std::optional<Revision> next;  // where the next page starts; empty at the end of the stream
};

struct AllReadResult {
  std::vector<RecordedEvent> events;
  std::optional<Position> next;  // where the next page starts; empty at the end (or bound)
};

// What Store::scan_all did: how many events it handed out, and where the next page starts.
struct AllScanResult {
  uint64_t events = 0;
  std::optional<Position> next;  // as AllReadResult::next
};

struct StreamMetadataResult {
  std::string json;                  // the latest `$metadata` of `$$stream`, "{}" when none
  std::optional<Revision> revision;  // its revision in `$$stream`, empty when none
};

enum class StreamState { kLive, kSoftDeleted, kTombstoned };

struct StreamSummary {
  std::string name;
  std::optional<Revision> last_revision;  // empty when it has no events
  StreamState state = StreamState::kLive;
};

struct ListStreamsOptions {
  std::string prefix;
  std::string after;  // exclusive: for paging, the last name of the previous page
  uint64_t limit = 1000;
};

// Durations counted in fixed log buckets: bucket i counts those of at most 2^i µs (1 µs .. 8.4 s),
// the last bucket those above. Cheap to merge and to export as a Prometheus histogram.
struct LatencyHistogram {
  static constexpr size_t kBounded = 24;  // buckets with an upper bound; one more for the rest
  static constexpr uint64_t upper_bound_micros(size_t bucket) { return uint64_t{1} << bucket; }

  std::array<uint64_t, kBounded + 1> buckets{};  // per bucket, not cumulative
  uint64_t count = 0;
  uint64_t sum_micros = 0;

  // The upper bound of the bucket that holds quantile `q` (0..1) of the counts: an estimate
  // within a factor of 2. 0 when empty; the largest bound when it falls in the last bucket.
  uint64_t quantile_micros(double q) const {
    if (count == 0) return 0;
    const double rank = q * static_cast<double>(count);
    uint64_t seen = 0;
    for (size_t i = 0; i < kBounded; ++i) {
      seen += buckets[i];
      if (static_cast<double>(seen) >= rank && seen > 0) return upper_bound_micros(i);
    }
    return upper_bound_micros(kBounded - 1);
  }
};

struct StoreStats {
  uint64_t events = 0;
  uint64_t streams = 0;
  uint64_t log_bytes = 0;    // bytes used in log segments
  uint64_t index_bytes = 0;  // bytes of the derived index on disk
  uint64_t segments = 0;
  Position head;             // position of the last committed event (0: empty store)
  uint64_t appends = 0;      // since open
  uint64_t syncs = 0;        // since open
  LatencyHistogram sync_latency;  // of the log syncs (fdatasync) since open
};

}  // namespace mnemos
