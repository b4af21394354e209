// What the bench reads from the operating system: disk usage of a directory, machine-wide CPU
// time (/proc/stat) and this process's resident memory (/proc/self/status).
#pragma once

#include <cstdint>
#include <string>

namespace mnemos::bench {

// Allocated blocks of every regular file under `dir`, as `du` counts them.
uint64_t allocated_bytes(const std::string& dir);
// Sizes of every regular file under `dir` (what `du --apparent-size` counts).
uint64_t file_bytes(const std::string& dir);

// Machine-wide CPU time in clock ticks, all cores.
struct CpuTimes {
  uint64_t busy = 0;   // user + nice + system + irq + softirq + steal
  uint64_t total = 0;  // busy + idle + iowait
};
CpuTimes read_cpu_times();
// Busy share of all cores between two readings, in percent.
double busy_pct(const CpuTimes& before, const CpuTimes& after);

uint64_t rss_bytes();       // VmRSS
uint64_t peak_rss_bytes();  // VmHWM
void reset_peak_rss();      // VmHWM := VmRSS (best effort: /proc/self/clear_refs)

// What one durable commit costs on the disk under `dir`: `samples` rounds of a 512-byte write
// into written space, then fdatasync(), on a scratch file (removed after). No group commit can make N threads that
// each wait for their own commit go faster than N / p50 commits per second.
struct SyncLatency {
  double p50_us = 0;
  double p99_us = 0;
};
SyncLatency measure_fdatasync(const std::string& dir, int samples = 1000);

}  // namespace mnemos::bench
