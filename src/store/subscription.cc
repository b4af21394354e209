#include "store/subscription.h"

#include "store/validation.h"

namespace mnemos::store {
namespace {

constexpr size_t kMaxQueued = 256;

std::unexpected<Error> tombstoned(const std::string& stream) {
  return make_error(ErrorCode::kStreamDeleted, "stream '" + stream + "' is tombstoned");
}

}  // namespace

Result<std::unique_ptr<Subscription>> EngineSubscription::to_stream(
    std::shared_ptr<Engine> engine, std::string stream, const SubscribeStreamOptions& options) {
  if (auto s = validate_stream_name(stream); !s) return std::unexpected(s.error());
  auto info = engine->index().stream_ref(stream);
  if (!info) return std::unexpected(info.error());
  const uint64_t end = engine->committed_end();
  if (*info && (*info)->tombstone_position != 0 && (*info)->tombstone_position < end) {
    return tombstoned(stream);
  }
  std::unique_ptr<EngineSubscription> sub(new EngineSubscription(std::move(engine)));
  sub->stream_ = std::move(stream);
  switch (options.start) {
    case StartAt::kBeginning:
    case StartAt::kFrom:
      sub->next_revision_ = options.start == StartAt::kFrom ? options.from.value : 0;
      sub->catching_up_ = true;
      sub->catch_up_end_ = end;
      sub->next_position_ = end;
      break;
    case StartAt::kEnd:
      // Everything of the stream at or after the committed end, whatever its revision: the
      // index may already hold the next commit, so its head revision is no start point.
      sub->next_position_ = end;
      break;
  }
  return std::unique_ptr<Subscription>(std::move(sub));
}

Result<std::unique_ptr<Subscription>> EngineSubscription::to_all(
    std::shared_ptr<Engine> engine, const SubscribeAllOptions& options) {
  const uint64_t end = engine->committed_end();
  std::unique_ptr<EngineSubscription> sub(new EngineSubscription(std::move(engine)));
  sub->filter_ = options.filter;
  sub->checkpoint_interval_ = options.filter.empty() ? 0 : std::max<uint64_t>(1, options.checkpoint_interval);
  switch (options.start) {
    case StartAt::kBeginning: sub->next_position_ = 0; break;
    case StartAt::kFrom: sub->next_position_ = options.from.value; break;
    case StartAt::kEnd: sub->next_position_ = end; break;
  }
  return std::unique_ptr<Subscription>(std::move(sub));
}

Status EngineSubscription::fill_stream_catch_up() {
  auto info = engine_->index().stream_ref(stream_);
  if (!info) return std::unexpected(info.error());
  if (*info) {
    size_t added = 0;
    auto s = engine_->visit_stream_forwards(
        (*info)->id, next_revision_, catch_up_end_ - 1, catch_up_end_,
        [&](const storage::EventRecord& r, uint64_t position) {
          if (added == kMaxQueued) return false;
          queue_.push_back(to_recorded(r, position));
          next_revision_ = r.revision + 1;
          ++added;
          return true;
        });
    if (!s) return s;
    if (added == kMaxQueued) return {};  // more to catch up on
  }
  catching_up_ = false;  // everything below catch_up_end_ is delivered; the log scan goes on
  return {};
}

Status EngineSubscription::scan_live(uint64_t end) {
  size_t added = 0;
  std::optional<Error> deleted;
  auto s = engine_->scan_log(next_position_, end, [&](const storage::EventRecord& r,
                                                      uint64_t position) {
    if (added == kMaxQueued) return false;
    if (!stream_.empty() && r.stream == stream_ && r.revision == kTombstoneRevision) {
      deleted = tombstoned(stream_).error();
      return false;  // next_position_ stays on the tombstone
    }
    next_position_ = position + r.encoded_size;
    if (!stream_.empty()) {
      if (r.stream != stream_) return true;
      if (r.revision < next_revision_) return true;
      next_revision_ = r.revision + 1;
      queue_.push_back(to_recorded(r, position));
      ++added;
      return true;
    }
    if (filter_.matches(r.stream, r.type)) {
      queue_.push_back(to_recorded(r, position));
      ++added;
    } else if (checkpoint_interval_ != 0 && ++scanned_since_checkpoint_ >= checkpoint_interval_) {
      queue_.push_back(Checkpoint{Position{position}});
      scanned_since_checkpoint_ = 0;
      ++added;
    }
    return true;
  });
  if (!s) return s;
  if (deleted) {
    // Deliver what came before the tombstone first; the error follows on the next call.
    if (!queue_.empty()) return {};
    return std::unexpected(*deleted);
  }
  return {};
}

Status EngineSubscription::fill(uint64_t end) {
  if (catching_up_) return fill_stream_catch_up();
  return scan_live(end);
}

Result<std::optional<SubscriptionMessage>> EngineSubscription::next(
    std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (cancelled_.load()) return make_error(ErrorCode::kCancelled, "subscription cancelled");
    if (!queue_.empty()) {
      SubscriptionMessage m = std::move(queue_.front());
      queue_.pop_front();
      return std::optional<SubscriptionMessage>(std::move(m));
    }
    if (engine_->closed()) return make_error(ErrorCode::kStopped, "the store is closed");
    const uint64_t end = engine_->committed_end();
    if (auto s = fill(end); !s) return std::unexpected(s.error());
    if (!queue_.empty() || catching_up_) continue;
    if (!caught_up_sent_) {
      caught_up_sent_ = true;
      return std::optional<SubscriptionMessage>(CaughtUp{engine_->head()});
    }
    if (!engine_->wait_for_commit(end, deadline, cancelled_)) {
      if (cancelled_.load()) return make_error(ErrorCode::kCancelled, "subscription cancelled");
      if (engine_->closed()) return make_error(ErrorCode::kStopped, "the store is closed");
      if (std::chrono::steady_clock::now() >= deadline) return std::optional<SubscriptionMessage>();
    }
  }
}

void EngineSubscription::cancel() {
  cancelled_.store(true);
  engine_->wake_waiters();
}

}  // namespace mnemos::store
