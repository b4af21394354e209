// Waiting with a deadline instead of sleeping: poll a condition until it holds or time is up.
#pragma once

#include <chrono>
#include <thread>

namespace mnemos::test {

// Polls `condition` until it returns true (then true) or `timeout` passes (then false).
template <class Condition>
bool wait_until(Condition&& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // poll interval, not a sync
  }
  return true;
}

}  // namespace mnemos::test
