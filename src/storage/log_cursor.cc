#include "storage/log_cursor.h"

#include <algorithm>

namespace mnemos::storage {
namespace {
constexpr size_t kMaxReadSize = 1 << 20;
}

LogCursor::LogCursor(const SegmentSet& segments, uint64_t position, uint64_t end,
                     size_t first_read)
    : segments_(segments), next_position_(position), end_(end), read_size_(first_read) {}

Status LogCursor::fill(const Segment& segment, uint64_t position, uint64_t limit, size_t want) {
  size_t size =
      static_cast<size_t>(std::min<uint64_t>(std::max(want, read_size_), limit - position));
  read_size_ = std::min(read_size_ * 2, kMaxReadSize);
  if (buffer_capacity_ < size) {
    buffer_.reset(new char[size]);
    buffer_capacity_ = size;
  }
  auto n = segment.file->read_at(position - segment.base, std::span<char>(buffer_.get(), size));
  if (!n) return std::unexpected(n.error());
  buffer_start_ = position;
  buffer_len_ = *n;
  buffer_segment_ = &segment;
  return {};
}

Result<LogCursor::Step> LogCursor::next() {
  uint64_t pos = next_position_;
  while (true) {
    if (pos >= end_) return Step::kEnd;
    // The segment lookup takes a lock: do it only when leaving the current segment.
    if (!segment_ || pos < segment_->base || pos >= segment_end_) {
      auto located = segments_.locate(pos);
      if (!located) {
        pos = segments_.first_position();
        if (pos >= end_ || segments_.count() == 0) return Step::kEnd;
        continue;
      }
      segment_ = located->segment;
      segment_end_ = located->end;
      // Bytes readable through the mapping: those the file holds now (it only grows).
      mapped_ = segment_->file->mapping();
      if (!mapped_.empty()) {
        auto size = segment_->file->size();
        if (!size) return std::unexpected(size.error());
        mapped_ = mapped_.first(static_cast<size_t>(std::min<uint64_t>(*size, mapped_.size())));
      }
    }
    const Segment& segment = *segment_;
    if (pos < segment.first_position()) pos = segment.first_position();
    const uint64_t limit = std::min(end_, segment_end_);
    if (pos >= limit) {
      if (limit == end_) return Step::kEnd;
      pos = segment_end_;  // on to the next segment
      continue;
    }
    position_ = pos;
    segment_base_ = segment.base;
    if (limit - segment.base <= mapped_.size()) {  // the whole readable range is mapped
      if (pos + kRecordHeaderSize > prefetched_until_ || pos < prefetch_from_) {
        // Map the pages of the next stretch in one go; stretches grow like reads do.
        const uint64_t length = std::min<uint64_t>(read_size_, limit - pos);
        // The first stretch is not announced: most reads are short and find their pages mapped
        // already, and the madvise cost more than the few faults it saves.
        if (prefetched_until_ != 0) segment.file->will_read(pos - segment.base, length);
        // A stretch that touches the previous one extends it, so that seeking back into what
        // was read (backward reads) does not announce the same pages again.
        const bool touching = pos <= prefetched_until_ && pos + length >= prefetch_from_;
        prefetch_from_ = touching ? std::min(prefetch_from_, pos) : pos;
        prefetched_until_ = touching ? std::max(prefetched_until_, pos + length) : pos + length;
        read_size_ = std::min(read_size_ * 2, kMaxReadSize);
      }
      decoded_ = decode_record(mapped_.subspan(pos - segment.base, limit - pos));
    } else if (auto s = decode_buffered(segment, pos, limit); !s) {
      return std::unexpected(s.error());
    }
    switch (decoded_.status) {
      case DecodeStatus::kOk:
        next_position_ = pos + decoded_.size;
        return Step::kRecord;
      case DecodeStatus::kSkippable:
        pos += decoded_.size;
        continue;
      default:
        next_position_ = pos;
        return Step::kInvalid;
    }
  }
}

Status LogCursor::decode_buffered(const Segment& segment, uint64_t pos, uint64_t limit) {
  const bool buffered = buffer_segment_ == &segment && pos >= buffer_start_ &&
                        pos + kRecordHeaderSize <= buffer_start_ + buffer_len_;
  if (!buffered) {
    if (auto s = fill(segment, pos, limit, kRecordHeaderSize); !s) return s;
  }
  auto view = [&] {
    return std::span<const char>(buffer_.get() + (pos - buffer_start_),
                                 buffer_len_ - (pos - buffer_start_));
  };
  decoded_ = decode_record(view());
  if (decoded_.status == DecodeStatus::kIncomplete && pos + decoded_.size <= limit &&
      decoded_.size > view().size()) {
    if (auto s = fill(segment, pos, limit, decoded_.size); !s) return s;
    decoded_ = decode_record(view());
  }
  return {};
}

Result<bool> LogCursor::next_valid() {
  auto step = next();
  if (!step) return std::unexpected(step.error());
  if (*step == Step::kEnd) return false;
  if (*step == Step::kRecord) return true;
  Error e{ErrorCode::kCorruption,
          "damaged record at log position " + std::to_string(position_) + " (" +
              (decoded_.status == DecodeStatus::kBadChecksum ? "checksum mismatch"
               : decoded_.status == DecodeStatus::kEndOfLog  ? "zeroed bytes"
               : decoded_.status == DecodeStatus::kIncomplete ? "truncated record"
                                                              : "malformed record") +
              ")",
          std::nullopt, position_};
  return std::unexpected(std::move(e));
}

}  // namespace mnemos::storage
