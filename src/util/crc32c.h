// CRC32C (Castagnoli), the checksum of every log record. Uses SSE4.2 when the CPU has it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mnemos::crc32c {

// Extends `crc` (0 to start) with `n` bytes.
uint32_t extend(uint32_t crc, const void* data, size_t n);
inline uint32_t value(const void* data, size_t n) { return extend(0, data, n); }

// A CRC stored next to the data it covers is masked, so that the CRC of a string that contains
// embedded CRCs is not trivially related to them (same scheme as LevelDB's log).
inline uint32_t mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }
inline uint32_t unmask(uint32_t masked) {
  uint32_t rot = masked - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}

}  // namespace mnemos::crc32c
