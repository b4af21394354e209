// Progress of a long phase on stderr: rewritten in place on a terminal, a line every few
// seconds otherwise. Thread-safe add(); the meter stops when destroyed.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace mnemos::bench {

class Progress {
 public:
  Progress(std::string label, uint64_t total);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void add(uint64_t n) { done_.fetch_add(n, std::memory_order_relaxed); }

 private:
  void loop();

  std::string label_;
  uint64_t total_;
  bool terminal_;
  std::atomic<uint64_t> done_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;  // last: started after every other member is ready
};

}  // namespace mnemos::bench
