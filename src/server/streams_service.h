// event_store.client.streams.Streams over a Store: Append, Read (streams and $all, counted
// reads and subscriptions), Delete, Tombstone. See ../shared/protocol/kurrentdb-grpc.md §3.
#pragma once

#include <atomic>
#include <optional>
#include <string>

#include "append_completions.h"
#include "live_calls.h"
#include "mnemos/store.h"
#include "streams.grpc.pb.h"

namespace mnemos::server {

struct StreamsLimits {
  uint64_t max_append_bytes = 64ull << 20;  // data + metadata of one append
};

// The stream's last revision now (empty: none), and whether `expected` holds against it: for
// appends of no events, which the store does not take.
Result<std::optional<Revision>> last_revision(const Store& store, const std::string& stream);
bool expected_holds(ExpectedRevision expected, std::optional<Revision> last);

// Append, BatchAppend and Read are callback reactors: no thread is held while an append commits
// (the acknowledgement is written from the AppendCompletions thread) or while a counted read
// waits for its writes. A subscription runs on a thread of its own, as it waits for events.
// Delete and Tombstone are synchronous handlers.
using StreamsBase = event_store::client::streams::Streams::WithCallbackMethod_Read<
    event_store::client::streams::Streams::WithCallbackMethod_Append<
        event_store::client::streams::Streams::WithCallbackMethod_BatchAppend<
            event_store::client::streams::Streams::Service>>>;

class StreamsService final : public StreamsBase {
 public:
  // `stopping` is set when the server shuts down: subscriptions end with UNAVAILABLE.
  StreamsService(Store& store, const std::atomic<bool>& stopping, StreamsLimits limits = {})
      : store_(store), stopping_(stopping), limits_(limits) {}

  // The server shuts down (after `stopping` is set): BatchAppend streams answer what they took
  // in and end with UNAVAILABLE.
  void stop() { calls_.stop_all(); }
  // Once the server's calls are all done: waits until nothing of this service still runs.
  void wait_idle() { completions_.wait_idle(); }

  grpc::ServerReadReactor<event_store::client::streams::AppendReq>* Append(
      grpc::CallbackServerContext* context, event_store::client::streams::AppendResp* response) override;
  grpc::ServerWriteReactor<event_store::client::streams::ReadResp>* Read(
      grpc::CallbackServerContext* context, const event_store::client::streams::ReadReq* request) override;
  grpc::Status Delete(grpc::ServerContext* context, const event_store::client::streams::DeleteReq* request,
                      event_store::client::streams::DeleteResp* response) override;
  grpc::Status Tombstone(grpc::ServerContext* context, const event_store::client::streams::DeleteReq* request,
                         event_store::client::streams::DeleteResp* response) override;
  // batch_append.cc
  grpc::ServerBidiReactor<event_store::client::streams::BatchAppendReq, event_store::client::streams::BatchAppendResp>*
  BatchAppend(grpc::CallbackServerContext* context) override;

 private:
  Store& store_;
  const std::atomic<bool>& stopping_;
  StreamsLimits limits_;
  LiveCalls calls_;
  AppendCompletions completions_;  // last: its thread ends first, once every call has finished
};

}  // namespace mnemos::server
