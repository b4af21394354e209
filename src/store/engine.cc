// Opening, recovery and closing of the engine.
#include "store/engine.h"

#include <algorithm>
#include <limits>

#include "util/time_format.h"

namespace mnemos::store {
namespace {

constexpr uint64_t kEnd = std::numeric_limits<uint64_t>::max();
// Recovery writes the index in batches of this many records.
constexpr size_t kReplayBatchRecords = 50'000;

std::unexpected<Error> corruption_at(uint64_t position, const std::string& what) {
  return std::unexpected(Error{ErrorCode::kCorruption,
                               what + " at log position " + std::to_string(position) +
                                   "; run `mnemos verify` for details",
                               std::nullopt, position});
}

Result<storage::SegmentHeader> read_segment_header(const storage::Segment& segment) {
  char bytes[storage::kSegmentHeaderSize];
  auto n = segment.file->read_at(0, bytes);
  if (!n) return std::unexpected(n.error());
  return storage::decode_segment_header(std::span<const char>(bytes, *n));
}

}  // namespace

Engine::Engine(std::string dir, const Options& options)
    : dir_(std::move(dir)),
      options_(options),
      fs_(options.file_system ? options.file_system : FileSystem::posix()) {}

Engine::~Engine() { close(); }

Result<std::shared_ptr<Engine>> Engine::open(const std::string& dir, const Options& options,
                                             IndexMode index_mode, const Progress& progress) {
  if (options.segment_size < storage::kSegmentHeaderSize + (64 << 10)) {
    return make_error(ErrorCode::kInvalidArgument, "segment_size must be at least 64 KiB");
  }
  if (options.max_append_size + (1 << 20) > options.segment_size) {
    return make_error(ErrorCode::kInvalidArgument,
                      "max_append_size must be at least 1 MiB below segment_size");
  }
  std::shared_ptr<Engine> engine(new Engine(dir, options));
  if (auto s = engine->recover(index_mode, progress); !s) return std::unexpected(s.error());
  engine->last_sync_ = std::chrono::steady_clock::now();
  engine->events_ = engine->counters_.events;
  engine->streams_ = engine->counters_.streams;
  engine->writer_ = std::thread([e = engine.get()] { e->run_writer(); });
  return engine;
}

Status Engine::recover(IndexMode index_mode, const Progress& progress) {
  const std::string log_dir = dir_ + "/log";
  if (auto s = fs_->create_dirs(log_dir); !s) return s;
  auto lock = fs_->lock(dir_ + "/LOCK");
  if (!lock) return std::unexpected(lock.error());
  lock_ = std::move(*lock);

  auto names = fs_->list_dir(log_dir);
  if (!names) return std::unexpected(names.error());
  std::vector<uint64_t> bases;
  for (const auto& name : *names) {
    if (auto base = storage::parse_segment_file_name(name)) bases.push_back(*base);
    // A segment whose creation a crash interrupted: it never held a record.
    if (name.ends_with(std::string(storage::kSegmentSuffix) + storage::kSegmentTempSuffix)) {
      if (auto s = fs_->remove_file(log_dir + "/" + name); !s) return s;
    }
  }
  std::sort(bases.begin(), bases.end());

  std::optional<storage::StoreId> store_id;
  std::optional<storage::SegmentHeader> tail;
  for (uint64_t base : bases) {
    auto segment = std::make_shared<storage::Segment>();
    segment->base = base;
    segment->path = log_dir + "/" + storage::segment_file_name(base);
    auto file = fs_->open_readable(segment->path);
    if (!file) return std::unexpected(file.error());
    segment->file = std::move(*file);
    auto header = read_segment_header(*segment);
    if (!header) {
      return std::unexpected(Error{header.error().code,
                                   segment->path + ": " + header.error().message, std::nullopt,
                                   base});
    }
    if (header->base != base) return corruption_at(base, "segment file name and header disagree");
    if (store_id && *store_id != header->store_id) {
      return corruption_at(base, "segment " + segment->path + " belongs to another store");
    }
    store_id = header->store_id;
    tail = *header;
    segments_.add(std::move(segment));
  }

  const std::string index_dir = dir_ + "/index";
  if (index_mode == IndexMode::kRebuild) {
    if (auto s = storage::Index::destroy(index_dir); !s) return s;
  }
  auto index = storage::Index::open(index_dir, options_.index_cache_bytes);
  if (!index) return std::unexpected(index.error());
  index_ = std::move(*index);

  auto reset_index = [&](const storage::StoreId& id) -> Status {
    index_.reset();
    if (auto s = storage::Index::destroy(index_dir); !s) return s;
    auto fresh = storage::Index::open(index_dir, options_.index_cache_bytes);
    if (!fresh) return std::unexpected(fresh.error());
    index_ = std::move(*fresh);
    counters_ = storage::IndexCounters{};
    return index_->set_store_id(id);
  };

  if (!tail) {  // a new store
    storage::StoreId id = Uuid::random().bytes;
    if (auto s = reset_index(id); !s) return s;
    auto writer = storage::LogWriter::create(fs_, log_dir, segments_, id, options_.segment_size);
    if (!writer) return std::unexpected(writer.error());
    log_ = std::move(*writer);
    committed_end_ = log_->position();
    return {};
  }

  if (index_->store_id() != store_id) {
    if (auto s = reset_index(*store_id); !s) return s;
  }
  counters_ = index_->counters();
  uint64_t start = counters_.indexed_up_to;
  if (start != 0 && !check_checkpoint(start)) {
    // The index claims more than the log holds (or disagrees with it): rebuild it.
    if (auto s = reset_index(*store_id); !s) return s;
    start = 0;
  }
  if (start == 0) start = segments_.first_position();
  if (auto b = index_->boundary_at_or_before(start)) last_boundary_ = b->position;
  committed_head_ = counters_.head_position;
  last_timestamp_ = counters_.last_timestamp;
  return replay(start, progress);
}

Status Engine::check_checkpoint(uint64_t checkpoint) const {
  auto boundary = index_->boundary_at_or_before(checkpoint);
  uint64_t from = boundary ? boundary->position : segments_.first_position();
  if (from == checkpoint) return {};
  storage::LogCursor cursor(segments_, from, checkpoint);
  uint64_t end = from;
  bool commit_end = false;
  while (true) {
    auto more = cursor.next_valid();
    if (!more) return std::unexpected(more.error());
    if (!*more) break;
    end = cursor.next_position();
    commit_end = cursor.record().commit_end;
  }
  if (end != checkpoint || !commit_end) {
    return make_error(ErrorCode::kCorruption, "index checkpoint is not at a commit end");
  }
  return {};
}

Status Engine::replay(uint64_t from, const Progress& progress) {
  storage::IndexBuilder builder(*index_, counters_, last_boundary_);
  struct Pending {
    std::string stream;
    uint64_t revision;
    uint64_t position;
    int64_t timestamp;
    bool segment_start;
  };
  std::vector<Pending> pending;
  uint64_t commit_start = from;
  uint64_t valid_end = from;
  const uint64_t tail_base = segments_.all().back()->base;
  storage::LogCursor cursor(segments_, from, kEnd);
  storage::IndexBatch batch;
  auto write_index = [&]() -> Status {
    builder.drain(batch);
    return index_->write(batch);
  };

  while (true) {
    auto step = cursor.next();
    if (!step) return std::unexpected(step.error());
    if (*step == storage::LogCursor::Step::kRecord) {
      const auto& r = cursor.record();
      if (pending.empty()) commit_start = cursor.position();
      pending.push_back(Pending{std::string(r.stream), r.revision, cursor.position(),
                                r.timestamp_micros,
                                cursor.position() == cursor.segment_base() + storage::kSegmentHeaderSize});
      if (!r.commit_end) continue;
      for (const auto& p : pending) {
        auto s = builder.add({p.stream, p.revision, p.position, p.timestamp, p.segment_start});
        if (!s) return s;
      }
      valid_end = cursor.next_position();
      builder.end_commit(valid_end);
      pending.clear();
      if (builder.pending_records() >= kReplayBatchRecords) {
        if (auto s = write_index(); !s) return s;
        if (progress) progress(valid_end - from, 0);
      }
      continue;
    }
    // The valid log stops here. Decide whether this is the torn tail of a crash or damage.
    const uint64_t damage_at = cursor.position();
    if (*step == storage::LogCursor::Step::kEnd) break;
    if (cursor.segment_base() != tail_base) {
      return corruption_at(damage_at, "damaged record in a sealed segment");
    }
    auto tail_segment = segments_.locate(damage_at)->segment;
    auto size = tail_segment->file->size();
    if (!size) return std::unexpected(size.error());
    const uint64_t file_end = tail_segment->base + *size;
    // Look at what follows the damage. A record that starts a later sync epoch was written
    // after everything before it was synced: the damaged bytes had been acknowledged, so this
    // is corruption. Otherwise the damage lies in the last, unsynced writes: a torn tail.
    std::string rest(file_end - damage_at, '\0');
    auto n = tail_segment->file->read_at(damage_at - tail_segment->base, rest);
    if (!n) return std::unexpected(n.error());
    rest.resize(*n);
    bool dirty = false;
    for (size_t off = 1; off + storage::kRecordHeaderSize <= rest.size(); ++off) {
      if (rest[off] == 0 && rest[off + 4] == 0) continue;  // no CRC and no length start here
      auto d = storage::decode_record(std::span<const char>(rest).subspan(off));
      if (d.status != storage::DecodeStatus::kOk) continue;
      if (d.event.sync_epoch_start) {
        return corruption_at(damage_at, "damaged record followed by later synced data");
      }
      dirty = true;
    }
    const bool torn = !pending.empty() || cursor.status() != storage::DecodeStatus::kEndOfLog ||
                      dirty || std::any_of(rest.begin(), rest.end(), [](char c) { return c != 0; });
    if (torn) {
      const uint64_t drop_from = pending.empty() ? damage_at : commit_start;
      if (auto s = drop_torn_tail(drop_from, file_end); !s) return s;
      valid_end = drop_from;
    }
    break;
  }
  if (auto s = write_index(); !s) return s;
  if (progress) progress(valid_end - from, valid_end - from);

  auto tail = segments_.all().back();
  valid_end = std::max(valid_end, tail->first_position());
  committed_end_ = valid_end;
  committed_head_ = counters_.head_position;
  last_timestamp_ = counters_.last_timestamp;
  if (!log_) return open_tail_writer(valid_end);
  return {};
}

Status Engine::open_tail_writer(uint64_t position) {
  auto header = read_segment_header(*segments_.all().back());
  if (!header) return std::unexpected(header.error());
  auto writer = storage::LogWriter::open(fs_, dir_ + "/log", segments_, *header, position,
                                         options_.segment_size);
  if (!writer) return std::unexpected(writer.error());
  log_ = std::move(*writer);
  return {};
}

Status Engine::drop_torn_tail(uint64_t from, uint64_t file_end) {
  if (auto s = open_tail_writer(from); !s) return s;
  return log_->zero_range(from, file_end);
}

void Engine::close() {
  {
    std::lock_guard lock(queue_mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  // Best effort: every acknowledged append is already durable; this only saves replay time.
  if (log_) (void)log_->sync();
  if (index_) (void)index_->flush();
  closed_.store(true, std::memory_order_release);
  wake_waiters();
}

bool Engine::wait_for_commit(uint64_t seen_end, std::chrono::steady_clock::time_point deadline,
                             const std::atomic<bool>& cancelled) const {
  std::unique_lock lock(commit_mu_);
  commit_cv_.wait_until(lock, deadline, [&] {
    return committed_end() > seen_end || cancelled.load() || closed();
  });
  return committed_end() > seen_end;
}

void Engine::wake_waiters() const {
  { std::lock_guard lock(commit_mu_); }
  commit_cv_.notify_all();
}

}  // namespace mnemos::store
