// The embedded engine behind EmbeddedStore: the log, the index, the single writer thread with
// group commit, and the read paths. Shared (shared_ptr) by the store and its subscriptions, so
// that a subscription never outlives what it reads.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "mnemos/embedded.h"
#include "storage/index.h"
#include "storage/index_builder.h"
#include "storage/log_cursor.h"
#include "storage/log_writer.h"
#include "storage/segment_set.h"
#include "store/background_job.h"
#include "store/latency_recorder.h"
#include "store/recent_appends.h"
#include "store/stream_metadata.h"
#include "store/wake_word.h"

namespace mnemos::store {

struct WriteRequest {
  enum class Kind { kAppend, kDelete, kTombstone };
  Kind kind = Kind::kAppend;
  std::string stream;
  ExpectedRevision expected = ExpectedRevision::any();
  std::vector<EventData> events;  // validated, ids assigned
  // Replicated writes (src/replicated) are decided elsewhere, and every node must write the same
  // bytes: the commit time (µs, kept non-decreasing) and the id of the system event a write adds
  // (undelete metadata, `$tb` metadata, `$streamDeleted`) come with the request. Empty: the
  // engine's clock and a random id.
  std::optional<int64_t> commit_time;
  std::optional<Uuid> marker_id;

  // How it completes. Engine::submit: through `done` (the engine owns the request until then).
  // Engine::write: the caller owns it and waits on `state`, which becomes kDone (then `result`
  // is set) or kLead (the caller is to write the next batch itself).
  enum State : uint32_t { kPending, kDone, kLead };
  std::promise<Result<AppendResult>> done;
  bool waited = false;
  bool leading = false;  // its caller writes the batch it is in
  uint32_t wake_bits = 0;  // what its caller sleeps on in Engine::wake_
  std::atomic<uint32_t> state{kPending};
  std::optional<Result<AppendResult>> result;
};

// Materialises a decoded record.
RecordedEvent to_recorded(const storage::EventRecord& record, uint64_t position);
RecordedEventView view_of(const storage::EventRecord& record, uint64_t position);

// Called for each event found; return false to stop.
using EventVisitor = std::function<bool(const storage::EventRecord&, uint64_t position)>;

enum class IndexMode { kReuse, kRebuild };

class Engine {
 public:
  // Progress reports the log bytes replayed into the index.
  static Result<std::shared_ptr<Engine>> open(const std::string& dir, const Options& options,
                                              IndexMode index_mode = IndexMode::kReuse,
                                              const Progress& progress = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Stops the writer (queued appends fail with kStopped), persists the index, wakes waiters.
  void close();

  const Options& options() const { return options_; }

  // ---- writes (any thread) ----
  // Queues the request for the writer thread.
  std::future<Result<AppendResult>> submit(std::unique_ptr<WriteRequest> request);
  // Queues the request and waits for it. Leader/follower group commit: a caller that finds no
  // write in progress writes and syncs the queued batch itself (its own request and whatever
  // others queued meanwhile) and completes the others; a caller that finds one in progress
  // waits until its request is complete or until it is handed the next batch.
  Result<AppendResult> write(WriteRequest& request);
  // write() for several requests at once, written in this order (the caller owns them; each
  // one's `result` is set on return). Lets one thread that has many writes, such as the
  // follower of a replicated log, write them itself instead of handing them to the writer
  // thread and waiting for it.
  void write_all(std::span<WriteRequest* const> requests);

  // ---- reads (any thread) ----
  Result<StreamReadResult> read_stream(std::string_view stream, const ReadStreamOptions& o) const;
  Result<AllReadResult> read_all(const ReadAllOptions& o) const;
  Result<AllScanResult> scan_all(const ReadAllOptions& o,
                                 const std::function<void(const RecordedEventView&)>& visit) const;
  Result<StreamMetadataResult> get_metadata(std::string_view stream) const;
  Result<std::vector<StreamSummary>> list_streams(const ListStreamsOptions& o) const;
  Result<Position> resolve_time(Timestamp t) const;
  Result<StoreStats> stats() const;

  // The end of the committed log (exclusive): readers never look at or past it.
  uint64_t committed_end() const { return committed_end_.load(std::memory_order_acquire); }
  Position head() const { return Position{committed_head_.load(std::memory_order_acquire)}; }

  // Waits until the committed end moves past `seen_end`, `deadline` passes, `cancelled` is set
  // or the engine closes. Returns true when the end moved.
  bool wait_for_commit(uint64_t seen_end, std::chrono::steady_clock::time_point deadline,
                       const std::atomic<bool>& cancelled) const;
  void wake_waiters() const;
  bool closed() const { return closed_.load(std::memory_order_acquire); }

  // Forward scan of records in [from, end) (from is inclusive, need not be a record start).
  // `first_read` sizes the first read of the log (later ones grow).
  Status scan_log(uint64_t from, uint64_t end, const EventVisitor& visit,
                  size_t first_read = 16 << 10) const;

  // Events of one stream in revision order, only those at positions <= max_position.
  Status visit_stream_forwards(uint64_t stream_id, uint64_t from_revision, uint64_t max_position,
                               uint64_t end, const EventVisitor& visit) const;
  Status visit_stream_backwards(uint64_t stream_id, uint64_t from_revision,
                                uint64_t max_position, uint64_t end,
                                const EventVisitor& visit) const;

  const storage::Index& index() const { return *index_; }
  const storage::SegmentSet& segments() const { return segments_; }

 private:
  Engine(std::string dir, const Options& options);
  Status recover(IndexMode index_mode, const Progress& progress);
  Status replay(uint64_t from, const Progress& progress);
  Status check_checkpoint(uint64_t checkpoint) const;
  Status drop_torn_tail(uint64_t commit_start, uint64_t damage_at);
  Status open_tail_writer(uint64_t position);  // continues the last segment at `position`

  // Writing. One thread at a time leads (`leading_`): a caller of write(), or the writer thread
  // for requests from submit() and for the syncs of relaxed durability. The leader owns the
  // log writer and everything listed under "owned by the leader" below.
  void run_writer();
  std::optional<Error> refusal() const;  // why writes are refused now; queue_mu_ held
  // With the lead: writes batches until `own` is complete (own null: until the queue is empty
  // or its front has a waiting caller), then hands the lead on or gives it up.
  void lead(WriteRequest* own);
  void linger(std::unique_lock<std::mutex>& lock);
  void complete(WriteRequest& request, Result<AppendResult> result);
  void wake_completed();  // wakes the callers of write() that complete() completed
  void process_batch(std::vector<WriteRequest*>& batch);
  struct BatchState;
  Result<AppendResult> apply(WriteRequest& request, BatchState& state);
  bool sync_due(bool force) const;
  Status sync_log();
  Status sync_if_due(bool force);
  void fail_writes(const Error& error);

  // The latest metadata JSON of a metastream as the writer sees it (this batch included).
  Result<std::optional<std::string>> latest_metadata_json(std::string_view stream,
                                                          BatchState& state);

  // Reads.
  // The records of one run, in order, checked against the index; only those at positions
  // <= max_position. Stops when `visit` returns false. `cursor` is moved to the run's start
  // (its end bounds the read); reusing one cursor keeps its mapped and prefetched stretch.
  Status read_run(storage::LogCursor& cursor, const storage::StreamRun& run, uint64_t max_position,
                  const EventVisitor& visit) const;
  uint64_t read_bound(const AsOf& as_of, uint64_t end) const;  // max position, inclusive
  Result<std::optional<Position>> scan_all_forwards(
      const ReadAllOptions& o, uint64_t end, uint64_t bound,
      const std::function<void(const storage::EventRecord&, uint64_t)>& emit) const;
  Result<std::optional<std::string>> metadata_as_of(std::string_view stream,
                                                    uint64_t max_position, uint64_t end) const;
  Result<int64_t> last_revision_as_of(uint64_t stream_id, uint64_t max_position,
                                      uint64_t end) const;

  const std::string dir_;
  const Options options_;
  std::shared_ptr<FileSystem> fs_;
  std::unique_ptr<FileLock> lock_;
  storage::SegmentSet segments_;
  std::unique_ptr<storage::Index> index_;
  std::unique_ptr<storage::LogWriter> log_;

  std::atomic<uint64_t> committed_end_{0};
  std::atomic<uint64_t> committed_head_{0};
  std::atomic<bool> closed_{false};
  mutable std::mutex commit_mu_;
  mutable std::condition_variable commit_cv_;

  // Guarded by queue_mu_.
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;   // the writer thread waits here
  std::condition_variable leader_cv_;  // a leader waiting for its batch to fill waits here
  std::deque<WriteRequest*> queue_;    // those from submit() are owned by the engine
  bool stopping_ = false;
  bool leading_ = false;
  bool unsynced_ = false;  // written and not synced when the last leader gave up the lead
  size_t last_batch_size_ = 0;
  size_t wake_leader_at_ = std::numeric_limits<size_t>::max();  // queue size that wakes it
  uint64_t batches_taken_ = 0;  // from the queue, so far
  uint64_t enqueued_ = 0;       // requests of write(), so far
  std::optional<Error> write_failure_;  // the store stopped writing
  std::thread writer_;

  // Owned by the leader (and by recovery before the writer thread starts).
  storage::IndexCounters counters_;
  uint64_t last_boundary_ = 0;
  int64_t last_timestamp_ = 0;
  std::chrono::steady_clock::time_point last_sync_;
  std::chrono::steady_clock::duration last_sync_took_{};
  std::string buffer_;
  BackgroundJob indexer_;  // the index write of a batch, while the writer syncs it
  WakeWord wake_;  // callers of write() waiting for their request sleep here
  uint32_t completed_bits_ = 0;  // of the requests completed and not yet woken
  bool epoch_start_pending_ = true;  // the next record is the first after a completed sync
  std::unique_ptr<RecentAppends> recent_ = std::make_unique<RecentAppends>(16384);
  // Cleared when a batch fails: the index did not take what the cache was told.
  storage::StreamCache stream_cache_{1 << 16};

  std::atomic<uint64_t> appends_{0};
  std::atomic<uint64_t> syncs_{0};
  LatencyRecorder sync_latency_;  // of sync_log()
  std::atomic<uint64_t> events_{0};
  std::atomic<uint64_t> streams_{0};
};

}  // namespace mnemos::store
