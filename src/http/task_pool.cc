#include "http/task_pool.h"

namespace mnemos::http {

TaskPool::TaskPool(size_t threads, size_t max_backlog) : max_backlog_(max_backlog) {
  threads_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
}

TaskPool::~TaskPool() { shutdown(); }

void TaskPool::enqueue(std::function<void()> task) {
  std::unique_lock lock(mu_);
  has_room_.wait(lock, [&] { return tasks_.size() < max_backlog_ || stopping_; });
  tasks_.push_back(std::move(task));
  has_task_.notify_one();
}

void TaskPool::shutdown() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  has_task_.notify_all();
  has_room_.notify_all();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
}

void TaskPool::work() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mu_);
      has_task_.wait(lock, [&] { return !tasks_.empty() || stopping_; });
      if (tasks_.empty()) return;  // stopping, and nothing left to run
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    has_room_.notify_one();
    task();
  }
}

}  // namespace mnemos::http
