// One futex word that many threads sleep on, each with its own bits, so that a single system
// call wakes a whole group (the callers of one batch) and nobody else. Waking 7 threads with 7
// futex calls on this 2-core VM took the waker 50-80 us and the last of them ran after ~190 us;
// one call for the 7 took 30-40 us and all had run after 40-75 us.
//
// Protocol: a waiter reads generation(), then checks its condition, then sleeps with
// wait(generation, bits) unless the condition holds; a waker makes the condition true first,
// then calls wake(bits). A wake between the waiter's check and its sleep changes the word, so
// the sleep returns at once. Wakes of other groups that share a bit are spurious: the waiter
// checks again and sleeps again.
#pragma once

#include <atomic>
#include <climits>
#include <cstdint>

#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace mnemos::store {

class WakeWord {
 public:
  uint32_t generation() const { return word_.load(std::memory_order_seq_cst); }

  // Sleeps while the word still holds `generation`, until a wake() with a bit of `bits`.
  // May return spuriously.
  void wait(uint32_t generation, uint32_t bits) {
#if defined(__linux__)
    ::syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word_), FUTEX_WAIT_BITSET_PRIVATE,
              generation, nullptr, nullptr, bits);
#else
    (void)bits;
    word_.wait(generation, std::memory_order_seq_cst);
#endif
  }

  // Wakes every thread sleeping with one of `bits`.
  void wake(uint32_t bits) {
    word_.fetch_add(1, std::memory_order_seq_cst);
#if defined(__linux__)
    ::syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word_), FUTEX_WAKE_BITSET_PRIVATE, INT_MAX,
              nullptr, nullptr, bits);
#else
    (void)bits;
    word_.notify_all();
#endif
  }

 private:
  static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t));
  std::atomic<uint32_t> word_{0};
};

}  // namespace mnemos::store
