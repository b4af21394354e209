#include "mnemos/uuid.h"

#include <random>

#include "util/hex.h"

namespace mnemos {
namespace {

std::mt19937_64& thread_rng() {
  thread_local std::mt19937_64 rng = [] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }();
  return rng;
}

bool is_dash_offset(size_t i) { return i == 8 || i == 13 || i == 18 || i == 23; }

}  // namespace

Uuid Uuid::random() {
  Uuid u;
  auto& rng = thread_rng();
  for (size_t i = 0; i < 16; i += 8) {
    uint64_t r = rng();
    for (size_t k = 0; k < 8; ++k) u.bytes[i + k] = static_cast<uint8_t>(r >> (8 * k));
  }
  u.bytes[6] = static_cast<uint8_t>((u.bytes[6] & 0x0f) | 0x40);  // version 4
  u.bytes[8] = static_cast<uint8_t>((u.bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  return u;
}

Result<Uuid> Uuid::parse(std::string_view text) {
  if (text.size() != 36) {
    return make_error(ErrorCode::kInvalidArgument,
                      "invalid UUID '" + std::string(text) + "': expected 8-4-4-4-12 hex digits");
  }
  Uuid u;
  size_t byte = 0;
  for (size_t i = 0; i < 36;) {
    if (is_dash_offset(i)) {
      if (text[i] != '-') break;
      ++i;
      continue;
    }
    int hi = hex_digit_value(text[i]);
    int lo = hex_digit_value(text[i + 1]);
    if (hi < 0 || lo < 0) break;
    u.bytes[byte++] = static_cast<uint8_t>(hi << 4 | lo);
    i += 2;
  }
  if (byte != 16) {
    return make_error(ErrorCode::kInvalidArgument,
                      "invalid UUID '" + std::string(text) + "': expected 8-4-4-4-12 hex digits");
  }
  return u;
}

std::string Uuid::to_string() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(36);
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
    s.push_back(kDigits[bytes[i] >> 4]);
    s.push_back(kDigits[bytes[i] & 0xf]);
  }
  return s;
}

bool Uuid::is_nil() const {
  for (auto b : bytes)
    if (b != 0) return false;
  return true;
}

}  // namespace mnemos
