#include "progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

namespace mnemos::bench {

Progress::Progress(std::string label, uint64_t total)
    : label_(std::move(label)),
      total_(total),
      terminal_(::isatty(STDERR_FILENO) != 0),
      thread_([this] { loop(); }) {}

Progress::~Progress() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
  if (terminal_) fmt::print(stderr, "\r\033[K");
}

void Progress::loop() {
  using namespace std::chrono_literals;
  const auto start = std::chrono::steady_clock::now();
  const auto period = terminal_ ? 1s : 10s;
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, period, [this] { return stop_; })) {
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    uint64_t done = done_.load(std::memory_order_relaxed);
    fmt::print(stderr, "{}  {}: {}/{} ({:.0f}%), {:.0f} s{}", terminal_ ? "\r\033[K" : "", label_,
               done, total_, total_ ? 100.0 * static_cast<double>(done) / static_cast<double>(total_) : 0.0,
               seconds, terminal_ ? "" : "\n");
    std::fflush(stderr);
  }
}

}  // namespace mnemos::bench
