#include "http/request.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

#include "json/event_input.h"
#include "util/hex.h"
#include "util/time_format.h"

namespace mnemos::http {
namespace {

std::unexpected<Error> invalid(std::string message) {
  return make_error(ErrorCode::kInvalidArgument, std::move(message));
}

std::optional<uint64_t> parse_u64(std::string_view text) {
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

int http_status(ErrorCode code) {
  switch (code) {
    case ErrorCode::kWrongExpectedRevision: return 409;
    case ErrorCode::kStreamDeleted: return 410;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kInvalidArgument: return 400;
    case ErrorCode::kTooLarge: return 413;
    case ErrorCode::kLocked:
    case ErrorCode::kStopped:
    case ErrorCode::kCancelled: return 503;
    case ErrorCode::kTimeout: return 504;
    case ErrorCode::kCorruption:
    case ErrorCode::kIoError: return 500;
  }
  return 500;
}

void send_json(httplib::Response& res, int status, const json::Json& body) {
  res.status = status;
  res.set_content(json::dump_line(body), "application/json");
}

void send_error(httplib::Response& res, const Error& error) {
  send_json(res, http_status(error.code), json::error_line_json(error));
}

void send_error(httplib::Response& res, int status, ErrorCode code, std::string message) {
  send_json(res, status, json::error_line_json(Error{code, std::move(message), {}, {}}));
}

void send_no_route(const httplib::Request& req, httplib::Response& res) {
  send_error(res, 404, ErrorCode::kNotFound,
             fmt::format("no route for {} {} (see docs/HTTP.md)", req.method, req.path));
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int hi = hex_digit_value(text[i + 1]);
    const int lo = hex_digit_value(text[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

std::string percent_encode(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(c);
    } else {
      out += fmt::format("%{:02X}", u);
    }
  }
  return out;
}

Result<StreamPath> stream_path(const httplib::Request& req) {
  std::string_view target = req.target;
  if (auto q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
  constexpr std::string_view kPrefix = "/streams/";
  if (!target.starts_with(kPrefix)) return invalid("not a stream path");
  target.remove_prefix(kPrefix.size());
  StreamPath out;
  std::string_view name = target;
  if (auto slash = target.find('/'); slash != std::string_view::npos) {
    name = target.substr(0, slash);
    out.rest = std::string(target.substr(slash + 1));
  }
  auto decoded = percent_decode(name);
  if (!decoded) return invalid("the stream name in the path has a bad percent escape");
  if (decoded->empty()) return invalid("the stream name in the path is empty");
  out.stream = std::move(*decoded);
  return out;
}

Result<std::optional<uint64_t>> u64_param(const httplib::Request& req, const char* name) {
  if (!req.has_param(name)) return std::optional<uint64_t>{};
  const std::string text = req.get_param_value(name);
  auto value = parse_u64(text);
  if (!value) return invalid(fmt::format("'{}' must be a non-negative integer, not '{}'", name, text));
  return value;
}

Result<uint64_t> limit_param(const httplib::Request& req, uint64_t default_limit, uint64_t max) {
  auto limit = u64_param(req, "limit");
  if (!limit) return std::unexpected(limit.error());
  if (!*limit) return default_limit;
  if (**limit == 0) return invalid("'limit' must be at least 1");
  return std::min(**limit, max);
}

Result<Direction> direction_param(const httplib::Request& req) {
  if (!req.has_param("direction")) return Direction::kForwards;
  const std::string text = req.get_param_value("direction");
  if (text == "forwards" || text == "forward") return Direction::kForwards;
  if (text == "backwards" || text == "backward") return Direction::kBackwards;
  return invalid(fmt::format("'direction' must be forwards or backwards, not '{}'", text));
}

Result<AsOf> as_of_param(const httplib::Request& req) {
  AsOf as_of;
  if (!req.has_param("as_of")) return as_of;
  const std::string text = req.get_param_value("as_of");
  if (auto position = parse_u64(text)) {
    as_of.position = Position{*position};
    return as_of;
  }
  auto time = parse_rfc3339(text);
  if (!time) {
    return invalid(fmt::format("'as_of' must be an RFC 3339 time (2026-11-25T10:00:00Z) or a "
                               "position, not '{}'",
                               text));
  }
  as_of.time = *time;
  return as_of;
}

Result<ExpectedRevision> expected_param(const httplib::Request& req) {
  std::string text;
  const char* where = "Expected-Revision";
  if (req.has_header("Expected-Revision")) {
    text = req.get_header_value("Expected-Revision");
  } else if (req.has_param("expected")) {
    text = req.get_param_value("expected");
    where = "expected";
  } else {
    return ExpectedRevision::any();
  }
  auto expected = ExpectedRevision::parse(text);
  if (!expected) return invalid(fmt::format("{}: {}", where, expected.error().message));
  return expected;
}

Result<PageParams> page_params(const httplib::Request& req, uint64_t default_limit, uint64_t max) {
  auto from = u64_param(req, "from");
  if (!from) return std::unexpected(from.error());
  auto limit = limit_param(req, default_limit, max);
  if (!limit) return std::unexpected(limit.error());
  auto direction = direction_param(req);
  if (!direction) return std::unexpected(direction.error());
  auto as_of = as_of_param(req);
  if (!as_of) return std::unexpected(as_of.error());
  return PageParams{*from, *limit, *direction, *as_of};
}

Result<bool> bool_param(const httplib::Request& req, const char* name) {
  if (!req.has_param(name)) return false;
  const std::string text = req.get_param_value(name);
  if (text == "true" || text == "1") return true;
  if (text == "false" || text == "0") return false;
  return invalid(fmt::format("'{}' must be true or false, not '{}'", name, text));
}

Result<json::Json> json_body(std::string_view body) {
  if (body.empty()) return invalid("the body is empty: it must be JSON");
  try {
    return json::Json::parse(body);
  } catch (const json::Json::parse_error& e) {
    return invalid(fmt::format("the body is not valid JSON: {}", e.what()));
  }
}

Result<std::vector<EventData>> events_from_body(std::string_view body) {
  auto value = json_body(body);
  if (!value) return std::unexpected(value.error());
  if (!value->is_array() || value->empty()) {
    return invalid("the body must be a non-empty JSON array of events "
                   "([{\"type\":\"...\",\"data\":{...}}])");
  }
  std::vector<EventData> events;
  events.reserve(value->size());
  for (size_t i = 0; i < value->size(); ++i) {
    auto event = json::event_data_from_json((*value)[i]);
    if (!event) return invalid(fmt::format("events[{}]: {}", i, event.error().message));
    events.push_back(std::move(*event));
  }
  return events;
}

}  // namespace mnemos::http
