// Reads that go page by page, so that memory stays bounded however much is read.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "mnemos/store.h"

namespace mnemos::cli {

inline constexpr uint64_t kPageSize = 1000;

using EventSink = std::function<void(const RecordedEvent&)>;

// Calls `sink` for each event of the read, in order, up to options.limit events.
Status for_each_stream_event(const Store& store, std::string_view stream,
                             ReadStreamOptions options, const EventSink& sink);
Status for_each_event(const Store& store, ReadAllOptions options, const EventSink& sink);

}  // namespace mnemos::cli
