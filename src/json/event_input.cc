#include "json/event_input.h"

#include <fmt/core.h>

#include "json/base64.h"

namespace mnemos::json {
namespace {

std::unexpected<Error> invalid(std::string message) {
  return make_error(ErrorCode::kInvalidArgument, std::move(message));
}

// Reads payload `key` of `event` into bytes and content type.
Status read_payload(const Json& event, const std::string& key, std::string& bytes,
                    ContentType& type) {
  type = ContentType::kJson;
  bytes.clear();
  auto value = event.find(key);
  if (value == event.end() || value->is_null()) return {};
  auto encoding = event.find(key + "_encoding");
  if (encoding == event.end() || encoding->is_null()) {
    bytes = value->dump();
    return {};
  }
  if (*encoding != "base64") {
    return invalid(fmt::format("\"{}_encoding\" must be \"base64\"", key));
  }
  if (!value->is_string()) return invalid(fmt::format("\"{}\" must be a base64 string", key));
  auto decoded = base64_decode(value->get_ref<const std::string&>());
  if (!decoded) return invalid(fmt::format("\"{}\" is not valid base64", key));
  bytes = std::move(*decoded);
  type = ContentType::kBinary;
  return {};
}

}  // namespace

Result<std::string> required_string(const Json& object, const std::string& key,
                                    std::string_view what) {
  auto value = object.find(key);
  if (value == object.end() || !value->is_string()) {
    return invalid(fmt::format("{} needs \"{}\" (a string)", what, key));
  }
  return value->get<std::string>();
}

Result<Json> parse_json_line(std::string_view line) {
  Json value = Json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return invalid("not a JSON value");
  return value;
}

Result<EventData> event_data_from_json(const Json& event) {
  if (!event.is_object()) return invalid("an event must be a JSON object");
  EventData data;
  auto type = required_string(event, "type", "an event");
  if (!type) return std::unexpected(type.error());
  data.type = std::move(*type);
  auto id = event.find("id");
  if (id != event.end() && !id->is_null()) {
    if (!id->is_string()) return invalid("\"id\" must be a UUID string");
    auto uuid = Uuid::parse(id->get_ref<const std::string&>());
    if (!uuid) return invalid("\"id\": " + uuid.error().message);
    data.id = *uuid;
  }
  if (auto s = read_payload(event, "data", data.data, data.data_type); !s) {
    return std::unexpected(s.error());
  }
  if (auto s = read_payload(event, "metadata", data.metadata, data.metadata_type); !s) {
    return std::unexpected(s.error());
  }
  return data;
}

Result<ExpectedRevision> expected_from_json(const Json& value) {
  if (value.is_null()) return ExpectedRevision::any();
  if (value.is_string()) return ExpectedRevision::parse(value.get_ref<const std::string&>());
  if (value.is_number_integer()) {
    const auto n = value.get<int64_t>();
    if (n == -1) return ExpectedRevision::no_stream();
    if (n >= 0) return ExpectedRevision::parse(std::to_string(n));
  }
  return invalid("\"expected\" must be \"any\", \"no_stream\", \"exists\" or a revision number");
}

Result<AppendRequest> append_request_from_json(const Json& request) {
  if (!request.is_object()) return invalid("a request must be a JSON object");
  AppendRequest out;
  auto stream = required_string(request, "stream", "a request");
  if (!stream) return std::unexpected(stream.error());
  out.stream = std::move(*stream);
  if (auto expected = request.find("expected"); expected != request.end()) {
    auto parsed = expected_from_json(*expected);
    if (!parsed) return std::unexpected(parsed.error());
    out.expected = *parsed;
  }
  auto events = request.find("events");
  if (events == request.end() || !events->is_array() || events->empty()) {
    return invalid("a request needs \"events\" (a non-empty array)");
  }
  for (size_t i = 0; i < events->size(); ++i) {
    auto event = event_data_from_json((*events)[i]);
    if (!event) return invalid(fmt::format("events[{}]: {}", i, event.error().message));
    out.events.push_back(std::move(*event));
  }
  return out;
}

Result<AppendRequest> parse_append_request(std::string_view line) {
  auto value = parse_json_line(line);
  if (!value) return std::unexpected(value.error());
  return append_request_from_json(*value);
}

Status check_json_text(std::string_view text, std::string_view what) {
  if (text.empty()) return {};
  try {
    const Json parsed = Json::parse(text);
  } catch (const Json::parse_error& e) {
    return invalid(fmt::format("{} is not valid JSON: {}", what, e.what()));
  }
  return {};
}

}  // namespace mnemos::json
