// Runs one job at a time on a thread of its own. The writer uses it to index a batch while the
// batch's fdatasync is in flight.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "mnemos/error.h"

namespace mnemos::store {

class BackgroundJob {
 public:
  BackgroundJob();
  ~BackgroundJob();
  BackgroundJob(const BackgroundJob&) = delete;
  BackgroundJob& operator=(const BackgroundJob&) = delete;

  // Starts `job`; the previous one must have been waited for.
  void start(std::function<Status()> job);
  // Waits for the job started last and returns its result.
  Status wait();

 private:
  void run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::function<Status()> job_;
  std::optional<Status> result_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace mnemos::store
