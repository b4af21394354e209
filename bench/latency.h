// Per-operation latency, measured in the client with steady_clock. One recorder per thread (no
// locking); merge them when the threads are done.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

namespace mnemos::bench {

struct LatencySummary {
  uint64_t count = 0;
  double p50_us = 0;
  double p99_us = 0;
  double p999_us = 0;
  double max_us = 0;
};

class LatencyRecorder {
 public:
  using Clock = std::chrono::steady_clock;

  void reserve(size_t n) { samples_ns_.reserve(n); }
  void record(Clock::duration d) {
    samples_ns_.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count());
  }
  void merge(const LatencyRecorder& other);

  // Nearest-rank percentiles over every sample recorded.
  LatencySummary summarize() const;

 private:
  std::vector<int64_t> samples_ns_;
};

// Runs `op`, records how long it took, returns what it returned.
template <class Op>
auto timed(LatencyRecorder& recorder, Op&& op) {
  auto start = LatencyRecorder::Clock::now();
  auto result = op();
  recorder.record(LatencyRecorder::Clock::now() - start);
  return result;
}

}  // namespace mnemos::bench
