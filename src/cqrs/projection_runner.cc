#include "mnemos/cqrs/projection_runner.h"

#include <algorithm>
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
  const EventFilter filter = projection_.filter();
  uint64_t applied = 0;
  while (covered < target) {
    // Everything up to `head` is committed before the scan starts, so a scan that ends without
    // a next page has covered it, even where its last events did not pass the filter.
    const Position head = store_.head();
    ReadAllOptions read;
    read.from = after(covered);
    read.limit = options_.batch_size;
    read.filter = filter;
    auto batch = commit_batch([&](SqlSession& db) -> Result<Batch> {
      Batch b{0, covered};
      Status applying;
      auto page = store_.scan_all(read, [&](const RecordedEventView& event) {
        if (!applying) return;  // the batch rolls back anyway: skip the rest of the page
        applying = projection_.apply(db, event);
        b.covered = event.position;
        ++b.events;
      });
      if (!page) return std::unexpected(std::move(page.error()));
      if (!applying) return std::unexpected(std::move(applying.error()));
      b.covered = page->next ? Position{page->next->value - 1} : std::max(b.covered, head);
      return b;
    });
    if (!batch) return std::unexpected(std::move(batch.error()));
    if (batch->covered <= covered) break;  // nothing more to read (the head cannot go back)
    covered = batch->covered;
    applied += batch->events;
    if (progress) progress(ProjectionProgress{applied, covered, target});
  }
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
      auto batch = commit_batch([&](SqlSession& db) -> Result<Batch> {
        for (const RecordedEvent& event : events) {
          if (auto s = projection_.apply(db, view_of(event)); !s) return std::unexpected(std::move(s.error()));
        }
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
