// The writer's memory of the latest append to each of the most recently written streams, so
// that a retried `any`/`stream_exists` append is recognised without reading the log. Bounded.
#pragma once

#include <array>
#include <cstring>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "mnemos/types.h"

namespace mnemos::store {

class RecentAppends {
 public:
  // An append is remembered by a 128-bit digest of its event ids, so that the memory per entry
  // does not depend on the number of events.
  struct Entry {
    std::array<uint64_t, 2> ids_digest{};
    size_t count = 0;
    AppendResult result;
  };

  static std::array<uint64_t, 2> digest(const std::vector<EventData>& events) {
    std::array<uint64_t, 2> d{0x9e3779b97f4a7c15ull, 0xc2b2ae3d27d4eb4full};
    for (const auto& e : events) {
      uint64_t halves[2];
      std::memcpy(halves, e.id->bytes.data(), 16);
      d[0] = mix(d[0] ^ halves[0]);
      d[1] = mix(d[1] ^ halves[1] ^ d[0]);
    }
    return d;
  }

  explicit RecentAppends(size_t capacity) : capacity_(capacity) {}

  const Entry* find(const std::string& stream) const {
    auto it = by_stream_.find(stream);
    return it == by_stream_.end() ? nullptr : &it->second;
  }

  void remember(const std::string& stream, Entry entry) {
    auto [it, inserted] = by_stream_.insert_or_assign(stream, std::move(entry));
    if (inserted) order_.push_back(stream);
    while (order_.size() > capacity_) {
      by_stream_.erase(order_.front());
      order_.pop_front();
    }
  }

 private:
  static uint64_t mix(uint64_t x) {  // splitmix64's finaliser
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
  }

  size_t capacity_;
  std::unordered_map<std::string, Entry> by_stream_;
  std::deque<std::string> order_;
};

}  // namespace mnemos::store
