#include "mnemos/cqrs/projection_runner.h"

#include <algorithm>
#include <deque>
#include <string>
#include <vector>

namespace mnemos::cqrs {
namespace {

// The first position after `covered`: where the next read starts (no event sits at 0).
Position after(Position covered) { return Position{covered.value + 1}; }

std::unexpected<Error> not_reached(std::string_view projection, Position position) {
  return make_error(ErrorCode::kTimeout, "the projection '" + std::string(projection) +
                                             "' did not reach position " + std::to_string(position.value) +
                                             " in time");
}

}  // namespace

ProjectionRunner::ProjectionRunner(Store& store, ReadModel& model, Projection& projection,
                                   RunnerOptions options)
    : store_(store), model_(model), projection_(projection), options_(options) {
  if (options_.batch_size == 0) options_.batch_size = 1;
}

ProjectionRunner::~ProjectionRunner() { stop(); }

Status ProjectionRunner::setup_once() {
  if (!set_up_) {
    if (auto s = model_.execute([&](SqlSession& db) { return projection_.setup(db); }); !s) return s;
    set_up_ = true;
  }
  auto stored = model_.checkpoint(projection_.name());
  if (!stored) return std::unexpected(stored.error());
  std::lock_guard lock(mutex_);
  covered_ = *stored ? (*stored)->position : Position{};
  events_ = *stored ? (*stored)->events : 0;
  return {};
}

void ProjectionRunner::publish(Position covered, uint64_t events) {
  {
    std::lock_guard lock(mutex_);
    covered_ = covered;
    events_ += events;
  }
  advanced_.notify_all();
}

Result<ProjectionRunner::Batch> ProjectionRunner::commit_batch(
    const std::function<Result<Batch>(SqlSession&)>& apply) {
  uint64_t before;
  {
    std::lock_guard lock(mutex_);
    before = events_;
  }
  Batch done;
  Status s = model_.transact(projection_.name(), [&](SqlSession& db) -> Result<ProjectionCheckpoint> {
    Result<Batch> batch = apply(db);
    if (!batch) return std::unexpected(std::move(batch.error()));
    done = *batch;
    return ProjectionCheckpoint{done.covered, before + done.events};
  });
  if (!s) return std::unexpected(std::move(s.error()));
  publish(done.covered, done.events);
  return done;
}

namespace {

// A batch read from the store for catch-up: its events' bytes in one buffer (one allocation
// per batch, not four per event), with what the projection prepared of them.
struct ReadBatch {
  std::string bytes;
  std::vector<RecordedEventView> events;
  Position covered;
  std::unique_ptr<PreparedBatch> prepared;
};

// Reads the next batch after `covered`: at most `limit` events that pass `filter`. `covered`
// of the result is where the batch ends (it does not move when there is nothing left).
Result<ReadBatch> read_batch(const Store& store, Position covered, uint64_t limit, const EventFilter& filter) {
  // Everything up to `head` is committed before the scan starts, so a scan that ends without a
  // next page has covered it, even where its last events did not pass the filter.
  const Position head = store.head();
  ReadAllOptions read;
  read.from = after(covered);
  read.limit = limit;
  read.filter = filter;
  ReadBatch batch;
  batch.covered = covered;
  struct Offsets {
    size_t stream, type, data, metadata;
  };
  std::vector<Offsets> offsets;
  auto append = [&](std::string_view text) {
    const size_t at = batch.bytes.size();
    batch.bytes.append(text);
    return at;
  };
  auto page = store.scan_all(read, [&](const RecordedEventView& e) {
    offsets.push_back(Offsets{append(e.stream), append(e.type), append(e.data), append(e.metadata)});
    batch.events.push_back(e);
    batch.covered = e.position;
  });
  if (!page) return std::unexpected(std::move(page.error()));
  // The views now point into the batch's own buffer, which no longer grows.
  for (size_t i = 0; i < batch.events.size(); ++i) {
    RecordedEventView& e = batch.events[i];
    const char* base = batch.bytes.data();
    e.stream = std::string_view(base + offsets[i].stream, e.stream.size());
    e.type = std::string_view(base + offsets[i].type, e.type.size());
    e.data = std::string_view(base + offsets[i].data, e.data.size());
    e.metadata = std::string_view(base + offsets[i].metadata, e.metadata.size());
  }
  batch.covered = page->next ? Position{page->next->value - 1} : std::max(batch.covered, head);
  return batch;
}

}  // namespace

// Two stages on two threads: a reader reads and prepares (decodes) the next batches while this
// thread applies the current one in its transaction. At most two batches wait between them.
Result<uint64_t> ProjectionRunner::catch_up(const ProjectionProgressFn& progress) {
  const Position target = store_.head();
  if (running()) {
    if (auto s = wait_for(target, std::chrono::hours(24)); !s) return std::unexpected(s.error());
    return uint64_t{0};
  }
  if (auto s = setup_once(); !s) return std::unexpected(s.error());
  Position covered;
  {
    std::lock_guard lock(mutex_);
    covered = covered_;
  }
  if (covered >= target) return uint64_t{0};

  constexpr size_t kQueued = 2;
  std::mutex queue_mutex;
  std::condition_variable queue_changed;
  std::deque<Result<ReadBatch>> queue;  // an error ends the queue
  bool reader_done = false;
  bool abandon = false;
  const EventFilter filter = projection_.filter();
  std::thread reader([&, from = covered] {
    Position at = from;
    while (at < target) {
      Result<ReadBatch> batch = read_batch(store_, at, options_.batch_size, filter);
      const bool ok = batch.has_value() && batch->covered > at;  // no progress: the store has no more
      if (ok) {
        at = batch->covered;
        batch->prepared = projection_.prepare(batch->events);
      }
      std::unique_lock lock(queue_mutex);
      queue_changed.wait(lock, [&] { return queue.size() < kQueued || abandon; });
      if (abandon) break;
      if (!batch || ok) queue.push_back(std::move(batch));
      queue_changed.notify_all();
      if (!ok) break;
    }
    std::lock_guard lock(queue_mutex);
    reader_done = true;
    queue_changed.notify_all();
  });
  auto finish = [&] {
    {
      std::lock_guard lock(queue_mutex);
      abandon = true;
      queue_changed.notify_all();
    }
    reader.join();
  };

  uint64_t applied = 0;
  while (true) {
    Result<ReadBatch> next;
    {
      std::unique_lock lock(queue_mutex);
      queue_changed.wait(lock, [&] { return !queue.empty() || reader_done; });
      if (queue.empty()) break;
      next = std::move(queue.front());
      queue.pop_front();
      queue_changed.notify_all();
    }
    if (!next) {
      finish();
      return std::unexpected(std::move(next.error()));
    }
    ReadBatch& read = *next;
    auto batch = commit_batch([&](SqlSession& db) -> Result<Batch> {
      if (auto s = projection_.apply_batch(db, read.events, read.prepared.get()); !s) {
        return std::unexpected(std::move(s.error()));
      }
      return Batch{read.events.size(), read.covered};
    });
    if (!batch) {
      finish();
      return std::unexpected(std::move(batch.error()));
    }
    applied += batch->events;
    if (progress) progress(ProjectionProgress{applied, batch->covered, target});
  }
  finish();
  return applied;
}

Status ProjectionRunner::start() {
  if (running()) return make_error(ErrorCode::kInvalidArgument, "the projection is already running");
  if (auto caught_up = catch_up(); !caught_up) return std::unexpected(caught_up.error());
  SubscribeAllOptions options;
  options.start = StartAt::kFrom;
  {
    std::lock_guard lock(mutex_);
    options.from = after(covered_);
    failure_.reset();
  }
  options.filter = projection_.filter();
  options.checkpoint_interval = 1;  // a filtered-out event moves the checkpoint too
  auto subscription = store_.subscribe_all(options);
  if (!subscription) return std::unexpected(subscription.error());
  stopping_.store(false);
  {
    std::lock_guard lock(mutex_);
    live_ = std::move(*subscription);
  }
  thread_ = std::thread([this] { follow_live(); });
  following_.store(true);
  return {};
}

void ProjectionRunner::follow_live() {
  std::vector<RecordedEvent> events;
  std::vector<RecordedEventView> views;
  events.reserve(static_cast<size_t>(std::min<uint64_t>(options_.batch_size, 4096)));
  Subscription& live = *live_;
  auto fail = [&](Error error) {
    if (error.code == ErrorCode::kCancelled && stopping_.load()) return;
    {
      std::lock_guard lock(mutex_);
      failure_ = std::move(error);
    }
    advanced_.notify_all();
  };
  while (!stopping_.load()) {
    Position covered;
    {
      std::lock_guard lock(mutex_);
      covered = covered_;
    }
    const Position before = covered;
    events.clear();
    // Block for the first message, then take what is already there, up to a batch.
    std::chrono::milliseconds wait = options_.live_poll;
    std::optional<Error> error;
    while (events.size() < options_.batch_size) {
      auto message = live.next(wait);
      if (!message) {
        error = std::move(message.error());
        break;
      }
      if (!message->has_value()) break;
      wait = std::chrono::milliseconds(0);
      if (auto* event = std::get_if<RecordedEvent>(&**message)) {
        covered = event->position;
        events.push_back(std::move(*event));
      } else if (auto* checkpoint = std::get_if<Checkpoint>(&**message)) {
        covered = std::max(covered, checkpoint->position);
      }
      // CaughtUp carries no position to rely on: the events and checkpoints say what is covered.
    }
    if (covered > before) {
      views.clear();
      for (const RecordedEvent& event : events) views.push_back(view_of(event));
      std::unique_ptr<PreparedBatch> prepared = projection_.prepare(views);
      auto batch = commit_batch([&](SqlSession& db) -> Result<Batch> {
        if (auto s = projection_.apply_batch(db, views, prepared.get()); !s) return std::unexpected(std::move(s.error()));
        return Batch{events.size(), covered};
      });
      if (!batch) {
        fail(std::move(batch.error()));
        return;
      }
    }
    if (error) {
      fail(std::move(*error));
      return;
    }
  }
}

void ProjectionRunner::stop() {
  if (!thread_.joinable()) return;
  stopping_.store(true);
  {
    std::lock_guard lock(mutex_);
    if (live_) live_->cancel();
  }
  thread_.join();
  following_.store(false);
  std::lock_guard lock(mutex_);
  live_.reset();
}

std::optional<Error> ProjectionRunner::failure() const {
  std::lock_guard lock(mutex_);
  return failure_;
}

Result<uint64_t> ProjectionRunner::rebuild(const ProjectionProgressFn& progress) {
  const bool was_running = running();
  stop();
  Status reset = model_.reset(projection_.name(), [&](SqlSession& db) -> Status {
    if (auto s = projection_.drop(db); !s) return s;
    return projection_.setup(db);
  });
  if (!reset) return std::unexpected(reset.error());
  set_up_ = true;
  auto applied = catch_up(progress);
  if (!applied) return applied;
  if (was_running) {
    if (auto s = start(); !s) return std::unexpected(s.error());
  }
  return applied;
}

Result<Position> ProjectionRunner::checkpoint() const {
  auto stored = model_.checkpoint(projection_.name());
  if (!stored) return std::unexpected(stored.error());
  return *stored ? (*stored)->position : Position{};
}

Result<ProjectionLag> ProjectionRunner::lag() const {
  auto covered = checkpoint();
  if (!covered) return std::unexpected(covered.error());
  ProjectionLag lag;
  lag.checkpoint = *covered;
  lag.head = store_.head();
  if (lag.head <= lag.checkpoint) return lag;
  lag.positions_behind = lag.head.value - lag.checkpoint.value;
  ReadAllOptions oldest;
  oldest.from = after(lag.checkpoint);
  oldest.limit = 1;
  auto page = store_.read_all(oldest);
  if (!page) return std::unexpected(page.error());
  if (!page->events.empty()) {
    const auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
    lag.seconds_behind = std::max<double>(0, static_cast<double>(now - page->events.front().timestamp.micros) / 1e6);
  }
  return lag;
}

Status ProjectionRunner::wait_for(Position position, std::chrono::milliseconds timeout) const {
  if (!running()) {
    // Not following live here: another runner on the same read model may be.
    return wait_for_checkpoint(model_, projection_.name(), position, timeout);
  }
  std::unique_lock lock(mutex_);
  advanced_.wait_for(lock, timeout, [&] { return covered_ >= position || failure_; });
  if (covered_ >= position) return {};
  if (failure_) return std::unexpected(*failure_);
  return not_reached(projection_.name(), position);
}

Status wait_for_checkpoint(const ReadModel& model, std::string_view projection, Position position,
                           std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::chrono::microseconds pause(200);
  while (true) {
    auto stored = model.checkpoint(projection);
    if (!stored) return std::unexpected(stored.error());
    if (*stored && (*stored)->position >= position) return {};
    if (std::chrono::steady_clock::now() >= deadline) return not_reached(projection, position);
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(20000));
  }
}

}  // namespace mnemos::cqrs
