// Stream metadata: the latest `$metadata` event of `$$stream`, KurrentDB conventions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "mnemos/error.h"

namespace mnemos::store {

inline constexpr std::string_view kMetadataEventType = "$metadata";
inline constexpr std::string_view kTombstoneEventType = "$streamDeleted";

std::string metastream_of(std::string_view stream);  // "$$" + stream
bool is_metastream(std::string_view stream);

struct StreamMetadata {
  std::optional<uint64_t> max_count;        // $maxCount
  std::optional<uint64_t> max_age_seconds;  // $maxAge
  std::optional<uint64_t> truncate_before;  // $tb
  bool soft_deleted() const;
};

// Lenient: what cannot be read as a JSON object gives empty metadata, since metadata is user
// data and must never make a stream unreadable.
StreamMetadata parse_stream_metadata(std::string_view json);

// Validates metadata a caller wants to set: a JSON object whose $-keys have the right types.
Status validate_stream_metadata(std::string_view json);

// The metadata written when a soft-deleted stream is appended to again: the same keys with
// `$tb` set to `truncate_before`.
std::string undelete_metadata(std::string_view previous_json, uint64_t truncate_before);

// The metadata written by a soft delete.
std::string soft_delete_metadata();

}  // namespace mnemos::store
