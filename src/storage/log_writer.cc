#include "storage/log_writer.h"

#include <algorithm>
#include <mutex>
#include <thread>
#include <vector>

#include "util/time_format.h"

namespace mnemos::storage {
namespace {
// Space is reserved in steps of this size, so that a sync rarely has to flush a size change.
constexpr uint64_t kAllocationStep = 4ull << 20;
// A reservation writes and syncs its zeros in chunks of this size: a commit that syncs while
// one is in flight flushes at most this much with its own bytes.
constexpr uint64_t kReservationChunk = 256 << 10;
}  // namespace

// Zeroes [from, to) of a segment file chunk by chunk (write, then sync), on a thread of its
// own. ready() is where the zeros on disk end: the log may be written below it, never above.
class LogWriter::Reservation {
 public:
  Reservation(WritableFile& file, uint64_t base, uint64_t from, uint64_t to)
      : ready_(from), end_(to), thread_([this, &file, base] { run(file, base); }) {}
  ~Reservation() { finish(); }
  Reservation(const Reservation&) = delete;
  Reservation& operator=(const Reservation&) = delete;

  uint64_t ready() const { return ready_.load(std::memory_order_acquire); }
  uint64_t end() const { return end_; }
  // Waits for the thread to finish: ready() is then final (end(), or where an error stopped it).
  void wait() {
    if (thread_.joinable()) thread_.join();
  }
  // Stops it where it is (ready() is then final).
  void finish() {
    stop_.store(true, std::memory_order_relaxed);
    wait();
  }
  // Whether one of its syncs failed, once any sync of it in flight has returned. Its syncs
  // flush the whole file, the log's own bytes too, and the kernel reports a failed writeback
  // to one sync only: the one that failed here may have been the log's.
  bool sync_failed() {
    std::lock_guard lock(sync_mu_);
    return sync_failed_;
  }

 private:
  void run(WritableFile& file, uint64_t base) {
    for (uint64_t p = ready(); p < end_ && !stop_.load(std::memory_order_relaxed);) {
      const uint64_t n = std::min(kReservationChunk, end_ - p);
      // A failed write only stops the reservation: the writer then reserves the space itself,
      // and reports the error if it fails again. A failed sync is the log's failure too.
      if (!file.allocate(p - base, n)) return;
      {
        std::lock_guard lock(sync_mu_);
        if (!file.sync()) {
          sync_failed_ = true;
          return;
        }
      }
      p += n;
      ready_.store(p, std::memory_order_release);
    }
  }

