// The header of a log segment file, and segment file names. See docs/FORMAT.md.
//
//   offset size
//   0      8    magic "MNEMOSLG"
//   8      4    format version (1)
//   12     4    header size (64)
//   16     8    base position: the logical log position of byte 0 of this file
//   24     16   store id: every segment of one store carries the same id, so a stray file
//               from another store is rejected
//   40     8    creation time, µs since the epoch
//   48     12   reserved, zero
//   60     4    masked CRC32C of bytes [0, 60)
//
// Records start at offset 64. The position of a record is base + its offset in the file.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "mnemos/error.h"

namespace mnemos::storage {

inline constexpr uint32_t kFormatVersion = 1;
inline constexpr uint64_t kSegmentHeaderSize = 64;
inline constexpr char kSegmentSuffix[] = ".seg";
inline constexpr char kSegmentTempSuffix[] = ".tmp";  // a segment being created

using StoreId = std::array<uint8_t, 16>;

struct SegmentHeader {
  uint64_t base = 0;
  StoreId store_id{};
  int64_t created_micros = 0;
};

std::string encode_segment_header(const SegmentHeader& header);

// Errors: kCorruption (bad magic, checksum, size), kInvalidArgument (newer format version).
Result<SegmentHeader> decode_segment_header(std::span<const char> bytes);

// "00000000000000000000.seg": the base position, 20 digits, so names sort in log order.
std::string segment_file_name(uint64_t base);
std::optional<uint64_t> parse_segment_file_name(const std::string& name);

}  // namespace mnemos::storage
