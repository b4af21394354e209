// Errors are values: every fallible call in the public API returns Result<T>.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace mnemos {

// Stable numbers: they are a contract (CLI exit codes, HTTP and gRPC statuses are mapped from
// them in one table each). Never renumber or reuse a value.
enum class ErrorCode : int {
  kWrongExpectedRevision = 1,  // `actual_revision` says what the stream is at (-1: no stream)
  kStreamDeleted = 2,          // tombstoned for good (or soft-deleted where that is an error)
  kNotFound = 3,               // stream does not exist or is soft-deleted
  kInvalidArgument = 4,        // bad name, type, id, JSON, option
  kCorruption = 5,             // damaged record; `position` says where
  kIoError = 6,                // a read, write or sync failed
  kLocked = 7,                 // another process owns the data directory
  kTooLarge = 8,               // event or append over the configured limit
  kStopped = 9,                // store closed, or it stopped writing after an I/O failure
  kTimeout = 10,
  kCancelled = 11,
};

// "wrong_expected_revision", "stream_deleted", ... (snake_case, stable).
std::string_view error_code_name(ErrorCode code);

struct Error {
  ErrorCode code;
  std::string message;
  std::optional<int64_t> actual_revision;  // kWrongExpectedRevision: -1 = stream has no events
  std::optional<uint64_t> position;        // kCorruption: logical log position of the damage

  std::string to_string() const;  // "wrong_expected_revision: ..." for logs and the CLI
};

template <class T>
using Result = std::expected<T, Error>;
using Status = Result<void>;

inline std::unexpected<Error> make_error(ErrorCode code, std::string message) {
  return std::unexpected(Error{code, std::move(message), std::nullopt, std::nullopt});
}

}  // namespace mnemos
