#include "storage/segment_set.h"

#include <algorithm>
#include <limits>

namespace mnemos::storage {

void SegmentSet::add(std::shared_ptr<const Segment> segment) {
  std::lock_guard lock(mu_);
  segments_.push_back(std::move(segment));
}

std::optional<SegmentSet::Located> SegmentSet::locate(uint64_t position) const {
  std::lock_guard lock(mu_);
  auto it = std::upper_bound(segments_.begin(), segments_.end(), position,
                             [](uint64_t p, const auto& s) { return p < s->base; });
  if (it == segments_.begin()) return std::nullopt;
  uint64_t end = it == segments_.end() ? std::numeric_limits<uint64_t>::max() : (*it)->base;
  return Located{*(it - 1), end};
}

std::shared_ptr<const Segment> SegmentSet::next_after(uint64_t base) const {
  std::lock_guard lock(mu_);
  auto it = std::upper_bound(segments_.begin(), segments_.end(), base,
                             [](uint64_t p, const auto& s) { return p < s->base; });
  return it == segments_.end() ? nullptr : *it;
}

std::vector<std::shared_ptr<const Segment>> SegmentSet::all() const {
  std::lock_guard lock(mu_);
  return segments_;
}

size_t SegmentSet::count() const {
  std::lock_guard lock(mu_);
  return segments_.size();
}

uint64_t SegmentSet::first_position() const {
  std::lock_guard lock(mu_);
  return segments_.empty() ? kSegmentHeaderSize : segments_.front()->first_position();
}

}  // namespace mnemos::storage
