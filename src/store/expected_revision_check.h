// The expected-revision rules of an append, delete or tombstone (KurrentDB conventions:
// docs/FORMAT.md and the protocol notes, §6.2). A pure function of what the writer knows.
#pragma once

#include <cstdint>
#include <string_view>

#include "mnemos/error.h"
#include "mnemos/types.h"

namespace mnemos::store {

struct StreamFacts {
  int64_t last_revision = -1;      // -1: no events
  bool soft_deleted = false;       // its metadata has $tb = 2^63-1
  bool metastream_exists = false;  // `$$stream` has events
};

// OK when `expected` holds. Errors: kWrongExpectedRevision (with the actual revision), or
// kStreamDeleted for stream_exists on a soft-deleted stream. A soft-deleted stream counts as
// "no stream" for no_stream, and keeps its last revision for an exact expectation.
Status check_expected_revision(std::string_view stream, ExpectedRevision expected,
                               const StreamFacts& facts);

std::unexpected<Error> wrong_expected_revision(std::string_view stream, ExpectedRevision expected,
                                               int64_t actual);
std::unexpected<Error> stream_deleted(std::string_view stream, std::string_view how);

}  // namespace mnemos::store
