#include "store/stream_metadata.h"

#include <nlohmann/json.hpp>

#include "mnemos/types.h"

namespace mnemos::store {
namespace {

std::optional<uint64_t> unsigned_key(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer() || it->get<int64_t>() < 0) return std::nullopt;
  return it->get<uint64_t>();
}

}  // namespace

std::string metastream_of(std::string_view stream) { return "$$" + std::string(stream); }
bool is_metastream(std::string_view stream) { return stream.starts_with("$$"); }

bool StreamMetadata::soft_deleted() const {
  return truncate_before && *truncate_before == kSoftDeletedTruncateBefore;
}

StreamMetadata parse_stream_metadata(std::string_view json) {
  StreamMetadata m;
  auto j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return m;
  m.max_count = unsigned_key(j, "$maxCount");
  m.max_age_seconds = unsigned_key(j, "$maxAge");
  m.truncate_before = unsigned_key(j, "$tb");
  return m;
}

Status validate_stream_metadata(std::string_view json) {
  auto j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) {
    return make_error(ErrorCode::kInvalidArgument, "stream metadata must be a JSON object");
  }
  for (const char* key : {"$maxCount", "$maxAge", "$tb"}) {
    auto it = j.find(key);
    if (it != j.end() && !it->is_null() &&
        !(it->is_number_integer() && it->get<int64_t>() >= 0)) {
      return make_error(ErrorCode::kInvalidArgument,
                        std::string("stream metadata ") + key + " must be a non-negative integer");
    }
  }
  return {};
}

std::string undelete_metadata(std::string_view previous_json, uint64_t truncate_before) {
  auto j = nlohmann::json::parse(previous_json, nullptr, false);
  if (!j.is_object()) j = nlohmann::json::object();
  j["$tb"] = truncate_before;
  return j.dump();
}

std::string soft_delete_metadata() {
  nlohmann::json j = nlohmann::json::object();
  j["$tb"] = kSoftDeletedTruncateBefore;
  return j.dump();
}

}  // namespace mnemos::store
