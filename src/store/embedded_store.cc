// EmbeddedStore: the Store interface over the engine.
#include "mnemos/embedded.h"
#include "store/engine.h"
#include "store/subscription.h"
#include "store/validation.h"

namespace mnemos {
namespace {

using store::Engine;
using store::WriteRequest;

std::future<Result<AppendResult>> ready(Result<AppendResult> r) {
  std::promise<Result<AppendResult>> p;
  p.set_value(std::move(r));
  return p.get_future();
}

Result<WriteResult> to_write_result(Result<AppendResult> r) {
  if (!r) return std::unexpected(r.error());
  return WriteResult{r->position};
}

class EmbeddedStore final : public Store {
 public:
  explicit EmbeddedStore(std::shared_ptr<Engine> engine) : engine_(std::move(engine)) {}
  ~EmbeddedStore() override { engine_->close(); }
  EmbeddedStore(const EmbeddedStore&) = delete;
  EmbeddedStore& operator=(const EmbeddedStore&) = delete;

  Result<AppendResult> append(std::string_view stream, ExpectedRevision expected,
                              std::vector<EventData> events) override {
    if (auto s = store::validate_stream_name(stream); !s) return std::unexpected(s.error());
    if (auto s = store::prepare_events(events, engine_->options()); !s) {
      return std::unexpected(s.error());
    }
    WriteRequest request;
    request.kind = WriteRequest::Kind::kAppend;
    request.stream = std::string(stream);
    request.expected = expected;
    request.events = std::move(events);
    return engine_->write(request);
  }

  std::future<Result<AppendResult>> append_async(std::string stream, ExpectedRevision expected,
                                                 std::vector<EventData> events) override {
    if (auto s = store::validate_stream_name(stream); !s) return ready(std::unexpected(s.error()));
    if (auto s = store::prepare_events(events, engine_->options()); !s) {
      return ready(std::unexpected(s.error()));
    }
    auto request = std::make_unique<WriteRequest>();
    request->kind = WriteRequest::Kind::kAppend;
    request->stream = std::move(stream);
    request->expected = expected;
    request->events = std::move(events);
    return engine_->submit(std::move(request));
  }

  Result<StreamReadResult> read_stream(std::string_view stream,
                                       const ReadStreamOptions& options) const override {
    return engine_->read_stream(stream, options);
  }

  Result<AllReadResult> read_all(const ReadAllOptions& options) const override {
    return engine_->read_all(options);
  }
  Result<AllScanResult> scan_all(const ReadAllOptions& options,
                                 const std::function<void(const RecordedEventView&)>& visit) const override {
    return engine_->scan_all(options, visit);
  }

  Result<WriteResult> delete_stream(std::string_view stream, ExpectedRevision expected) override {
    return to_write_result(submit_marker(WriteRequest::Kind::kDelete, stream, expected));
  }

  Result<WriteResult> tombstone_stream(std::string_view stream,
                                       ExpectedRevision expected) override {
    return to_write_result(submit_marker(WriteRequest::Kind::kTombstone, stream, expected));
  }

  Result<StreamMetadataResult> get_metadata(std::string_view stream) const override {
    return engine_->get_metadata(stream);
  }

  Result<AppendResult> set_metadata(std::string_view stream, std::string_view json,
                                    ExpectedRevision expected) override {
    if (auto s = store::validate_stream_name(stream); !s) return std::unexpected(s.error());
    if (store::is_metastream(stream)) {
      return make_error(ErrorCode::kInvalidArgument, "a metastream has no metadata of its own");
    }
    if (auto s = store::validate_stream_metadata(json); !s) return std::unexpected(s.error());
    std::vector<EventData> events(1);
    events[0].type = std::string(store::kMetadataEventType);
    events[0].data = std::string(json);
    return append(store::metastream_of(stream), expected, std::move(events));
  }

  Result<std::unique_ptr<Subscription>> subscribe_stream(
      std::string_view stream, const SubscribeStreamOptions& options) override {
    return store::EngineSubscription::to_stream(engine_, std::string(stream), options);
  }

  Result<std::unique_ptr<Subscription>> subscribe_all(const SubscribeAllOptions& options) override {
    return store::EngineSubscription::to_all(engine_, options);
  }

  Result<std::vector<StreamSummary>> list_streams(const ListStreamsOptions& options) const override {
    return engine_->list_streams(options);
  }

  Result<Position> resolve_time(Timestamp time) const override {
    return engine_->resolve_time(time);
  }

  Position head() const override { return engine_->head(); }
  Result<StoreStats> stats() const override { return engine_->stats(); }

 private:
  Result<AppendResult> submit_marker(WriteRequest::Kind kind, std::string_view stream,
                                     ExpectedRevision expected) {
    if (auto s = store::validate_stream_name(stream); !s) return std::unexpected(s.error());
    WriteRequest request;
    request.kind = kind;
    request.stream = std::string(stream);
    request.expected = expected;
    return engine_->write(request);
  }

  std::shared_ptr<Engine> engine_;
};

}  // namespace

Result<std::unique_ptr<Store>> open_embedded(const std::string& dir, const Options& options) {
  auto engine = Engine::open(dir, options);
  if (!engine) return std::unexpected(engine.error());
  return std::unique_ptr<Store>(new EmbeddedStore(std::move(*engine)));
}

}  // namespace mnemos
