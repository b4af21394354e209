#include "cli/output.h"

#include <cstdio>

#include <fmt/core.h>

#include "cli/base64.h"
#include "cli/exit_codes.h"
#include "util/time_format.h"

namespace mnemos::cli {
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

void print_line(const Json& value) {
  std::string line = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), stdout);
}

void flush_output() { std::fflush(stdout); }

void print_error_line(std::string_view cause) {
  std::string line = "mnemos: " + std::string(cause);
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';  // one line a cause
  }
  flush_output();  // what was printed before the error comes first
  fmt::print(stderr, "{}\n", line);
}

int report_error(const Error& error) {
  std::string cause = error.to_string();
  if (error.position && error.message.find(std::to_string(*error.position)) == std::string::npos) {
    cause += fmt::format(" (at position {})", *error.position);
  }
  print_error_line(cause);
  return exit_code_for(error.code);
}

int report_usage_error(std::string_view message) {
  return report_error(Error{ErrorCode::kInvalidArgument, std::string(message), {}, {}});
}

}  // namespace mnemos::cli
