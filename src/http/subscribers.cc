#include "http/subscribers.h"

#include <algorithm>

namespace mnemos::http {

std::optional<uint64_t> Subscribers::add(std::shared_ptr<Subscription> subscription) {
  std::lock_guard lock(mu_);
  if (closed_ || entries_.size() >= max_) return std::nullopt;
  const uint64_t id = next_id_++;
  entries_.emplace(id, Entry{std::move(subscription), Position{}});
  return id;
}

void Subscribers::remove(uint64_t id) {
  std::lock_guard lock(mu_);
  entries_.erase(id);
}

void Subscribers::delivered(uint64_t id, Position position) {
  std::lock_guard lock(mu_);
  if (auto it = entries_.find(id); it != entries_.end()) it->second.delivered = position;
}

size_t Subscribers::active() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

uint64_t Subscribers::max_lag(Position head) const {
  std::lock_guard lock(mu_);
  uint64_t lag = 0;
  for (const auto& [id, entry] : entries_) {
    if (head.value > entry.delivered.value) lag = std::max(lag, head.value - entry.delivered.value);
  }
  return lag;
}

void Subscribers::cancel_all() {
  std::lock_guard lock(mu_);
  closed_ = true;
  for (auto& [id, entry] : entries_) entry.subscription->cancel();
}

}  // namespace mnemos::http
