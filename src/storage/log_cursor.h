// Reads records forward from a position, across segments, up to an end position. Readers use
// it below the committed end; recovery uses it to find where the valid log stops.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "mnemos/error.h"
#include "storage/record_format.h"
#include "storage/segment_set.h"

namespace mnemos::storage {

class LogCursor {
 public:
  // Starts at `position`, which must be a record start (or a segment boundary). Reads nothing at
  // or beyond `end`. `segments` must outlive the cursor. The first read fetches `first_read`
  // bytes; later reads grow (sequential scans), up to 1 MiB.
  LogCursor(const SegmentSet& segments, uint64_t position, uint64_t end,
            size_t first_read = 16 << 10);
  LogCursor(const LogCursor&) = delete;
  LogCursor& operator=(const LogCursor&) = delete;

  enum class Step { kRecord, kEnd, kInvalid };

  // Moves to the next record. kRecord: record()/position() describe it. kEnd: `end` reached.
  // kInvalid: the bytes at position() are not a valid record; status() says why.
  Result<Step> next();

  // Like next(), but kInvalid becomes a kCorruption error naming the position.
  Result<bool> next_valid();

  // The next call to next() reads the record at `position` (a record start), forwards or
  // backwards from here; the current segment and prefetched stretch are kept when they cover it.
  void seek(uint64_t position) { next_position_ = position; }

  const EventRecord& record() const { return decoded_.event; }
  uint64_t position() const { return position_; }          // of the current record
  uint64_t next_position() const { return next_position_; }  // just after it
  uint64_t record_size() const { return decoded_.size; }
  DecodeStatus status() const { return decoded_.status; }
  uint64_t segment_base() const { return segment_base_; }

 private:
  Status fill(const Segment& segment, uint64_t position, uint64_t limit, size_t want);
  // Decodes the record at `pos` from the read buffer, reading the file as needed.
  Status decode_buffered(const Segment& segment, uint64_t pos, uint64_t limit);

  const SegmentSet& segments_;
  std::shared_ptr<const Segment> segment_;  // the segment of the last record read
  uint64_t segment_end_ = 0;
  std::span<const char> mapped_;  // of the current segment, cut to the file's size
  uint64_t prefetch_from_ = 0;     // the stretch of the mapping announced with will_read
  uint64_t prefetched_until_ = 0;
  uint64_t next_position_;
  uint64_t end_;
  uint64_t position_ = 0;
  uint64_t segment_base_ = 0;
  Decoded decoded_;
  std::unique_ptr<char[]> buffer_;
  size_t buffer_capacity_ = 0;
  size_t read_size_;
  uint64_t buffer_start_ = 0;  // logical position of buffer_[0]
  size_t buffer_len_ = 0;
  const Segment* buffer_segment_ = nullptr;
};

}  // namespace mnemos::storage
