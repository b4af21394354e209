#include "storage/segment_format.h"

#include <charconv>
#include <cstring>

#include "util/coding.h"
#include "util/crc32c.h"

namespace mnemos::storage {
namespace {
constexpr char kMagic[8] = {'M', 'N', 'E', 'M', 'O', 'S', 'L', 'G'};
}

std::string encode_segment_header(const SegmentHeader& header) {
  std::string out(kSegmentHeaderSize, '\0');
  char* p = out.data();
  std::memcpy(p, kMagic, 8);
  coding::put_fixed32(p + 8, kFormatVersion);
  coding::put_fixed32(p + 12, static_cast<uint32_t>(kSegmentHeaderSize));
  coding::put_fixed64(p + 16, header.base);
  std::memcpy(p + 24, header.store_id.data(), 16);
  coding::put_fixed64(p + 40, static_cast<uint64_t>(header.created_micros));
  coding::put_fixed32(p + 60, crc32c::mask(crc32c::value(p, 60)));
  return out;
}

Result<SegmentHeader> decode_segment_header(std::span<const char> bytes) {
  if (bytes.size() < kSegmentHeaderSize) {
    return make_error(ErrorCode::kCorruption, "segment header is truncated");
  }
  const char* p = bytes.data();
  if (std::memcmp(p, kMagic, 8) != 0) {
    return make_error(ErrorCode::kCorruption, "not a Mnemos log segment (bad magic)");
  }
  if (crc32c::unmask(coding::get_fixed32(p + 60)) != crc32c::value(p, 60)) {
    return make_error(ErrorCode::kCorruption, "segment header checksum mismatch");
  }
  uint32_t version = coding::get_fixed32(p + 8);
  if (version != kFormatVersion) {
    return make_error(ErrorCode::kInvalidArgument,
                      "segment format version " + std::to_string(version) +
                          " is not supported by this build (supports " +
                          std::to_string(kFormatVersion) + ")");
  }
  if (coding::get_fixed32(p + 12) != kSegmentHeaderSize) {
    return make_error(ErrorCode::kCorruption, "segment header size mismatch");
  }
  SegmentHeader h;
  h.base = coding::get_fixed64(p + 16);
  std::memcpy(h.store_id.data(), p + 24, 16);
  h.created_micros = static_cast<int64_t>(coding::get_fixed64(p + 40));
  return h;
}

std::string segment_file_name(uint64_t base) {
  std::string digits = std::to_string(base);
  return std::string(20 - digits.size(), '0') + digits + kSegmentSuffix;
}

std::optional<uint64_t> parse_segment_file_name(const std::string& name) {
  constexpr size_t kLen = 20 + sizeof(kSegmentSuffix) - 1;
  if (name.size() != kLen || !name.ends_with(kSegmentSuffix)) return std::nullopt;
  uint64_t base = 0;
  auto [ptr, ec] = std::from_chars(name.data(), name.data() + 20, base);
  if (ec != std::errc() || ptr != name.data() + 20) return std::nullopt;
  return base;
}

}  // namespace mnemos::storage
