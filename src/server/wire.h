// Between the KurrentDB wire messages and the Store's types: ids, stream names, expected
// revisions, recorded events, and the errors with the trailers the clients read.
#pragma once

#include <grpcpp/grpcpp.h>

#include <string>

#include "mnemos/error.h"
#include "mnemos/types.h"
#include "shared.pb.h"
#include "streams.pb.h"

namespace mnemos::server {

namespace wire = event_store::client;
namespace streams = event_store::client::streams;

// The protocol version the server reports: the clients gate features on it, and it must be a
// dotted number.
inline constexpr const char* kCompatibleServerVersion = "24.10.0";

std::string stream_name(const wire::StreamIdentifier& id);
void set_stream(wire::StreamIdentifier* id, std::string_view name);

// UUID in either form. Errors: kInvalidArgument.
Result<Uuid> uuid_from(const wire::UUID& id);
void set_uuid(wire::UUID* out, const Uuid& id, bool structured);

// The expected-revision oneof of Append, Delete and Tombstone options (same field numbers).
template <class Options>
ExpectedRevision expected_of(const Options& o) {
  switch (o.expected_stream_revision_case()) {
    case Options::kRevision: return ExpectedRevision::exact(Revision{o.revision()});
    case Options::kNoStream: return ExpectedRevision::no_stream();
    case Options::kStreamExists: return ExpectedRevision::stream_exists();
    default: return ExpectedRevision::any();
  }
}

// The message of the error for an event without `type` or `content-type` metadata.
inline constexpr const char* kMissingMetadata =
    "every event needs the metadata properties 'type' and 'content-type'";

// Whether custom metadata is JSON (it has no content type of its own: JSON when it parses).
bool is_json(std::string_view bytes);

// A proposed message (of Append or BatchAppend: the same four fields) as an event to append.
// Errors: kInvalidArgument (kMissingMetadata, or a malformed id).
template <class Message>
Result<EventData> to_event_data(const Message& m) {
  const auto type = m.metadata().find("type");
  const auto content_type = m.metadata().find("content-type");
  if (type == m.metadata().end() || content_type == m.metadata().end()) {
    return make_error(ErrorCode::kInvalidArgument, kMissingMetadata);
  }
  auto id = uuid_from(m.id());
  if (!id) return std::unexpected(id.error());
  EventData e;
  e.id = *id;
  e.type = type->second;
  e.data = m.data();
  e.data_type = content_type->second == "application/json" ? ContentType::kJson : ContentType::kBinary;
  e.metadata = m.custom_metadata();
  e.metadata_type = is_json(e.metadata) ? ContentType::kJson : ContentType::kBinary;
  return e;
}

// A recorded event as ReadResp.ReadEvent.
void set_read_event(streams::ReadResp::ReadEvent* out, const RecordedEvent& event, bool structured_ids);

// A Store error as a gRPC status, with the trailers the clients expect (`exception`,
// `stream-name`, ...) added to `context`.
grpc::Status to_status(grpc::ServerContextBase* context, const Error& error, std::string_view stream,
                       ExpectedRevision expected = ExpectedRevision::any());
grpc::Status stream_deleted(grpc::ServerContextBase* context, std::string_view stream);

// Header values must be printable ASCII: anything else is percent-encoded.
std::string header_safe(std::string_view text);

// 100-ns ticks since the Unix epoch, as the `created` metadata carries it.
std::string created_ticks(Timestamp t);

}  // namespace mnemos::server
