// EngineStore: the read side of a Store that an Engine holds, shared by the embedded store and
// by the replicated one (src/replicated), whose local copy is an Engine too. Writes are left to
// the subclass; reads, subscriptions and stats go straight to the engine.
#pragma once

#include <future>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "mnemos/store.h"
#include "store/engine.h"
#include "store/stream_metadata.h"
#include "store/subscription.h"

namespace mnemos::store {

// An append_async() result known at once (a refusal before anything was queued).
inline std::future<Result<AppendResult>> ready(Result<AppendResult> r) {
  std::promise<Result<AppendResult>> p;
  p.set_value(std::move(r));
  return p.get_future();
}

class EngineStore : public Store {
 public:
  Result<StreamReadResult> read_stream(std::string_view stream,
                                       const ReadStreamOptions& options) const override {
    return engine_->read_stream(stream, options);
  }
  Result<AllReadResult> read_all(const ReadAllOptions& options) const override {
    return engine_->read_all(options);
  }
  Result<AllScanResult> scan_all(
      const ReadAllOptions& options,
      const std::function<void(const RecordedEventView&)>& visit) const override {
    return engine_->scan_all(options, visit);
  }
  Result<StreamMetadataResult> get_metadata(std::string_view stream) const override {
    return engine_->get_metadata(stream);
  }
  Result<std::unique_ptr<Subscription>> subscribe_stream(
      std::string_view stream, const SubscribeStreamOptions& options) override {
    return EngineSubscription::to_stream(engine_, std::string(stream), options);
  }
  Result<std::unique_ptr<Subscription>> subscribe_all(const SubscribeAllOptions& options) override {
    return EngineSubscription::to_all(engine_, options);
  }
  Result<std::vector<StreamSummary>> list_streams(const ListStreamsOptions& options) const override {
    return engine_->list_streams(options);
  }
  Result<Position> resolve_time(Timestamp time) const override {
    return engine_->resolve_time(time);
  }
  // A `$metadata` event appended to `$$stream` through the subclass's append().
  Result<AppendResult> set_metadata(std::string_view stream, std::string_view json,
                                    ExpectedRevision expected) override {
    auto events = metadata_events(stream, json);
    if (!events) return std::unexpected(events.error());
    return append(metastream_of(stream), expected, std::move(*events));
  }
  Position head() const override { return engine_->head(); }
  Result<StoreStats> stats() const override { return engine_->stats(); }

 protected:
  // The one `$metadata` event that set_metadata appends to `metastream_of(stream)`, checked.
  static Result<std::vector<EventData>> metadata_events(std::string_view stream,
                                                        std::string_view json);

  explicit EngineStore(std::shared_ptr<Engine> engine) : engine_(std::move(engine)) {}

  std::shared_ptr<Engine> engine_;
};

}  // namespace mnemos::store
