#include "cli/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include <fmt/core.h>

namespace mnemos::cli {

ProgressMeter::ProgressMeter(std::string label)
    : label_(std::move(label)), enabled_(isatty(STDERR_FILENO) == 1) {}

ProgressMeter::~ProgressMeter() { finish(); }

void ProgressMeter::update(uint64_t done, uint64_t total, const char* unit) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  drawn_ = true;
  if (total > 0) {
    const double percent = 100.0 * static_cast<double>(std::min(done, total)) /
                           static_cast<double>(total);
    fmt::print(stderr, "\r{}: {:5.1f}% ({} of {} {})\x1b[K", label_, percent, done, total, unit);
  } else {
    fmt::print(stderr, "\r{}: {} {}\x1b[K", label_, done, unit);
  }
  std::fflush(stderr);
}

void ProgressMeter::finish() {
  if (!drawn_) return;
  drawn_ = false;
  fmt::print(stderr, "\r\x1b[K");
  std::fflush(stderr);
}

}  // namespace mnemos::cli
