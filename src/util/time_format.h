// RFC 3339 timestamps, the text form of a commit time.
#pragma once

#include <string>
#include <string_view>

#include "mnemos/error.h"
#include "mnemos/types.h"

namespace mnemos {

// "2026-11-25T10:00:00.123456Z": UTC, always six fractional digits.
std::string format_rfc3339(Timestamp t);

// Accepts "2026-11-25T10:00:00Z", fractional seconds (up to 9 digits, truncated to µs), and
// offsets ("+02:00", "-0530"). Also a bare date "2026-11-25" (midnight UTC).
Result<Timestamp> parse_rfc3339(std::string_view text);

Timestamp now_timestamp();

}  // namespace mnemos
