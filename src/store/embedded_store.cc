// EmbeddedStore: the Store interface over the engine.
#include "mnemos/embedded.h"
#include "store/engine.h"
#include "store/engine_store.h"
#include "store/stream_metadata.h"
#include "store/validation.h"

namespace mnemos {
namespace {

using store::Engine;
using store::ready;
using store::WriteRequest;

Result<WriteResult> to_write_result(Result<AppendResult> r) {
  if (!r) return std::unexpected(r.error());
  return WriteResult{r->position};
}

class EmbeddedStore final : public store::EngineStore {
 public:
  explicit EmbeddedStore(std::shared_ptr<Engine> engine) : EngineStore(std::move(engine)) {}
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

  Result<WriteResult> delete_stream(std::string_view stream, ExpectedRevision expected) override {
    return to_write_result(submit_marker(WriteRequest::Kind::kDelete, stream, expected));
  }

  Result<WriteResult> tombstone_stream(std::string_view stream,
                                       ExpectedRevision expected) override {
    return to_write_result(submit_marker(WriteRequest::Kind::kTombstone, stream, expected));
  }

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
};

}  // namespace

namespace store {

Result<std::vector<EventData>> EngineStore::metadata_events(std::string_view stream,
                                                            std::string_view json) {
  if (auto s = validate_stream_name(stream); !s) return std::unexpected(s.error());
  if (is_metastream(stream)) {
    return make_error(ErrorCode::kInvalidArgument, "a metastream has no metadata of its own");
  }
  if (auto s = validate_stream_metadata(json); !s) return std::unexpected(s.error());
  std::vector<EventData> events(1);
  events[0].type = std::string(kMetadataEventType);
  events[0].data = std::string(json);
  return events;
}

}  // namespace store

Result<std::unique_ptr<Store>> open_embedded(const std::string& dir, const Options& options) {
  auto engine = Engine::open(dir, options);
  if (!engine) return std::unexpected(engine.error());
  return std::unique_ptr<Store>(new EmbeddedStore(std::move(*engine)));
}

}  // namespace mnemos
