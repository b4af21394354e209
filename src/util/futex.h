// Waiting on a 32-bit atomic word: the thread sleeps until another changes the word and wakes
// it. On Linux this is the futex system call itself, so that a wake touches only the word's
// address (the waiter may already have returned and reused the memory) and a waiter never
// spins or yields first (on a machine with few cores, spinning waiters take the core from the
// thread they wait for). Elsewhere, std::atomic's wait and notify.
#pragma once

#include <atomic>
#include <cstdint>

#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace mnemos::futex {

static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t));

// Returns once `word` holds something other than `value` (read with acquire ordering).
inline uint32_t wait_while(std::atomic<uint32_t>& word, uint32_t value) {
  uint32_t now;
  while ((now = word.load(std::memory_order_acquire)) == value) {
#if defined(__linux__)
    // Sleeps only if the word still holds `value`: a change before this call is not missed.
    ::syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAIT_PRIVATE, value, nullptr,
              nullptr, 0);
#else
    word.wait(value, std::memory_order_acquire);
#endif
  }
  return now;
}

// Stores `value` (release) and wakes one thread waiting on `word`.
inline void store_and_wake(std::atomic<uint32_t>& word, uint32_t value) {
#if defined(__linux__)
  word.store(value, std::memory_order_release);
  ::syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAKE_PRIVATE, 1, nullptr,
            nullptr, 0);
#else
  word.store(value, std::memory_order_seq_cst);
  word.notify_one();
#endif
}

}  // namespace mnemos::futex
