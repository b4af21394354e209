#include "json/event_json.h"

#include "json/base64.h"
#include "util/time_format.h"

namespace mnemos::json {
namespace {

// Sets `key` to the payload, and `key`_encoding when it is not printed as JSON.
void put_payload(Json& out, const std::string& key, const std::string& bytes, ContentType type) {
  if (type == ContentType::kJson) {
    if (bytes.empty()) {
      out[key] = nullptr;
      return;
    }
    Json value = Json::parse(bytes, nullptr, /*allow_exceptions=*/false);
    if (!value.is_discarded()) {
      out[key] = std::move(value);
      return;
    }
    // Marked JSON but not parseable: print the bytes exactly rather than lose them.
  }
  out[key] = base64_encode(bytes);
  out[key + "_encoding"] = "base64";
}

}  // namespace

Json event_json(const RecordedEvent& event) {
  Json out;
  out["stream"] = event.stream;
  out["revision"] = event.revision.value;
  out["position"] = event.position.value;
  out["id"] = event.id.to_string();
  out["type"] = event.type;
  out["timestamp"] = format_rfc3339(event.timestamp);
  put_payload(out, "data", event.data, event.data_type);
  put_payload(out, "metadata", event.metadata, event.metadata_type);
  return out;
}

Json ack_json(std::string_view stream, const AppendResult& result) {
  Json out;
  out["stream"] = stream;
  out["first_revision"] = result.first_revision.value;
  out["last_revision"] = result.last_revision.value;
  out["position"] = result.position.value;
  return out;
}

Json error_line_json(const Error& error) {
  Json inner;
  inner["code"] = error_code_name(error.code);
  inner["message"] = error.message;
  if (error.actual_revision) inner["actual_revision"] = *error.actual_revision;
  Json out;
  out["error"] = std::move(inner);
  return out;
}

std::string_view stream_state_name(StreamState state) {
  switch (state) {
    case StreamState::kLive: return "live";
    case StreamState::kSoftDeleted: return "soft_deleted";
    case StreamState::kTombstoned: return "tombstoned";
  }
  return "unknown";
}

Json metadata_json(std::string_view stream, const StreamMetadataResult& metadata) {
  Json value = Json::parse(metadata.json, nullptr, /*allow_exceptions=*/false);
  Json out;
  out["stream"] = stream;
  out["metadata"] = value.is_discarded() ? Json(metadata.json) : std::move(value);
  out["revision"] = metadata.revision ? Json(metadata.revision->value) : Json(nullptr);
  return out;
}

Json stats_json(const StoreStats& stats) {
  Json out;
  out["events"] = stats.events;
  out["streams"] = stats.streams;
  out["log_bytes"] = stats.log_bytes;
  out["index_bytes"] = stats.index_bytes;
  out["segments"] = stats.segments;
  out["head_position"] = stats.head.value;
  out["appends"] = stats.appends;
  out["syncs"] = stats.syncs;
  return out;
}

std::string dump_line(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace mnemos::json
