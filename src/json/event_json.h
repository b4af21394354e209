// The JSON shapes of events, append acknowledgements and errors: what the CLI prints (one object
// a line) and what the HTTP API sends. The shapes are a contract (docs/CLI.md, docs/HTTP.md);
// keys keep the order written here.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "mnemos/error.h"
#include "mnemos/types.h"

namespace mnemos::json {

using Json = nlohmann::ordered_json;

// {"stream","revision","position","id","type","timestamp","data","metadata"}. A JSON payload
// prints as its JSON value (null when empty); a binary one as a base64 string, followed by
// "data_encoding":"base64" (or "metadata_encoding").
Json event_json(const RecordedEvent& event);

// {"stream","first_revision","last_revision","position"}
Json ack_json(std::string_view stream, const AppendResult& result);

// {"error":{"code","message","actual_revision"?}}
Json error_line_json(const Error& error);

// "live", "soft_deleted", "tombstoned".
std::string_view stream_state_name(StreamState state);

// {"stream","metadata","revision"}: the metadata as its JSON value (the text when it is not JSON).
Json metadata_json(std::string_view stream, const StreamMetadataResult& metadata);

// {"events","streams","log_bytes","index_bytes","segments","head_position","appends","syncs"}
Json stats_json(const StoreStats& stats);

// `value` on one line; invalid UTF-8 in strings is replaced rather than thrown on.
std::string dump_line(const Json& value);

}  // namespace mnemos::json
