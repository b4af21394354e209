// Events and append requests as JSON: what the CLI reads (append --stdin, import) and what the
// HTTP API takes (POST /streams/{stream}).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "json/event_json.h"
#include "mnemos/types.h"

namespace mnemos::json {

// Parses one line of NDJSON input. kInvalidArgument when it is not JSON.
Result<Json> parse_json_line(std::string_view line);

// The string value of `key` in `object`; kInvalidArgument ("<what> needs \"key\" (a string)")
// when it is missing or not a string.
Result<std::string> required_string(const Json& object, const std::string& key,
                                    std::string_view what);

// An event to append: {"id"?,"type","data"?,"data_encoding"?,"metadata"?,"metadata_encoding"?}.
// A payload is a JSON value (null or absent: none), or a base64 string when its encoding says
// "base64" (then it is stored as binary). Other keys (those of a printed event) are ignored.
Result<EventData> event_data_from_json(const Json& event);

// "any" | "no_stream" | "exists" | N, as a string or a number (-1: no_stream); null: any.
Result<ExpectedRevision> expected_from_json(const Json& value);

// A line of `append --stdin`: {"stream":S,"expected"?:...,"events":[event, ...]}.
struct AppendRequest {
  std::string stream;
  ExpectedRevision expected = ExpectedRevision::any();
  std::vector<EventData> events;
};
Result<AppendRequest> append_request_from_json(const Json& request);
Result<AppendRequest> parse_append_request(std::string_view line);

// Checks that `text` is JSON; `what` names it in the error ("--data").
Status check_json_text(std::string_view text, std::string_view what);

}  // namespace mnemos::json