  std::atomic<uint64_t> ready_;
  const uint64_t end_;
  std::atomic<bool> stop_{false};
  std::mutex sync_mu_;  // held through each sync
  bool sync_failed_ = false;
  std::thread thread_;  // last: it starts once the fields above are set
};

LogWriter::LogWriter(std::shared_ptr<FileSystem> fs, std::string log_dir, SegmentSet& segments,
                     SegmentHeader header, std::unique_ptr<WritableFile> file, uint64_t position,
                     uint64_t segment_size)
    : fs_(std::move(fs)),
      log_dir_(std::move(log_dir)),
      segments_(segments),
      header_(header),
      file_(std::move(file)),
      position_(position),
      synced_(position),
      allocated_(header.base),
      segment_size_(segment_size) {}

LogWriter::~LogWriter() = default;

Result<std::unique_ptr<LogWriter>> LogWriter::open(std::shared_ptr<FileSystem> fs,
                                                   std::string log_dir, SegmentSet& segments,
                                                   const SegmentHeader& tail,
                                                   uint64_t write_position, uint64_t segment_size) {
  auto file = fs->open_writable(log_dir + "/" + segment_file_name(tail.base), OpenMode::kExisting);
  if (!file) return std::unexpected(file.error());
  auto readable = fs->open_readable(log_dir + "/" + segment_file_name(tail.base));
  if (!readable) return std::unexpected(readable.error());
  auto size = (*readable)->size();
  if (!size) return std::unexpected(size.error());
  std::unique_ptr<LogWriter> w(new LogWriter(fs, std::move(log_dir), segments, tail,
                                             std::move(*file), write_position, segment_size));
  w->allocated_ = tail.base + *size;
  return w;
}

Result<std::unique_ptr<LogWriter>> LogWriter::create(std::shared_ptr<FileSystem> fs,
                                                     std::string log_dir, SegmentSet& segments,
                                                     const StoreId& store_id,
                                                     uint64_t segment_size) {
  SegmentHeader header;
  header.store_id = store_id;
  std::unique_ptr<LogWriter> w(
      new LogWriter(fs, std::move(log_dir), segments, header, nullptr, 0, segment_size));
  if (auto s = w->start_segment(0); !s) return std::unexpected(s.error());
  return w;
}

bool LogWriter::fits(uint64_t bytes) const {
  uint64_t used = position_ - header_.base;
  return used <= kSegmentHeaderSize || used + bytes <= segment_size_;
}

void LogWriter::take_reserved(bool wait) {
  if (!ahead_) return;
  if (wait) ahead_->wait();
  allocated_ = std::max(allocated_, ahead_->ready());
  if (wait || allocated_ == ahead_->end()) drop_reservation();
}

void LogWriter::drop_reservation() {
  if (!ahead_) return;
  ahead_->finish();
  if (ahead_->sync_failed()) reservation_sync_failed_ = true;
  ahead_.reset();
}

void LogWriter::reserve_ahead() {
  take_reserved(/*wait=*/false);
  const uint64_t segment_end = header_.base + segment_size_;
  if (ahead_ || allocated_ >= segment_end || allocated_ - position_ >= kAllocationStep) return;
  ahead_ = std::make_unique<Reservation>(*file_, header_.base, allocated_,
                                         std::min(allocated_ + kAllocationStep, segment_end));
}

Status LogWriter::write(std::string_view bytes) {
  if (bytes.empty()) return {};
  uint64_t end = position_ + bytes.size();
  if (end > allocated_) take_reserved(/*wait=*/end > (ahead_ ? ahead_->ready() : 0));
  if (end > allocated_) {
    uint64_t target = std::max(end, allocated_ + kAllocationStep);
    target = std::min(target, std::max(end, header_.base + segment_size_));
    if (auto s = file_->allocate(allocated_ - header_.base, target - allocated_); !s) return s;
    allocated_ = target;
  }
  if (auto s = file_->write_at(position_ - header_.base, bytes); !s) return s;
  position_ = end;
  reserve_ahead();
  return {};
}

Status LogWriter::sync() {
  if (synced_ == position_) return {};
  if (auto s = file_->sync(); !s) return s;
  // A sync of the reservation thread may have taken the report of a failed writeback of these
  // bytes (the kernel reports it once): this one then succeeded without them on disk.
  if (reservation_sync_failed_ || (ahead_ && ahead_->sync_failed())) {
    reservation_sync_failed_ = true;
    return make_error(ErrorCode::kIoError,
                      "sync of the log failed (reported to the sync of its reserved space)");
  }
  synced_ = position_;
  return {};
}

Status LogWriter::roll() {
  if (auto s = sync(); !s) return s;
  drop_reservation();  // the rest of this segment stays unused
  if (reservation_sync_failed_) return make_error(ErrorCode::kIoError, "sync of the log failed");
  return start_segment(position_);
}

// A segment appears under its final name only once its header and its first reserved space
// are on disk: it is built under a temporary name, synced, then renamed. A crash in between
// leaves a temporary file that recovery removes, never a segment without a header.
Status LogWriter::start_segment(uint64_t base) {
  const std::string path = log_dir_ + "/" + segment_file_name(base);
  const std::string temp = path + kSegmentTempSuffix;
  if (auto s = fs_->remove_file(temp); !s) return s;
  auto file = fs_->open_writable(temp, OpenMode::kCreateNew);
  if (!file) return std::unexpected(file.error());
  SegmentHeader header = header_;
  header.base = base;
  header.created_micros = now_timestamp().micros;
  const uint64_t reserve = std::max<uint64_t>(std::min(kAllocationStep, segment_size_),
                                              kSegmentHeaderSize);
  if (auto s = (*file)->allocate(0, reserve); !s) return s;
  if (auto s = (*file)->write_at(0, encode_segment_header(header)); !s) return s;
  if (auto s = (*file)->sync(); !s) return s;
  if (auto s = fs_->rename(temp, path); !s) return s;
  if (auto s = fs_->sync_dir(log_dir_); !s) return s;
  auto readable = fs_->open_readable(path);
  if (!readable) return std::unexpected(readable.error());
  auto segment = std::make_shared<Segment>();
  segment->base = base;
  segment->path = path;
  segment->file = std::move(*readable);
  segments_.add(std::move(segment));
  header_ = header;
  file_ = std::move(*file);
  position_ = base + kSegmentHeaderSize;
  synced_ = position_;
  allocated_ = base + reserve;
  return {};
}

Status LogWriter::zero_range(uint64_t from, uint64_t to) {
  if (from >= to) return {};
  std::vector<char> zeros(std::min<uint64_t>(to - from, 1 << 20), '\0');
  for (uint64_t p = from; p < to;) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(zeros.size(), to - p));
    if (auto s = file_->write_at(p - header_.base, std::span<const char>(zeros.data(), n)); !s) {
      return s;
    }
    p += n;
  }
  return file_->sync();
}

}  // namespace mnemos::storage
