// Catch-up then live subscriptions, read from the log on the subscriber's own thread: a slow
// subscriber holds at most a small queue and never slows the writer down.
#pragma once

#include <atomic>
#include <deque>
#include <memory>
#include <string>

#include "mnemos/store.h"
#include "store/engine.h"

namespace mnemos::store {

class EngineSubscription final : public Subscription {
 public:
  // Subscribes to one stream.
  static Result<std::unique_ptr<Subscription>> to_stream(std::shared_ptr<Engine> engine,
                                                         std::string stream,
                                                         const SubscribeStreamOptions& options);
  // Subscribes to $all.
  static Result<std::unique_ptr<Subscription>> to_all(std::shared_ptr<Engine> engine,
                                                      const SubscribeAllOptions& options);

  Result<std::optional<SubscriptionMessage>> next(std::chrono::milliseconds timeout) override;
  void cancel() override;

 private:
  explicit EngineSubscription(std::shared_ptr<Engine> engine) : engine_(std::move(engine)) {}
  // Reads what was committed up to `end` into the queue (a bounded amount at a time).
  Status fill(uint64_t end);
  Status fill_stream_catch_up();
  Status scan_live(uint64_t end);

  std::shared_ptr<Engine> engine_;
  std::atomic<bool> cancelled_{false};
  std::deque<SubscriptionMessage> queue_;
  bool caught_up_sent_ = false;

  // $all, and the live phase of a stream subscription: the next position to scan from.
  uint64_t next_position_ = 0;
  EventFilter filter_;
  uint64_t checkpoint_interval_ = 0;
  uint64_t scanned_since_checkpoint_ = 0;

  // Stream subscriptions.
  std::string stream_;  // empty for $all
  uint64_t next_revision_ = 0;
  bool catching_up_ = false;
  uint64_t catch_up_end_ = 0;  // the stream's index is read below this; the log scan from it
};

}  // namespace mnemos::store
