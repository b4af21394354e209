#include "wire.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace mnemos::server {

std::string stream_name(const wire::StreamIdentifier& id) { return id.stream_name(); }

void set_stream(wire::StreamIdentifier* id, std::string_view name) { id->set_stream_name(std::string(name)); }

Result<Uuid> uuid_from(const wire::UUID& id) {
  if (id.has_structured()) {
    Uuid out;
    const auto msb = static_cast<uint64_t>(id.structured().most_significant_bits());
    const auto lsb = static_cast<uint64_t>(id.structured().least_significant_bits());
    for (int i = 0; i < 8; ++i) {
      out.bytes[static_cast<size_t>(i)] = static_cast<uint8_t>(msb >> (56 - 8 * i));
      out.bytes[static_cast<size_t>(8 + i)] = static_cast<uint8_t>(lsb >> (56 - 8 * i));
    }
    return out;
  }
  if (id.has_string()) {
    auto parsed = Uuid::parse(id.string());
    if (!parsed) return make_error(ErrorCode::kInvalidArgument, "malformed event id '" + header_safe(id.string()) + "'");
    return parsed;
  }
  return Uuid::random();  // no id given
}

void set_uuid(wire::UUID* out, const Uuid& id, bool structured) {
  if (!structured) {
    out->set_string(id.to_string());
    return;
  }
  uint64_t msb = 0, lsb = 0;
  for (int i = 0; i < 8; ++i) {
    msb = (msb << 8) | id.bytes[static_cast<size_t>(i)];
    lsb = (lsb << 8) | id.bytes[static_cast<size_t>(8 + i)];
  }
  out->mutable_structured()->set_most_significant_bits(static_cast<int64_t>(msb));
  out->mutable_structured()->set_least_significant_bits(static_cast<int64_t>(lsb));
}

bool is_json(std::string_view bytes) { return bytes.empty() || nlohmann::json::accept(bytes); }

std::string created_ticks(Timestamp t) { return std::to_string(t.micros * 10); }

void set_read_event(streams::ReadResp::ReadEvent* out, const RecordedEvent& event, bool structured_ids) {
  auto* e = out->mutable_event();
  set_uuid(e->mutable_id(), event.id, structured_ids);
  set_stream(e->mutable_stream_identifier(), event.stream);
  e->set_stream_revision(event.revision.value);
  e->set_prepare_position(event.position.value);
  e->set_commit_position(event.position.value);
  auto& metadata = *e->mutable_metadata();
  metadata["type"] = event.type;
  metadata["content-type"] = event.data_type == ContentType::kJson ? "application/json" : "application/octet-stream";
  metadata["created"] = created_ticks(event.timestamp);
  e->set_custom_metadata(event.metadata);
  e->set_data(event.data);
  out->set_commit_position(event.position.value);
}

std::string header_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (c >= 0x20 && c < 0x7f && c != '%') {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

namespace {

// -2 any, -1 no_stream, -4 stream_exists, or the revision: the trailer convention.
std::string expected_version_trailer(ExpectedRevision expected) {
  switch (expected.kind()) {
    case ExpectedRevision::Kind::kAny: return "-2";
    case ExpectedRevision::Kind::kNoStream: return "-1";
    case ExpectedRevision::Kind::kStreamExists: return "-4";
    case ExpectedRevision::Kind::kExact: return std::to_string(expected.revision().value);
  }
  return "-2";
}

}  // namespace

grpc::Status stream_deleted(grpc::ServerContextBase* context, std::string_view stream) {
  context->AddTrailingMetadata("exception", "stream-deleted");
  context->AddTrailingMetadata("stream-name", header_safe(stream));
  return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                      fmt::format("stream '{}' is deleted", header_safe(stream)));
}

grpc::Status to_status(grpc::ServerContextBase* context, const Error& error, std::string_view stream,
                       ExpectedRevision expected) {
  switch (error.code) {
    case ErrorCode::kStreamDeleted:
      return stream_deleted(context, stream);
    case ErrorCode::kWrongExpectedRevision:
      context->AddTrailingMetadata("exception", "wrong-expected-version");
      context->AddTrailingMetadata("stream-name", header_safe(stream));
      context->AddTrailingMetadata("expected-version", expected_version_trailer(expected));
      context->AddTrailingMetadata("actual-version", std::to_string(error.actual_revision.value_or(-1)));
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, error.message);
    case ErrorCode::kTooLarge:
      context->AddTrailingMetadata("exception", "maximum-append-size-exceeded");
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, error.message);
    case ErrorCode::kInvalidArgument:
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, error.message);
    case ErrorCode::kNotFound:
      context->AddTrailingMetadata("exception", "stream-not-found");
      context->AddTrailingMetadata("stream-name", header_safe(stream));
      return grpc::Status(grpc::StatusCode::NOT_FOUND, error.message);
    case ErrorCode::kStopped:
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server is shutting down: " + error.message);
    case ErrorCode::kTimeout:
      return grpc::Status(grpc::StatusCode::ABORTED, error.message);
    default:
      return grpc::Status(grpc::StatusCode::INTERNAL, error.to_string());
  }
}

}  // namespace mnemos::server
