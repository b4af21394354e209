// Derives index entries from records in log order. The writer feeds it each record it commits;
// recovery feeds it the records of the log tail. One piece of code for both, so the index built
// live and the index rebuilt from the log are the same.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "storage/index.h"

namespace mnemos::storage {

// A sparse point is added to the index at least every this many bytes of log.
inline constexpr uint64_t kBoundaryInterval = 64 << 10;
// A run (index key R) covers at most this many events, so that a read starting at a revision in
// the middle of a long commit, or a backward read, scans at most this many records to reach it.
inline constexpr uint64_t kMaxRunLength = 128;

struct IndexedRecord {
  std::string_view stream;
  uint64_t revision;
  uint64_t position;
  int64_t timestamp_micros;
  bool segment_start;  // the first record of a segment
};

// The writer's cache of the stream table, in front of the index: the writer is the only one that
// changes streams, so what it caches stays true. Holds misses too (most streams have no
// metastream). Bounded: it forgets everything when full.
class StreamCache {
 public:
  explicit StreamCache(size_t capacity) : capacity_(capacity) {}
  // nullptr when unknown; else the stream, or nullopt for "does not exist".
  const std::optional<StreamInfo>* find(std::string_view name) const {
    auto it = entries_.find(std::string(name));
    return it == entries_.end() ? nullptr : &it->second;
  }
  void put(std::string_view name, const std::optional<StreamInfo>& info) {
    if (entries_.size() >= capacity_) entries_.clear();
    entries_[std::string(name)] = info;
  }
  void clear() { entries_.clear(); }

 private:
  size_t capacity_;
  std::unordered_map<std::string, std::optional<StreamInfo>> entries_;
};

class IndexBuilder {
 public:
  // `index` is read for streams not yet seen (through `cache` when given); `counters` and
  // `last_boundary` are updated.
  IndexBuilder(const Index& index, IndexCounters& counters, uint64_t& last_boundary,
               StreamCache* cache = nullptr);
  IndexBuilder(const IndexBuilder&) = delete;
  IndexBuilder& operator=(const IndexBuilder&) = delete;

  // The stream as of everything added so far; nullopt when it has never been written.
  Result<std::optional<StreamInfo>> stream(std::string_view name);

  // Adds the next record of the current commit.
  Status add(const IndexedRecord& record);

  // Closes the current commit, which ends at log position `end`.
  void end_commit(uint64_t end);

  // Replaces `batch` with everything gathered so far, and the counters.
  void drain(IndexBatch& batch);

  size_t pending_records() const { return pending_records_; }

 private:
  void close_run();

  // A stream touched since the last drain. Its entry ('S') is written only when it is new or its
  // tombstone changed: its last revision is told by its runs, so an append to a known stream
  // writes its run alone.
  struct Touched {
    StreamInfo info;
    bool write_entry = false;
  };

  const Index& index_;
  StreamCache* cache_;
  IndexCounters& counters_;
  uint64_t& last_boundary_;
  std::unordered_map<std::string, Touched> streams_;
  IndexBatch batch_;
  struct OpenRun {
    uint64_t stream_id;
    StreamRun run;
  };
  std::optional<OpenRun> run_;
  size_t pending_records_ = 0;
};

}  // namespace mnemos::storage
