// What a bench run measured, as the report and the JSON file show it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "latency.h"
#include "workload.h"

namespace mnemos::bench {

struct WorkloadResult {
  std::string system;    // "mnemos", "sqlite"
  std::string workload;  // "W1".."W4"
  int writers = 1;
  uint64_t ops = 0;      // appends or reads
  uint64_t events = 0;   // events written or read
  uint64_t failed = 0;   // appends rejected with a wrong expected revision
  double seconds = 0;    // wall clock, first operation start to last operation end
  double events_per_s = 0;
  LatencySummary latency;  // per operation
  double cpu_busy_pct = 0;
  // Of the store the workload ran on (W3/W4: the W2 store), per event stored.
  double bytes_per_event = 0;
  double raw_bytes_per_event = 0;  // `du` of the whole directory
};

struct ExtraResult {
  std::string system;
  uint64_t events = 0;                    // in the store
  double fill_seconds = 0;
  std::optional<double> reopen_seconds;   // `reopen`
  std::vector<std::pair<uint64_t, double>> rss_mib;  // `rss`: (events stored, VmRSS MiB)
  double peak_rss_mib = 0;                // `rss`: VmHWM over the fill
};

struct BenchReport {
  Sizes sizes;
  std::vector<WorkloadResult> results;
  std::vector<ExtraResult> extras;
};

}  // namespace mnemos::bench
