#include "store/expected_revision_check.h"

#include <string>

namespace mnemos::store {

std::unexpected<Error> wrong_expected_revision(std::string_view stream, ExpectedRevision expected,
                                               int64_t actual) {
  std::string msg = "stream '" + std::string(stream) + "' " +
                    (actual < 0 ? std::string("has no events")
                                : "is at revision " + std::to_string(actual)) +
                    " (expected " + expected.to_string() + ")";
  return std::unexpected(
      Error{ErrorCode::kWrongExpectedRevision, std::move(msg), actual, std::nullopt});
}

std::unexpected<Error> stream_deleted(std::string_view stream, std::string_view how) {
  return make_error(ErrorCode::kStreamDeleted,
                    "stream '" + std::string(stream) + "' is " + std::string(how));
}

Status check_expected_revision(std::string_view stream, ExpectedRevision expected,
                               const StreamFacts& facts) {
  using Kind = ExpectedRevision::Kind;
  const int64_t last = facts.last_revision;
  switch (expected.kind()) {
    case Kind::kAny:
      return {};
    case Kind::kNoStream:
      if (last < 0 || facts.soft_deleted) return {};
      break;
    case Kind::kStreamExists:
      if (facts.soft_deleted) return stream_deleted(stream, "deleted");
      if (last >= 0 || facts.metastream_exists) return {};
      break;
    case Kind::kExact:
      if (static_cast<int64_t>(expected.revision().value) == last) return {};
      break;
  }
  return wrong_expected_revision(stream, expected, last);
}

}  // namespace mnemos::store
