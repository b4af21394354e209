// Runs one job at a time on a thread of its own, unless the caller needs the result before that
// thread has begun it: then the caller runs it itself. The writer uses it to write a batch's
// index entries while the batch's fdatasync is in flight on the writer's own thread. On a busy
// 2-core machine a woken thread can wait longer for a core than the job takes, so waiting for a
// job that has not started would only add that wait; taking it back bounds the cost of the
// hand-off to one wake-up.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <thread>

#include "mnemos/error.h"

namespace mnemos::store {

class BackgroundJob {
 public:
  BackgroundJob();
  ~BackgroundJob();
  BackgroundJob(const BackgroundJob&) = delete;
  BackgroundJob& operator=(const BackgroundJob&) = delete;

  // Offers `job` to the thread; the previous one must have been waited for.
  void start(std::function<Status()> job);
  // The job's result: runs it here if the thread has not taken it yet, else waits for it.
  Status wait();
  // How many jobs the caller took back (for tests and statistics).
  uint64_t taken_back() const { return taken_back_.load(std::memory_order_relaxed); }

 private:
  enum State : uint32_t { kIdle, kOffered, kRunning, kDone, kStop };
  void run();

  std::atomic<uint32_t> state_{kIdle};  // the thread and the caller sleep on it in turn
  std::function<Status()> job_;         // set while kIdle by the caller, read by who runs it
  Status result_;                       // set by the thread before kDone
  std::atomic<uint64_t> taken_back_{0};
  std::thread thread_;
};

}  // namespace mnemos::store
