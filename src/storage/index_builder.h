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

struct IndexedRecord {
  std::string_view stream;
  uint64_t revision;
  uint64_t position;
  int64_t timestamp_micros;
  bool segment_start;  // the first record of a segment
};

class IndexBuilder {
 public:
  // `index` is read for streams not yet seen; `counters` and `last_boundary` are updated.
  IndexBuilder(const Index& index, IndexCounters& counters, uint64_t& last_boundary);
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

  const Index& index_;
  IndexCounters& counters_;
  uint64_t& last_boundary_;
  std::unordered_map<std::string, StreamInfo> streams_;
  IndexBatch batch_;
  struct OpenRun {
    uint64_t stream_id;
    StreamRun run;
  };
  std::optional<OpenRun> run_;
  size_t pending_records_ = 0;
};

}  // namespace mnemos::storage
