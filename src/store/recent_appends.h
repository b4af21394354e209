// The writer's memory of the latest append to each of the most recently written streams, so
// that a retried `any`/`stream_exists` append is recognised without reading the log. Bounded.
#pragma once

#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "mnemos/types.h"

namespace mnemos::store {

class RecentAppends {
 public:
  struct Entry {
    std::vector<Uuid> ids;
    AppendResult result;
  };

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
  size_t capacity_;
  std::unordered_map<std::string, Entry> by_stream_;
  std::deque<std::string> order_;
};

}  // namespace mnemos::store
