#include "store/validation.h"

#include <simdjson.h>

#include <string>

#include "util/utf8.h"

namespace mnemos::store {
namespace {

Status validate_name(std::string_view what, std::string_view name, size_t max) {
  if (name.empty()) return make_error(ErrorCode::kInvalidArgument, std::string(what) + " is empty");
  if (name.size() > max) {
    return make_error(ErrorCode::kInvalidArgument, std::string(what) + " is " +
                                                       std::to_string(name.size()) +
                                                       " bytes; the limit is " + std::to_string(max));
  }
  if (!is_valid_utf8(name)) {
    return make_error(ErrorCode::kInvalidArgument, std::string(what) + " is not valid UTF-8");
  }
  return {};
}

// simdjson validates at memory speed; it needs the input copied into a padded buffer.
bool is_json(std::string_view bytes) {
  if (bytes.empty()) return true;
  thread_local simdjson::dom::parser parser;
  thread_local std::string padded;
  padded.assign(bytes);
  padded.resize(bytes.size() + simdjson::SIMDJSON_PADDING, '\0');
  simdjson::dom::element doc;
  return parser.parse(padded.data(), bytes.size(), /*realloc_if_needed=*/false).get(doc) ==
         simdjson::SUCCESS;
}

}  // namespace

Status validate_stream_name(std::string_view stream) {
  if (auto s = validate_name("stream name", stream, kMaxStreamNameBytes); !s) return s;
  if (stream == "$all") {
    return make_error(ErrorCode::kInvalidArgument, "$all is not a stream; it is the whole log");
  }
  return {};
}

uint64_t event_size(const EventData& e) {
  return e.type.size() + e.data.size() + e.metadata.size() + 16;
}

Status prepare_events(std::vector<EventData>& events, const Options& options) {
  if (events.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "an append needs at least one event");
  }
  uint64_t total = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    EventData& e = events[i];
    const std::string at = events.size() > 1 ? " (event " + std::to_string(i) + ")" : "";
    if (auto s = validate_name("event type" + at, e.type, kMaxEventTypeBytes); !s) return s;
    const uint64_t size = event_size(e);
    if (size > options.max_event_size) {
      return make_error(ErrorCode::kTooLarge, "event" + at + " is " + std::to_string(size) +
                                                  " bytes; the limit is " +
                                                  std::to_string(options.max_event_size));
    }
    total += size;
    if (e.data_type == ContentType::kJson && !is_json(e.data)) {
      return make_error(ErrorCode::kInvalidArgument,
                        "event data" + at + " is marked JSON but is not valid JSON");
    }
    if (e.metadata_type == ContentType::kJson && !is_json(e.metadata)) {
      return make_error(ErrorCode::kInvalidArgument,
                        "event metadata" + at + " is marked JSON but is not valid JSON");
    }
    if (!e.id) e.id = Uuid::random();
  }
  if (total > options.max_append_size) {
    return make_error(ErrorCode::kTooLarge, "append is " + std::to_string(total) +
                                                " bytes; the limit is " +
                                                std::to_string(options.max_append_size));
  }
  return {};
}

}  // namespace mnemos::store
