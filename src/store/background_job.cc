#include "store/background_job.h"

#include "util/futex.h"

namespace mnemos::store {

BackgroundJob::BackgroundJob() : thread_([this] { run(); }) {}

BackgroundJob::~BackgroundJob() {
  futex::store_and_wake(state_, kStop);
  thread_.join();
}

void BackgroundJob::start(std::function<Status()> job) {
  job_ = std::move(job);
  futex::store_and_wake(state_, kOffered);
}

Status BackgroundJob::wait() {
  uint32_t offered = kOffered;
  if (state_.compare_exchange_strong(offered, kIdle, std::memory_order_acq_rel)) {
    // The thread has not begun it: run it here (the thread finds kIdle and sleeps again).
    taken_back_.fetch_add(1, std::memory_order_relaxed);
    auto job = std::move(job_);
    job_ = nullptr;
    return job();
  }
  futex::wait_while(state_, kRunning);  // now kDone
  Status result = std::move(result_);
  state_.store(kIdle, std::memory_order_relaxed);
  return result;
}

void BackgroundJob::run() {
  uint32_t seen = state_.load(std::memory_order_acquire);
  while (seen != kStop) {
    uint32_t offered = kOffered;
    if (seen == kOffered &&
        state_.compare_exchange_strong(offered, kRunning, std::memory_order_acq_rel)) {
      auto job = std::move(job_);
      job_ = nullptr;
      result_ = job();
      futex::store_and_wake(state_, kDone);
      seen = kDone;
    } else if (seen == kOffered) {
      seen = offered;  // taken back meanwhile
      continue;
    }
    // Sleeps until the word changes (kDone or kIdle: until the next job is offered).
    seen = futex::wait_while(state_, seen);
  }
}

}  // namespace mnemos::store
