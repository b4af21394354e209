#include "append_completions.h"

#include <utility>

namespace mnemos::server {

AppendCompletions::AppendCompletions() : thread_([this] { run(); }) {}

AppendCompletions::~AppendCompletions() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  added_.notify_one();
  thread_.join();
}

void AppendCompletions::add(std::future<Result<AppendResult>> append, Then then) {
  bool was_empty = false;
  {
    std::lock_guard lock(mu_);
    was_empty = pending_.empty();
    pending_.push_back(Pending{std::move(append), std::move(then)});
  }
  // Otherwise the thread is busy or waits on an older append, and takes this one after it.
  if (was_empty) added_.notify_one();
}

void AppendCompletions::run() {
  std::deque<Pending> taken;
  std::unique_lock lock(mu_);
  while (true) {
    added_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
    if (pending_.empty()) return;  // stopping, and nothing is left
    taken.swap(pending_);
    running_ = true;
    lock.unlock();
    for (Pending& p : taken) p.then(p.append.get());
    taken.clear();
    lock.lock();
    running_ = false;
    if (pending_.empty()) idle_.notify_all();
  }
}

void AppendCompletions::wait_idle() {
  std::unique_lock lock(mu_);
  idle_.wait(lock, [&] { return pending_.empty() && !running_; });
}

}  // namespace mnemos::server
