// Appends bytes at the tail of the log and makes them durable. Used by one thread at a time (the
// store's writer). Keeps three offsets apart: written (handed to the OS), synced (on disk), and
// allocated (space reserved ahead of the writes, so that most syncs need no metadata update).
// The space ahead is reserved by a thread of its own: zeros written and synced a chunk at a
// time while the log is written below them, so that no commit waits for them.
#pragma once

#include <cstdint>
#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "mnemos/env.h"
#include "storage/segment_format.h"
#include "storage/segment_set.h"

namespace mnemos::storage {

class LogWriter {
 public:
  // Continues the tail segment `tail` (already in `segments`) at logical position `write_position`.
  // The writable file is opened here. `segment_size` bounds each segment.
  static Result<std::unique_ptr<LogWriter>> open(std::shared_ptr<FileSystem> fs,
                                                 std::string log_dir, SegmentSet& segments,
                                                 const SegmentHeader& tail, uint64_t write_position,
                                                 uint64_t segment_size);

  // Creates the first segment of a new log.
  static Result<std::unique_ptr<LogWriter>> create(std::shared_ptr<FileSystem> fs,
                                                   std::string log_dir, SegmentSet& segments,
                                                   const StoreId& store_id, uint64_t segment_size);

  ~LogWriter();
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  // Logical position where the next byte goes.
  uint64_t position() const { return position_; }
  uint64_t synced_position() const { return synced_; }
  // Where the records of the current segment begin.
  uint64_t segment_first_position() const { return header_.base + kSegmentHeaderSize; }
  const SegmentHeader& segment_header() const { return header_; }

  // True when `bytes` more fit in the current segment (an empty segment takes anything).
  bool fits(uint64_t bytes) const;

  // Writes at position(). The caller keeps each commit within one segment (see fits/roll).
  Status write(std::string_view bytes);

  Status sync();

  // Syncs the current segment and starts a new one at position().
  Status roll();

  // Overwrites [from, to) of the current segment with zeros and syncs: drops a torn tail.
  Status zero_range(uint64_t from, uint64_t to);

 private:
  LogWriter(std::shared_ptr<FileSystem> fs, std::string log_dir, SegmentSet& segments,
            SegmentHeader header, std::unique_ptr<WritableFile> file, uint64_t position,
            uint64_t segment_size);
  Status start_segment(uint64_t base);
  class Reservation;
  void reserve_ahead();          // starts the next reservation when the space ahead runs low
  void take_reserved(bool wait);  // moves allocated_ over what the reservation has done
  void drop_reservation();        // waits for it to stop, keeps whether a sync of it failed

  std::shared_ptr<FileSystem> fs_;
  std::string log_dir_;
  SegmentSet& segments_;
  SegmentHeader header_;
  std::unique_ptr<WritableFile> file_;
  uint64_t position_;
  uint64_t synced_;
  uint64_t allocated_;  // logical position up to which the file has space
  uint64_t segment_size_;
  std::unique_ptr<Reservation> ahead_;  // zeroing [allocated_, its end) of file_, if any
  bool reservation_sync_failed_ = false;  // then no later sync of the log can be trusted
};

}  // namespace mnemos::storage
