// Little-endian fixed-width and LEB128 varint encoding, as used by the on-disk formats.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace mnemos::coding {

inline void put_fixed32(char* dst, uint32_t v) { std::memcpy(dst, &v, 4); }  // x86/arm64: LE
inline void put_fixed64(char* dst, uint64_t v) { std::memcpy(dst, &v, 8); }
inline uint32_t get_fixed32(const char* src) {
  uint32_t v;
  std::memcpy(&v, src, 4);
  return v;
}
inline uint64_t get_fixed64(const char* src) {
  uint64_t v;
  std::memcpy(&v, src, 8);
  return v;
}

// Big-endian, for index keys that must sort numerically.
inline void put_big_endian64(std::string& dst, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) dst.push_back(static_cast<char>(v >> shift));
}
inline uint64_t get_big_endian64(const char* src) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(src[i]);
  return v;
}

// Writes a varint at `p` (room for 10 bytes needed); returns the end of what it wrote.
inline char* put_varint(char* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

inline void put_varint(std::string& dst, uint64_t v) {
  char buf[10];
  dst.append(buf, put_varint(buf, v));
}

inline size_t varint_length(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// Reads a varint from the front of `in` and advances it. False on truncation or overflow.
inline bool get_varint(std::string_view& in, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift <= 63 && !in.empty(); shift += 7) {
    auto byte = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    if (shift == 63 && byte > 1) return false;
    v |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

// A varint length followed by that many bytes.
inline char* put_length_prefixed(char* p, std::string_view s) {
  p = put_varint(p, s.size());
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}
inline void put_length_prefixed(std::string& dst, std::string_view s) {
  put_varint(dst, s.size());
  dst.append(s);
}
inline bool get_length_prefixed(std::string_view& in, std::string_view& out) {
  uint64_t n;
  if (!get_varint(in, n) || n > in.size()) return false;
  out = in.substr(0, n);
  in.remove_prefix(n);
  return true;
}

}  // namespace mnemos::coding
