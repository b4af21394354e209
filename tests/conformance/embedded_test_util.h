// Helpers for the tests of the embedded engine itself: its options, files and records.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mnemos/embedded.h"
#include "mnemos/store.h"

namespace mnemos::embedded {

// 2 MiB segments (rollover in the tests that write a few MiB), 1 MiB appends, 256 KiB events.
Options test_options();

// The log segments of the store in `dir`, in log order.
struct SegmentFile {
  uint64_t base;
  std::string path;
};
std::vector<SegmentFile> segment_files(const std::string& dir);

// Where the record at `position` is: its segment file and the byte offset in it.
struct FileOffset {
  std::string path;
  uint64_t offset;
};
FileOffset locate(const std::string& dir, Position position);

// Bytes of the record that stores `event` (header included).
uint64_t record_size(const RecordedEvent& event);

// Opens or returns nullptr after ADD_FAILURE.
std::unique_ptr<Store> open_or_fail(const std::string& dir, const Options& options = test_options());

}  // namespace mnemos::embedded
