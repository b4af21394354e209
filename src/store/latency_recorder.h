// LatencyRecorder: a LatencyHistogram that many threads add to without a lock (relaxed atomics;
// a snapshot may be a few samples behind, never torn within one counter).
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <chrono>
#include <cstdint>

#include "mnemos/types.h"

namespace mnemos::store {

class LatencyRecorder {
 public:
  void record(std::chrono::nanoseconds duration) {
    const auto micros = static_cast<uint64_t>(
        std::max<int64_t>(0, std::chrono::duration_cast<std::chrono::microseconds>(duration).count()));
    buckets_[bucket_of(micros)].fetch_add(1, std::memory_order_relaxed);
    sum_micros_.fetch_add(micros, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
  }

  LatencyHistogram snapshot() const {
    LatencyHistogram h;
    for (size_t i = 0; i < h.buckets.size(); ++i) {
      h.buckets[i] = buckets_[i].load(std::memory_order_relaxed);
    }
    h.count = count_.load(std::memory_order_relaxed);
    h.sum_micros = sum_micros_.load(std::memory_order_relaxed);
    return h;
  }

  // The first bucket whose bound is >= micros: ceil(log2(micros)), or the overflow bucket.
  static size_t bucket_of(uint64_t micros) {
    if (micros <= 1) return 0;
    const size_t b = static_cast<size_t>(std::bit_width(micros - 1));
    return b < LatencyHistogram::kBounded ? b : LatencyHistogram::kBounded;
  }

 private:
  std::array<std::atomic<uint64_t>, LatencyHistogram::kBounded + 1> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micros_{0};
};

}  // namespace mnemos::store
