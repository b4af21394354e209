// The exit codes of the `mnemos` CLI: a contract for scripts (documented in docs/CLI.md).
// Every error the Store API can return maps to exactly one code, in the one table below.
#pragma once

#include "mnemos/error.h"

namespace mnemos::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitOtherError = 1,      // timeout, cancelled, an unexpected failure
  kExitUsage = 2,           // bad command line or input (kInvalidArgument)
  kExitWrongExpected = 3,   // kWrongExpectedRevision
  kExitNotFound = 4,        // kNotFound, kStreamDeleted
  kExitCorruption = 5,      // kCorruption
  kExitIoError = 6,         // kIoError, kStopped (the store stopped writing after an I/O failure)
  kExitLocked = 7,          // kLocked: another process owns the data directory
  kExitTooLarge = 8,        // kTooLarge
};

constexpr ExitCode exit_code_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::kWrongExpectedRevision: return kExitWrongExpected;
    case ErrorCode::kStreamDeleted: return kExitNotFound;
    case ErrorCode::kNotFound: return kExitNotFound;
    case ErrorCode::kInvalidArgument: return kExitUsage;
    case ErrorCode::kCorruption: return kExitCorruption;
    case ErrorCode::kIoError: return kExitIoError;
    case ErrorCode::kLocked: return kExitLocked;
    case ErrorCode::kTooLarge: return kExitTooLarge;
    case ErrorCode::kStopped: return kExitIoError;
    case ErrorCode::kTimeout: return kExitOtherError;
    case ErrorCode::kCancelled: return kExitOtherError;
  }
  return kExitOtherError;
}

}  // namespace mnemos::cli
