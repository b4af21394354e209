// The single writer: takes every queued write, checks expected revisions, assigns revisions,
// positions and one commit timestamp, writes once, syncs once, indexes, publishes, completes.
#include <algorithm>
#include <limits>
#include <unordered_map>

#include "store/engine.h"
#include "store/expected_revision_check.h"
#include "store/validation.h"
#include "util/time_format.h"

namespace mnemos::store {
namespace {

constexpr uint64_t kMaxBatchBytes = 4ull << 20;  // bounds the memory of one batch
constexpr auto kGroupCommitLinger = std::chrono::microseconds(60);
// A batch's index write runs during its sync when the last sync took this long, or when the
// batch has this many records (then the index write alone is worth a wake-up).
constexpr auto kOverlapSync = std::chrono::microseconds(40);
constexpr size_t kOverlapRecords = 2048;

uint8_t content_flags(const EventData& e) {
  return static_cast<uint8_t>((e.data_type == ContentType::kBinary ? storage::kDataBinary : 0) |
                              (e.metadata_type == ContentType::kBinary ? storage::kMetadataBinary
                                                                       : 0));
}

// About what a request takes in the batch buffer (payloads plus framing, stream name, varints).
uint64_t request_bytes(const WriteRequest& r) {
  uint64_t n = 0;
  for (const auto& e : r.events) n += event_size(e) + r.stream.size() + 48;
  return n;
}

Error stopped_by(const Error& failure) {
  return Error{ErrorCode::kStopped, "the store stopped accepting writes after an I/O error (" +
                                        failure.message + "); reopen it to recover"};
}

}  // namespace

// What the writer knows about the batch it is building.
struct Engine::BatchState {
  storage::IndexBuilder builder;
  int64_t timestamp;
  uint64_t last_position = 0;
  // Latest metadata JSON written to a metastream in this batch.
  std::unordered_map<std::string, std::string> metadata;
};

std::optional<Error> Engine::refusal() const {
  if (stopping_) return Error{ErrorCode::kStopped, "the store is closed"};
  if (write_failure_) return stopped_by(*write_failure_);
  return std::nullopt;
}

std::future<Result<AppendResult>> Engine::submit(std::unique_ptr<WriteRequest> request) {
  auto future = request->done.get_future();
  bool wake_writer = false;
  bool wake_leader = false;
  {
    std::lock_guard lock(queue_mu_);
    if (auto refused = refusal()) {
      request->done.set_value(std::unexpected(std::move(*refused)));
      return future;
    }
    queue_.push_back(request.release());
    // A leader takes the queue anyway; wake it only when it waits for this many.
    wake_writer = !leading_;
    wake_leader = leading_ && queue_.size() >= wake_leader_at_;
  }
  if (wake_writer) queue_cv_.notify_one();
  if (wake_leader) leader_cv_.notify_one();
  return future;
}

Result<AppendResult> Engine::write(WriteRequest& request) {
  WriteRequest* one = &request;
  write_all(std::span<WriteRequest* const>(&one, 1));
  return std::move(*request.result);
}

void Engine::write_all(std::span<WriteRequest* const> requests) {
  if (requests.empty()) return;
  bool lead_now = false;
  bool wake_leader = false;
  {
    std::lock_guard lock(queue_mu_);
    if (auto refused = refusal()) {
      for (WriteRequest* r : requests) r->result = std::unexpected(*refused);
      return;
    }
    // They are in this batch or later ones: a batch's completion wakes their low bit; a hand-off
    // of the lead to one of them wakes their high bit (shared with 1 in 16 other callers).
    const uint32_t bits = (1u << (batches_taken_ % 16)) | (1u << (16 + enqueued_++ % 16));
    for (WriteRequest* r : requests) {
      r->waited = true;
      r->wake_bits = bits;
      queue_.push_back(r);
    }
    lead_now = !leading_;
    leading_ = true;
    wake_leader = !lead_now && queue_.size() >= wake_leader_at_;
  }
  if (wake_leader) leader_cv_.notify_one();
  WriteRequest& last = *requests.back();
  // Queued together, they complete in order: the last one done means all are. A leader that
  // finishes the requests before one of them hands the lead to that one (kLead).
  auto handed_lead = [&] {
    return std::any_of(requests.begin(), requests.end(), [](WriteRequest* r) {
      return r->state.load(std::memory_order_seq_cst) == WriteRequest::kLead;
    });
  };
  if (!lead_now) {
    while (last.state.load(std::memory_order_seq_cst) != WriteRequest::kDone && !handed_lead()) {
      const uint32_t generation = wake_.generation();
      if (last.state.load(std::memory_order_seq_cst) == WriteRequest::kDone || handed_lead()) break;
      wake_.wait(generation, last.wake_bits);
    }
    if (last.state.load(std::memory_order_seq_cst) == WriteRequest::kDone) return;
  }
  for (WriteRequest* r : requests) {
    if (r->state.load(std::memory_order_seq_cst) != WriteRequest::kDone) r->leading = true;
  }
  lead(&last);
}

void Engine::complete(WriteRequest& request, Result<AppendResult> result) {
  if (!request.waited) {
    request.done.set_value(std::move(result));
    delete &request;
    return;
  }
  request.result = std::move(result);
  if (request.leading) {  // completed by its own caller: nobody to wake
    request.state.store(WriteRequest::kDone, std::memory_order_relaxed);
    return;
  }
  // Woken with the rest of its batch by wake_completed(). Its bits are read first: the caller
  // may see kDone and return (and its request be gone) before the wake.
  completed_bits_ |= request.wake_bits & 0xffffu;
  request.state.store(WriteRequest::kDone, std::memory_order_seq_cst);
}

void Engine::wake_completed() {
  if (completed_bits_ == 0) return;
  wake_.wake(completed_bits_);
  completed_bits_ = 0;
}

void Engine::linger(std::unique_lock<std::mutex>& lock) {
  // Group commit: when the last batch had several writers, give the ones it just released a
  // moment to come back, so that they share the next sync instead of each forming a small
  // batch of their own. Bounded well below the cost of a sync.
  if (last_batch_size_ <= 1 || stopping_ || queue_.size() >= last_batch_size_) return;
  wake_leader_at_ = last_batch_size_;
  leader_cv_.wait_for(lock, kGroupCommitLinger,
                      [&] { return stopping_ || queue_.size() >= last_batch_size_; });
  wake_leader_at_ = std::numeric_limits<size_t>::max();
}

void Engine::lead(WriteRequest* own) {
  std::vector<WriteRequest*> batch;
  std::unique_lock lock(queue_mu_);
  while (true) {
    if (own == nullptr || own->state.load(std::memory_order_relaxed) == WriteRequest::kDone) {
      if (queue_.empty()) {
        leading_ = false;
        const bool was_unsynced = unsynced_;
        unsynced_ = log_->synced_position() != log_->position();
        // The writer thread exits, or times the sync of relaxed durability, once the lead is free.
        const bool wake_writer = stopping_ || (unsynced_ && !was_unsynced);
        lock.unlock();
        if (wake_writer) queue_cv_.notify_one();
        return;
      }
      WriteRequest* next = queue_.front();
      if (next->waited) {  // its caller leads next: it has to be woken anyway
        const uint32_t bits = next->wake_bits & 0xffff0000u;
        next->state.store(WriteRequest::kLead, std::memory_order_seq_cst);
        lock.unlock();
        wake_.wake(bits);
        return;
      }
      if (own != nullptr) {  // requests from submit() go to the writer thread
        leading_ = false;
        lock.unlock();
        queue_cv_.notify_one();
        return;
      }
    }
    linger(lock);
    uint64_t bytes = 0;
    while (!queue_.empty() &&
           (batch.empty() || bytes + request_bytes(*queue_.front()) <= kMaxBatchBytes)) {
      bytes += request_bytes(*queue_.front());
      batch.push_back(queue_.front());
      queue_.pop_front();
    }
    ++batches_taken_;
    last_batch_size_ = batch.size();
    lock.unlock();
    process_batch(batch);
    batch.clear();
    lock.lock();
  }
}

void Engine::run_writer() {
  std::unique_lock lock(queue_mu_);
  while (true) {
    auto ready = [&] { return !leading_ && (stopping_ || !queue_.empty()); };
    if (options_.durability == Durability::kRelaxed && unsynced_) {
      queue_cv_.wait_for(lock, options_.relaxed_sync_interval, ready);
    } else {
      queue_cv_.wait(lock, ready);
    }
    if (leading_) continue;  // a leader syncs when due
    leading_ = true;
    if (queue_.empty() && unsynced_) {  // the relaxed sync, when nothing else is written
      lock.unlock();
      if (auto s = sync_if_due(/*force=*/true); !s) fail_writes(s.error());
      lock.lock();
      unsynced_ = log_->synced_position() != log_->position();
    }
    if (queue_.empty()) {
      leading_ = false;
      if (stopping_) break;
      continue;
    }
    lock.unlock();
    lead(nullptr);
    lock.lock();
  }
}

bool Engine::sync_due(bool force) const {
  if (log_->synced_position() == log_->position()) return false;
  return force || options_.durability == Durability::kSync ||
         std::chrono::steady_clock::now() - last_sync_ >= options_.relaxed_sync_interval;
}

Status Engine::sync_log() {
  const auto started = std::chrono::steady_clock::now();
  if (auto s = log_->sync(); !s) return s;
  last_sync_ = std::chrono::steady_clock::now();
  last_sync_took_ = last_sync_ - started;
  sync_latency_.record(last_sync_took_);
  epoch_start_pending_ = true;
  syncs_.fetch_add(1, std::memory_order_relaxed);
  return {};
}

Status Engine::sync_if_due(bool force) { return sync_due(force) ? sync_log() : Status{}; }

void Engine::fail_writes(const Error& error) {
  std::lock_guard lock(queue_mu_);
  if (!write_failure_) write_failure_ = error;
}

void Engine::process_batch(std::vector<WriteRequest*>& batch) {
  {
    std::lock_guard lock(queue_mu_);
    if (write_failure_) {
      for (auto* r : batch) complete(*r, std::unexpected(stopped_by(*write_failure_)));
      wake_completed();
      return;
    }
  }
  if (batch.empty() || !batch.front()->commit_time) {
    last_timestamp_ = std::max(last_timestamp_, now_timestamp().micros);
  }
  BatchState state{storage::IndexBuilder(*index_, counters_, last_boundary_, &stream_cache_),
                   last_timestamp_, 0, {}};
  buffer_.clear();
  std::vector<Result<AppendResult>> results;
  results.reserve(batch.size());
  std::optional<Error> io_failure;
  for (auto& request : batch) {
    auto r = apply(*request, state);
    if (!r && r.error().code == ErrorCode::kIoError) {
      io_failure = r.error();
      break;
    }
    results.push_back(std::move(r));
  }
  Status done;
  if (!io_failure) done = log_->write(buffer_);
  // The index entries of the batch are written while its sync is in flight: the writer starts
  // the fdatasync itself, at once, and offers the index write to a thread of its own (which
  // has a core to run on while this one waits for the disk). When the sync returns before
  // that thread began, the writer takes the job back and writes the index itself, so the
  // hand-off never costs more than one wake-up. Not done when syncs are short (tmpfs, or
  // relaxed durability): then the wake-up would cost more than it hides.
  // Should the sync fail, the index holds entries past the committed end: readers never look
  // there, the store stops writing, and the next open finds the index ahead of the log and
  // rebuilds it (or finds it consistent with the log, should those bytes be there).
  const bool sync = !io_failure && done && sync_due(/*force=*/false);
  const bool overlap = sync && (state.builder.pending_records() >= kOverlapRecords ||
                                last_sync_took_ >= kOverlapSync);
  storage::IndexBatch index_batch;
  if (!io_failure && done) state.builder.drain(index_batch);
  if (overlap) {
    indexer_.start([&] { return index_->write(index_batch); });
    Status synced = sync_log();
    Status indexed = indexer_.wait();
    done = !synced ? synced : indexed;
  } else if (!io_failure && done) {
    done = index_->write(index_batch);
    if (sync && done) done = sync_log();
  }
  if (!io_failure && !done) io_failure = done.error();
  if (io_failure) {
    stream_cache_.clear();
    fail_writes(*io_failure);
    for (auto* r : batch) {
      complete(*r, make_error(ErrorCode::kIoError, "append not acknowledged: " + io_failure->message));
    }
    wake_completed();
    wake_waiters();
    return;
  }
  // End first: whoever sees the new head must also be able to read up to it.
  committed_end_.store(log_->position(), std::memory_order_release);
  if (state.last_position != 0) committed_head_.store(state.last_position, std::memory_order_release);
  events_.store(counters_.events, std::memory_order_relaxed);
  streams_.store(counters_.streams, std::memory_order_relaxed);
  wake_waiters();
  for (size_t i = 0; i < batch.size(); ++i) {
    if (results[i]) appends_.fetch_add(1, std::memory_order_relaxed);
    complete(*batch[i], std::move(results[i]));
  }
  wake_completed();
}

Result<std::optional<std::string>> Engine::latest_metadata_json(std::string_view metastream,
                                                                BatchState& state) {
  if (auto it = state.metadata.find(std::string(metastream)); it != state.metadata.end()) {
    return std::optional<std::string>(it->second);
  }
  auto info = state.builder.stream(metastream);
  if (!info) return std::unexpected(info.error());
  if (!*info || (*info)->last_revision < 0) return std::optional<std::string>();
  std::optional<std::string> json;
  auto s = visit_stream_backwards((*info)->id, static_cast<uint64_t>((*info)->last_revision),
                                  ~0ull, log_->position(),
                                  [&](const storage::EventRecord& r, uint64_t) {
                                    json = std::string(r.data);
                                    return false;
                                  });
  if (!s) return std::unexpected(s.error());
  return json;
}

Result<AppendResult> Engine::apply(WriteRequest& request, BatchState& state) {
  if (request.commit_time) {
    last_timestamp_ = std::max(last_timestamp_, *request.commit_time);
    state.timestamp = last_timestamp_;
  }
  auto marker_id = [&request] { return request.marker_id ? *request.marker_id : Uuid::random(); };
  const std::string& stream = request.stream;
  auto info = state.builder.stream(stream);
  if (!info) return std::unexpected(info.error());
  const int64_t last = *info ? (*info)->last_revision : -1;
  if (*info && (*info)->tombstone_position != 0) return stream_deleted(stream, "tombstoned");

  const bool meta = is_metastream(stream);
  const std::string metastream = meta ? std::string() : metastream_of(stream);
  std::optional<std::string> meta_json;
  if (!meta) {
    auto j = latest_metadata_json(metastream, state);
    if (!j) return std::unexpected(j.error());
    meta_json = std::move(*j);
  }
  const bool soft_deleted = meta_json && parse_stream_metadata(*meta_json).soft_deleted();
  bool metastream_exists = false;
  if (!meta) {
    auto m = state.builder.stream(metastream);
    if (!m) return std::unexpected(m.error());
    metastream_exists = *m && (*m)->last_revision >= 0;
  }

  const ExpectedRevision expected = request.expected;
  using Kind = ExpectedRevision::Kind;
  const StreamFacts facts{last, soft_deleted, metastream_exists};
  auto check = [&] { return check_expected_revision(stream, expected, facts); };

  // Encodes records at the tail; keeps a commit within one segment.
  struct Out {
    std::string_view stream;
    uint64_t revision;
    std::string_view type;
    std::string_view data;
    std::string_view metadata;
    const Uuid* id;
    uint8_t flags;
  };
  auto write_commit = [&](const std::vector<Out>& records) -> Result<AppendResult> {
    uint64_t size = 0;
    for (const auto& o : records) {
      size += storage::encoded_event_size({o.revision, state.timestamp, o.id->bytes, o.flags,
                                           o.stream, o.type, o.data, o.metadata, false});
    }
    if (!log_->fits(buffer_.size() + size)) {
      if (auto s = log_->write(buffer_); !s) return std::unexpected(s.error());
      buffer_.clear();
      if (auto s = log_->roll(); !s) return std::unexpected(s.error());
      syncs_.fetch_add(1, std::memory_order_relaxed);
      epoch_start_pending_ = true;
    }
    AppendResult result{};
    bool first_of_stream = true;
    for (size_t i = 0; i < records.size(); ++i) {
      const auto& o = records[i];
      const uint64_t position = log_->position() + buffer_.size();
      storage::encode_event_record(buffer_, {o.revision, state.timestamp, o.id->bytes, o.flags,
                                             o.stream, o.type, o.data, o.metadata,
                                             i + 1 == records.size(), epoch_start_pending_});
      epoch_start_pending_ = false;
      auto s = state.builder.add({o.stream, o.revision, position, state.timestamp,
                                  position == log_->segment_first_position()});
      if (!s) {
        // Part of this commit is already in the buffer: the batch cannot be completed safely.
        return make_error(ErrorCode::kIoError, "index lookup failed: " + s.error().message);
      }
      if (o.stream == request.stream) {
        if (first_of_stream) result.first_revision = Revision{o.revision};
        first_of_stream = false;
        result.last_revision = Revision{o.revision};
      }
      result.position = Position{position};
      state.last_position = position;
      if (is_metastream(o.stream)) state.metadata[std::string(o.stream)] = std::string(o.data);
    }
    state.builder.end_commit(log_->position() + buffer_.size());
    result.timestamp = Timestamp{state.timestamp};
    return result;
  };

  // The metadata that re-creates a soft-deleted stream, written first in the same commit.
  std::string undelete_json;
  Uuid undelete_id;
  auto meta_revision = [&]() -> Result<uint64_t> {
    auto m = state.builder.stream(metastream);
    if (!m) return std::unexpected(m.error());
    return static_cast<uint64_t>((*m ? (*m)->last_revision : -1) + 1);
  };

  switch (request.kind) {
    case WriteRequest::Kind::kAppend: {
      const auto n = request.events.size();
      auto original = [&](uint64_t first) -> std::optional<AppendResult> {
        const RecentAppends::Entry* seen = recent_->find(stream);
        if (seen && seen->result.first_revision.value == first && seen->count == n) {
          // The remembered append is exactly what sits at first..first+n-1: its digest decides,
          // without reading the log (the common case: a new append to a stream just written).
          if (seen->ids_digest == RecentAppends::digest(request.events)) return seen->result;
          return std::nullopt;
        }
        if (last < 0 || first + n - 1 > static_cast<uint64_t>(last)) return std::nullopt;
        // Look in the log: are these ids exactly at revisions first..first+n-1?
        std::vector<std::pair<Uuid, uint64_t>> found;
        AppendResult r{};
        auto s = visit_stream_forwards((*info)->id, first, ~0ull, log_->position(),
                                       [&](const storage::EventRecord& e, uint64_t pos) {
                                         Uuid id;
                                         id.bytes = e.id;
                                         found.emplace_back(id, pos);
                                         r.timestamp = Timestamp{e.timestamp_micros};
                                         return found.size() < n;
                                       });
        if (!s || found.size() != n) return std::nullopt;
        for (size_t i = 0; i < n; ++i) {
          if (found[i].first != *request.events[i].id) return std::nullopt;
        }
        r.first_revision = Revision{first};
        r.last_revision = Revision{first + n - 1};
        r.position = Position{found.back().second};
        return r;
      };
      if (auto s = check(); !s) {
        if (s.error().code == ErrorCode::kWrongExpectedRevision &&
            (expected.kind() == Kind::kExact || expected.kind() == Kind::kNoStream)) {
          uint64_t first = expected.kind() == Kind::kExact ? expected.revision().value + 1 : 0;
          if (auto o = original(first)) return *o;
        }
        return std::unexpected(s.error());
      }
      if ((expected.kind() == Kind::kAny || expected.kind() == Kind::kStreamExists) &&
          last + 1 >= static_cast<int64_t>(n)) {
        if (auto o = original(static_cast<uint64_t>(last + 1) - n)) return *o;
      }
      std::vector<Out> records;
      records.reserve(n + 1);
      if (soft_deleted) {
        auto rev = meta_revision();
        if (!rev) return std::unexpected(rev.error());
        undelete_json = undelete_metadata(*meta_json, static_cast<uint64_t>(last + 1));
        undelete_id = marker_id();
        records.push_back({metastream, *rev, kMetadataEventType, undelete_json, "", &undelete_id, 0});
      }
      for (size_t i = 0; i < n; ++i) {
        const EventData& e = request.events[i];
        records.push_back({stream, static_cast<uint64_t>(last + 1) + i, e.type, e.data, e.metadata,
                           &*e.id, content_flags(e)});
      }
      auto result = write_commit(records);
      if (result) {
        recent_->remember(stream, {RecentAppends::digest(request.events), n, *result});
      }
      return result;
    }
    case WriteRequest::Kind::kDelete: {
      if (meta) return make_error(ErrorCode::kInvalidArgument, "a metastream cannot be deleted");
      if (last < 0 && !metastream_exists) return wrong_expected_revision(stream, expected, last);
      if (auto s = check(); !s) return std::unexpected(s.error());
      auto rev = meta_revision();
      if (!rev) return std::unexpected(rev.error());
      const std::string json = soft_delete_metadata();
      const Uuid id = marker_id();
      return write_commit({{metastream, *rev, kMetadataEventType, json, "", &id, 0}});
    }
    case WriteRequest::Kind::kTombstone: {
      if (meta) return make_error(ErrorCode::kInvalidArgument, "a metastream cannot be tombstoned");
      if (auto s = check(); !s) return std::unexpected(s.error());
      const Uuid id = marker_id();
      return write_commit({{stream, kTombstoneRevision, kTombstoneEventType, "", "", &id, 0}});
    }
  }
  return make_error(ErrorCode::kInvalidArgument, "unknown write");
}

}  // namespace mnemos::store
