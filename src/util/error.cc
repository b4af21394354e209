#include "mnemos/error.h"

#include <charconv>

#include "mnemos/types.h"

namespace mnemos {

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kWrongExpectedRevision: return "wrong_expected_revision";
    case ErrorCode::kStreamDeleted: return "stream_deleted";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kCorruption: return "corruption";
    case ErrorCode::kIoError: return "io_error";
    case ErrorCode::kLocked: return "locked";
    case ErrorCode::kTooLarge: return "too_large";
    case ErrorCode::kStopped: return "stopped";
    case ErrorCode::kTimeout: return "timeout";
    case ErrorCode::kCancelled: return "cancelled";
  }
  return "unknown";
}

std::string Error::to_string() const {
  std::string s(error_code_name(code));
  s += ": ";
  s += message;
  return s;
}

Result<ExpectedRevision> ExpectedRevision::parse(std::string_view text) {
  if (text == "any") return any();
  if (text == "no_stream" || text == "-1") return no_stream();
  if (text == "exists" || text == "stream_exists") return stream_exists();
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty() ||
      value >= kTombstoneRevision) {
    return make_error(ErrorCode::kInvalidArgument,
                      "invalid expected revision '" + std::string(text) +
                          "': use any, no_stream, exists or a revision number");
  }
  return exact(Revision{value});
}

std::string ExpectedRevision::to_string() const {
  switch (kind_) {
    case Kind::kAny: return "any";
    case Kind::kNoStream: return "no_stream";
    case Kind::kStreamExists: return "exists";
    case Kind::kExact: return std::to_string(revision_);
  }
  return "?";
}

}  // namespace mnemos
