// Progress of long work (verify, reindex, export, import) on stderr, only when stderr is a
// terminal: scripts that capture stderr see errors only.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace mnemos::cli {

class ProgressMeter {
 public:
  explicit ProgressMeter(std::string label);
  ~ProgressMeter();
  ProgressMeter(const ProgressMeter&) = delete;
  ProgressMeter& operator=(const ProgressMeter&) = delete;

  // `total` 0: unknown, shows the count only. Redraws at most ten times a second.
  void update(uint64_t done, uint64_t total, const char* unit = "bytes");

  // Clears the line; called by the destructor too.
  void finish();

 private:
  std::string label_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace mnemos::cli
