#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "mnemos/error.h"

namespace mnemos {

// A 128-bit event id. Text form: canonical lowercase 8-4-4-4-12.
struct Uuid {
  std::array<uint8_t, 16> bytes{};

  static Uuid random();  // version 4
  static Result<Uuid> parse(std::string_view text);
  std::string to_string() const;
  bool is_nil() const;

  friend bool operator==(const Uuid&, const Uuid&) = default;
};

}  // namespace mnemos
