#include "storage/record_format.h"

#include <algorithm>
#include <cstring>

#include "util/coding.h"
#include "util/crc32c.h"

namespace mnemos::storage {

size_t encoded_event_size(const EventRecordInput& in) {
  using coding::varint_length;
  return kRecordHeaderSize + varint_length(in.revision) +
         varint_length(static_cast<uint64_t>(in.timestamp_micros)) + 16 + 1 +
         varint_length(in.stream.size()) + in.stream.size() + varint_length(in.type.size()) +
         in.type.size() + varint_length(in.data.size()) + in.data.size() +
         varint_length(in.metadata.size()) + in.metadata.size();
}

size_t encode_event_record(std::string& out, const EventRecordInput& in) {
  const size_t size = encoded_event_size(in);
  const size_t start = out.size();
  out.resize(start + size);  // one allocation at most; the fields are written in place
  char* header = out.data() + start;
  char* p = header + kRecordHeaderSize;
  p = coding::put_varint(p, in.revision);
  p = coding::put_varint(p, static_cast<uint64_t>(in.timestamp_micros));
  std::memcpy(p, in.id.data(), 16);
  p += 16;
  *p++ = static_cast<char>(in.content_flags);
  p = coding::put_length_prefixed(p, in.stream);
  p = coding::put_length_prefixed(p, in.type);
  p = coding::put_length_prefixed(p, in.data);
  p = coding::put_length_prefixed(p, in.metadata);
  const size_t payload = size - kRecordHeaderSize;
  coding::put_fixed32(header + 4, static_cast<uint32_t>(payload));
  header[8] = static_cast<char>(static_cast<uint8_t>(RecordType::kEvent) |
                                (in.commit_end ? kCommitEnd : 0) |
                                (in.sync_epoch_start ? kSyncEpochStart : 0));
  coding::put_fixed32(header, crc32c::mask(crc32c::value(header + 4, payload + 5)));
  return size;
}

Decoded decode_record(std::span<const char> bytes) {
  Decoded d;
  if (bytes.size() < kRecordHeaderSize) {
    bool zeros = std::all_of(bytes.begin(), bytes.end(), [](char c) { return c == 0; });
    d.status = zeros ? DecodeStatus::kEndOfLog : DecodeStatus::kIncomplete;
    d.size = kRecordHeaderSize;
    return d;
  }
  const char* header = bytes.data();
  const uint32_t length = coding::get_fixed32(header + 4);
  const auto kind = static_cast<uint8_t>(header[8]);
  if (length == 0 && kind == 0 && coding::get_fixed32(header) == 0) {
    d.status = DecodeStatus::kEndOfLog;
    return d;
  }
  const uint64_t total = kRecordHeaderSize + static_cast<uint64_t>(length);
  if (total > bytes.size()) {
    d.status = DecodeStatus::kIncomplete;
    d.size = static_cast<size_t>(std::min<uint64_t>(total, SIZE_MAX));
    return d;
  }
  const uint32_t expected = crc32c::unmask(coding::get_fixed32(header));
  if (crc32c::value(header + 4, length + 5) != expected) {
    d.status = DecodeStatus::kBadChecksum;
    return d;
  }
  d.size = static_cast<size_t>(total);
  if ((kind & kRecordTypeMask) != static_cast<uint8_t>(RecordType::kEvent)) {
    d.status = (kind & kSafeToIgnore) ? DecodeStatus::kSkippable : DecodeStatus::kMalformed;
    return d;
  }
  std::string_view p(header + kRecordHeaderSize, length);
  EventRecord& e = d.event;
  uint64_t ts;
  if (!coding::get_varint(p, e.revision) || !coding::get_varint(p, ts) || p.size() < 17) {
    d.status = DecodeStatus::kMalformed;
    return d;
  }
  e.timestamp_micros = static_cast<int64_t>(ts);
  std::copy_n(p.data(), 16, e.id.begin());
  e.content_flags = static_cast<uint8_t>(p[16]);
  p.remove_prefix(17);
  if (!coding::get_length_prefixed(p, e.stream) || !coding::get_length_prefixed(p, e.type) ||
      !coding::get_length_prefixed(p, e.data) || !coding::get_length_prefixed(p, e.metadata) ||
      !p.empty()) {
    d.status = DecodeStatus::kMalformed;
    return d;
  }
  e.commit_end = (kind & kCommitEnd) != 0;
  e.sync_epoch_start = (kind & kSyncEpochStart) != 0;
  e.encoded_size = total;
  d.status = DecodeStatus::kOk;
  return d;
}

}  // namespace mnemos::storage
