// Checks of caller input, done on the caller's thread before anything reaches the writer.
#pragma once

#include <string_view>
#include <vector>

#include "mnemos/embedded.h"
#include "mnemos/error.h"
#include "mnemos/types.h"

namespace mnemos::store {

inline constexpr size_t kMaxStreamNameBytes = 1024;
inline constexpr size_t kMaxEventTypeBytes = 512;

// Names a stream that a caller may read or write: non-empty, at most kMaxStreamNameBytes, valid
// UTF-8, and not "$all".
Status validate_stream_name(std::string_view stream);

// Validates an append and gives every event without an id a new one.
Status prepare_events(std::vector<EventData>& events, const Options& options);

// Size that an event counts against Options::max_event_size.
uint64_t event_size(const EventData& e);

}  // namespace mnemos::store
