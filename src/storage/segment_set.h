// The ordered set of log segments, shared by the writer and every reader.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "mnemos/env.h"
#include "storage/segment_format.h"

namespace mnemos::storage {

struct Segment {
  uint64_t base = 0;  // logical position of byte 0 of the file
  std::string path;
  std::unique_ptr<ReadableFile> file;

  uint64_t first_position() const { return base + kSegmentHeaderSize; }
};

class SegmentSet {
 public:
  struct Located {
    std::shared_ptr<const Segment> segment;
    uint64_t end;  // where the next segment begins; UINT64_MAX for the last segment
  };

  // Segments must be added in increasing base order.
  void add(std::shared_ptr<const Segment> segment);

  // The segment that holds `position` (the last one whose base is <= position).
  std::optional<Located> locate(uint64_t position) const;

  // The first segment after the one based at `base`.
  std::shared_ptr<const Segment> next_after(uint64_t base) const;

  std::vector<std::shared_ptr<const Segment>> all() const;
  size_t count() const;
  uint64_t first_position() const;  // of the first segment; kSegmentHeaderSize when empty

 private:
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<const Segment>> segments_;
};

}  // namespace mnemos::storage
