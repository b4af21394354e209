// Reading a request (path, query, headers, body) into Store arguments, and writing JSON answers.
// Every parse error is kInvalidArgument with a message that names the parameter and says what
// it accepts.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <httplib.h>

#include "json/event_json.h"
#include "mnemos/error.h"
#include "mnemos/types.h"

namespace mnemos::http {

// The HTTP status of an error (one table, docs/HTTP.md).
int http_status(ErrorCode code);

void send_json(httplib::Response& res, int status, const json::Json& body);
// {"error":{...}} with the status of its code.
void send_error(httplib::Response& res, const Error& error);
void send_error(httplib::Response& res, int status, ErrorCode code, std::string message);
// 404 {"error":{"code":"not_found","message":"no route for GET /x ..."}}
void send_no_route(const httplib::Request& req, httplib::Response& res);

// "%41b" -> "Ab"; nullopt on a bad escape.
std::optional<std::string> percent_decode(std::string_view text);
// Escapes everything but unreserved characters (RFC 3986).
std::string percent_encode(std::string_view text);

// /streams/{stream}[/{rest}] taken from the raw target, so that "%2F" in a name stays in it.
struct StreamPath {
  std::string stream;
  std::string rest;  // "" or "metadata"
};
Result<StreamPath> stream_path(const httplib::Request& req);

// Query parameters. Absent: nullopt (or the default).
Result<std::optional<uint64_t>> u64_param(const httplib::Request& req, const char* name);
Result<uint64_t> limit_param(const httplib::Request& req, uint64_t default_limit, uint64_t max);
Result<Direction> direction_param(const httplib::Request& req);
// `as_of`: an RFC 3339 time or a position (an integer).
Result<AsOf> as_of_param(const httplib::Request& req);
// The `Expected-Revision` header, else the `expected` query parameter, else any.
Result<ExpectedRevision> expected_param(const httplib::Request& req);
// from, limit, direction, as_of: what a read of a stream or of $all takes.
struct PageParams {
  std::optional<uint64_t> from;
  uint64_t limit = 0;
  Direction direction = Direction::kForwards;
  AsOf as_of;
};
Result<PageParams> page_params(const httplib::Request& req, uint64_t default_limit, uint64_t max);

// "true"/"1" or "false"/"0"; absent: false.
Result<bool> bool_param(const httplib::Request& req, const char* name);

// The body of an append: a non-empty JSON array of events (json/event_input.h).
Result<std::vector<EventData>> events_from_body(std::string_view body);

// The body parsed as JSON; `what` names it in the error.
Result<json::Json> json_body(std::string_view body);

}  // namespace mnemos::http
