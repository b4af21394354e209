#include "store/background_job.h"

namespace mnemos::store {

BackgroundJob::BackgroundJob() : thread_([this] { run(); }) {}

BackgroundJob::~BackgroundJob() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void BackgroundJob::start(std::function<Status()> job) {
  {
    std::lock_guard lock(mu_);
    job_ = std::move(job);
    result_.reset();
  }
  cv_.notify_all();
}

Status BackgroundJob::wait() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return result_.has_value(); });
  return *result_;
}

void BackgroundJob::run() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stop_ || job_ != nullptr; });
    if (stop_) return;
    auto job = std::move(job_);
    job_ = nullptr;
    lock.unlock();
    Status result = job();
    lock.lock();
    result_ = std::move(result);
    cv_.notify_all();
  }
}

}  // namespace mnemos::store
