// The embedded engine: a Store on a local data directory.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "mnemos/env.h"
#include "mnemos/store.h"

namespace mnemos {

enum class Durability {
  kSync,     // default: an append is acknowledged after fdatasync of its records
  kRelaxed,  // acknowledged after write(); synced at most every `relaxed_sync_interval`.
             // A power loss can lose the appends of the last interval (never tear one).
};

struct Options {
  Durability durability = Durability::kSync;
  std::chrono::milliseconds relaxed_sync_interval{10};
  uint64_t max_event_size = 16ull << 20;   // data + metadata + type + id of one event
  uint64_t max_append_size = 64ull << 20;  // all events of one append
  uint64_t segment_size = 256ull << 20;    // a log segment rolls over past this size
  uint64_t index_cache_bytes = 32ull << 20;
  std::shared_ptr<FileSystem> file_system;  // null: the real one
};

// Opens (creating if needed) the store in `dir`. Recovers after a crash: truncates a torn tail,
// replays the unindexed log tail into the index.
// Errors: kLocked (another process owns `dir`, message names it), kCorruption, kIoError.
Result<std::unique_ptr<Store>> open_embedded(const std::string& dir, const Options& options = {});

// Called on long maintenance work: bytes done of bytes total.
using Progress = std::function<void(uint64_t done, uint64_t total)>;

struct VerifyReport {
  uint64_t records = 0;
  uint64_t commits = 0;
  uint64_t bytes = 0;
  uint64_t index_entries_checked = 0;
};

// Checks every record's CRC and framing, and that the index agrees with the log. The store must
// not be open elsewhere. Error kCorruption names the first damaged position.
Result<VerifyReport> verify_embedded(const std::string& dir, const Progress& progress = {});

// Drops the index and rebuilds it from the whole log.
Status reindex_embedded(const std::string& dir, const Progress& progress = {});

}  // namespace mnemos
