// Appends whose events say which append they belong to, and a checker for a store recovered
// after a crash or an I/O fault: every acknowledged append is there with its exact content,
// revisions are contiguous, and no append is half there.
//
// An event of the append of `n` events at revisions [first, first + n) to `stream` carries
//   data (JSON):       {"stream":"<stream>","first":<first>,"n":<n>,"i":<i>,"fill":"<...>"}
//   metadata (binary): bytes derived from (stream, first + i)
// so that the checker can recompute every byte from what it reads.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mnemos/store.h"

namespace mnemos::test {

std::vector<EventData> ledger_events(std::string_view stream, uint64_t first_revision, size_t n);

// An acknowledged append.
struct Ack {
  std::string stream;
  uint64_t first_revision = 0;
  uint64_t last_revision = 0;
  uint64_t position = 0;  // of its last event
};

// One line, "ack <stream> <first> <last> <position>", for a writer process to print.
std::string format_ack(const Ack& ack);
std::optional<Ack> parse_ack(std::string_view line);

// Appends ledger appends of 1..5 events (chosen with `seed`), to each of `streams` in turn, with
// exact expected revisions that start from each stream's current last revision. Calls `on_ack`
// after each acknowledgement. Stops when `stop` is set, after `max_appends` acknowledgements, or
// at the first failure, which it returns.
std::optional<Error> write_ledger(Store& store, const std::vector<std::string>& streams,
                                  uint64_t seed, uint64_t max_appends,
                                  const std::atomic<bool>& stop,
                                  const std::function<void(const Ack&)>& on_ack);

struct LedgerCheck {
  std::string problem;       // empty when the store is consistent
  uint64_t events = 0;       // ledger events found
  uint64_t appends = 0;      // whole appends found
  std::vector<Ack> missing;  // acknowledged appends not in the store
};

// Reads every stream named in `acks` (and every ledger stream in $all) and checks that each is
// made of whole ledger appends from revision 0 with exactly the bytes ledger_events() makes,
// and which acknowledged appends are there. Missing acknowledged appends are listed, not a
// problem by themselves: the caller decides whether they may be lost.
LedgerCheck check_ledger(const Store& store, const std::vector<Ack>& acks);

}  // namespace mnemos::test
