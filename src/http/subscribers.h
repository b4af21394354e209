// Subscribers: the SSE streams being served, so that shutdown can end them and /metrics can say
// how many there are and how far behind the slowest one is.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "mnemos/store.h"

namespace mnemos::http {

class Subscribers {
 public:
  explicit Subscribers(size_t max) : max_(max) {}

  // A slot for `subscription`; empty when `max` are active or after cancel_all().
  std::optional<uint64_t> add(std::shared_ptr<Subscription> subscription);
  void remove(uint64_t id);
  void delivered(uint64_t id, Position position);  // the last position sent to `id`

  size_t active() const;
  // Head minus the oldest delivered position of the active subscribers (0 when none).
  uint64_t max_lag(Position head) const;

  // Cancels every subscription and refuses new ones.
  void cancel_all();

 private:
  struct Entry {
    std::shared_ptr<Subscription> subscription;
    Position delivered;
  };
  const size_t max_;
  mutable std::mutex mu_;
  std::unordered_map<uint64_t, Entry> entries_;
  uint64_t next_id_ = 1;
  bool closed_ = false;
};

}  // namespace mnemos::http
