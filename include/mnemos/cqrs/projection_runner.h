// Runs a projection: catches up from its checkpoint, then follows the store live.
//
// Exactly once: each batch of events is applied in one read-model transaction that also stores
// the checkpoint (the position the batch covers), so after a crash or a restart the runner
// continues right after the last committed batch: no event applied twice, none skipped.
// Uses only the public Store API.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "mnemos/cqrs/projection.h"
#include "mnemos/cqrs/read_model.h"
#include "mnemos/store.h"

namespace mnemos::cqrs {

struct RunnerOptions {
  uint64_t batch_size = 2000;                 // events per transaction, at most
  std::chrono::milliseconds live_poll{100};   // how often the live thread checks for stop()
};

// After each batch: what the projection has applied so far and where it is going.
struct ProjectionProgress {
  uint64_t applied = 0;  // events applied by this call
  Position checkpoint;   // covered up to here
  Position target;       // the head it is catching up to
};
using ProjectionProgressFn = std::function<void(const ProjectionProgress&)>;

struct ProjectionLag {
  Position checkpoint;           // every event at or before it is covered
  Position head;                 // the store's head
  uint64_t positions_behind = 0; // head - checkpoint, in log bytes (0: caught up)
  // How long ago the oldest event not yet covered was committed (0 when caught up).
  double seconds_behind = 0;
  bool caught_up() const { return positions_behind == 0; }
};

class ProjectionRunner {
 public:
  // The store, model and projection must outlive the runner.
  ProjectionRunner(Store& store, ReadModel& model, Projection& projection, RunnerOptions options = {});
  ~ProjectionRunner();  // stop()
  ProjectionRunner(const ProjectionRunner&) = delete;
  ProjectionRunner& operator=(const ProjectionRunner&) = delete;

  // Creates the projection's tables when missing, then applies every event up to the store's
  // head as of this call. Returns how many events it applied. While the live thread runs, it
  // waits for that thread to reach the same head instead.
  Result<uint64_t> catch_up(const ProjectionProgressFn& progress = {});

  // catch_up(), then follows the store live on a thread of its own until stop().
  Status start();
  // Ends the live thread after the batch in flight (committed or rolled back whole).
  void stop();
  bool running() const { return following_.load(); }
  // Why the live thread stopped by itself (an apply, the store or the read model failed).
  std::optional<Error> failure() const;

  // Drops what the projection built and its checkpoint in one transaction, then replays every
  // event, with progress. Restarts the live thread afterwards when it was running.
  Result<uint64_t> rebuild(const ProjectionProgressFn& progress = {});

  // The checkpoint as committed in the read model (position 0: nothing yet).
  Result<Position> checkpoint() const;
  Result<ProjectionLag> lag() const;

  // Read your writes: returns once the projection covers `position` (e.g. a command's
  // Handled::position). Errors: kTimeout, or the failure that stopped the live thread.
  Status wait_for(Position position, std::chrono::milliseconds timeout) const;

 private:
  // What one batch applied and the checkpoint it reached.
  struct Batch {
    uint64_t events = 0;
    Position covered;
  };
  Status setup_once();
  // Runs `apply` (which applies a batch and says what it covered) and stores the checkpoint,
  // in one transaction; then publishes the new checkpoint.
  Result<Batch> commit_batch(const std::function<Result<Batch>(SqlSession&)>& apply);
  void follow_live();
  void publish(Position covered, uint64_t events);

  Store& store_;
  ReadModel& model_;
  Projection& projection_;
  RunnerOptions options_;
  bool set_up_ = false;

  mutable std::mutex mutex_;
  mutable std::condition_variable advanced_;
  Position covered_;        // guarded by mutex_: the last committed checkpoint
  uint64_t events_ = 0;     // guarded by mutex_: events applied since the last (re)build
  std::optional<Error> failure_;  // guarded by mutex_

  std::atomic<bool> stopping_{false};
  std::atomic<bool> following_{false};  // the live thread was started and not yet stopped
  std::unique_ptr<Subscription> live_;  // guarded by mutex_ (stop() cancels it)
  std::thread thread_;
};

// Read your writes from another process: polls `model` until the checkpoint of `projection`
// reaches `position`. Errors: kTimeout, or the read model's error.
Status wait_for_checkpoint(const ReadModel& model, std::string_view projection, Position position,
                           std::chrono::milliseconds timeout);

}  // namespace mnemos::cqrs
