#include "cli/pipeline.h"

#include <chrono>

namespace mnemos::cli {

AppendPipeline::AppendPipeline(size_t window, OnDone on_done, OnIdle on_idle)
    : window_(window), on_done_(std::move(on_done)), on_idle_(std::move(on_idle)) {
  thread_ = std::thread([this] { run(); });
}

AppendPipeline::~AppendPipeline() { finish(); }

void AppendPipeline::submit(std::string stream, std::future<Outcome> outcome) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return entries_.size() + reporting_ < window_; });
  entries_.push_back(Entry{std::move(stream), std::move(outcome)});
  changed_.notify_all();
}

void AppendPipeline::submit_ready(std::string stream, Outcome outcome) {
  std::promise<Outcome> ready;
  ready.set_value(std::move(outcome));
  submit(std::move(stream), ready.get_future());
}

void AppendPipeline::drain() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return entries_.empty() && reporting_ == 0; });
}

void AppendPipeline::finish() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
    changed_.notify_all();
  }
  thread_.join();
}

void AppendPipeline::run() {
  for (;;) {
    Entry entry;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return !entries_.empty() || closing_; });
      if (entries_.empty()) return;  // closing, and everything reported
      entry = std::move(entries_.front());
      entries_.pop_front();
      ++reporting_;
    }
    if (on_idle_ && entry.outcome.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      on_idle_();
    }
    const Outcome outcome = entry.outcome.get();
    on_done_(entry.stream, outcome);
    bool idle;
    {
      std::lock_guard lock(mutex_);
      --reporting_;
      idle = entries_.empty();
      changed_.notify_all();
    }
    if (idle && on_idle_) on_idle_();
  }
}

}  // namespace mnemos::cli
