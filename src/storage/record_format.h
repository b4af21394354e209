// The framing of one record in a log segment. docs/FORMAT.md is the prose spec of this file.
//
//   offset size
//   0      4    masked CRC32C of bytes [4, 9 + length): the rest of the header and the payload
//   4      4    length of the payload, little-endian
//   8      1    kind: bits 0-4 record type, bit 5 kSyncEpochStart, bit 6 kCommitEnd,
//                bit 7 kSafeToIgnore
//   9      n    payload
//
// Kept free of the public headers so that the fuzz target builds with clang alone.
//
// Event payload (varints are LEB128):
//   varint revision | varint timestamp (µs since epoch, UTC) | 16 bytes event id |
//   u8 content flags (bit 0 data is binary, bit 1 metadata is binary) |
//   varint+bytes stream | varint+bytes type | varint+bytes data | varint+bytes metadata
//
// The events of one append (a commit) are consecutive records; the last one carries
// kCommitEnd. Recovery drops every record after the last kCommitEnd, so an append is all or
// nothing. The first record written after a completed sync carries kSyncEpochStart: recovery
// uses it to tell a torn tail (damage with no later sync epoch) from corruption of synced data.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace mnemos::storage {

inline constexpr size_t kRecordHeaderSize = 9;

// Bits of the kind byte.
inline constexpr uint8_t kRecordTypeMask = 0x1f;
inline constexpr uint8_t kSyncEpochStart = 0x20;
inline constexpr uint8_t kCommitEnd = 0x40;
// A reader that does not know a record type skips it when this bit is set (room to grow in v1).
inline constexpr uint8_t kSafeToIgnore = 0x80;

enum class RecordType : uint8_t { kEvent = 1 };

inline constexpr uint8_t kDataBinary = 0x01;
inline constexpr uint8_t kMetadataBinary = 0x02;

// A decoded event record; the views point into the bytes given to decode_record().
struct EventRecord {
  uint64_t revision = 0;
  int64_t timestamp_micros = 0;
  std::array<uint8_t, 16> id{};
  uint8_t content_flags = 0;
  std::string_view stream;
  std::string_view type;
  std::string_view data;
  std::string_view metadata;
  bool commit_end = false;
  bool sync_epoch_start = false;
  uint64_t encoded_size = 0;  // of the whole record: the next record starts this far on
};

enum class DecodeStatus {
  kOk,
  kEndOfLog,     // the header is all zeros: nothing was ever written here
  kIncomplete,   // fewer bytes than the header or the stated length: a torn tail, or read more
  kBadChecksum,  // the CRC does not match
  kMalformed,    // the CRC matches but the payload does not parse, or an unknown record type
  kSkippable,    // an unknown record type with kSafeToIgnore: skip `size` bytes
};

struct Decoded {
  DecodeStatus status = DecodeStatus::kEndOfLog;
  size_t size = 0;  // bytes of the whole record (kOk, kSkippable); for kIncomplete, bytes needed
  EventRecord event;
};

// Decodes the record at the start of `bytes`. Never reads past `bytes`.
Decoded decode_record(std::span<const char> bytes);

// Appends one encoded event record to `out`; returns its size.
struct EventRecordInput {
  uint64_t revision;
  int64_t timestamp_micros;
  const std::array<uint8_t, 16>& id;
  uint8_t content_flags;
  std::string_view stream;
  std::string_view type;
  std::string_view data;
  std::string_view metadata;
  bool commit_end;
  bool sync_epoch_start = false;
};
size_t encode_event_record(std::string& out, const EventRecordInput& in);

// Size that encode_event_record would produce.
size_t encoded_event_size(const EventRecordInput& in);

}  // namespace mnemos::storage
