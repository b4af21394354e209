// event_store.client.streams.Streams over a Store: Append, Read (streams and $all, counted
// reads and subscriptions), Delete, Tombstone. See ../shared/protocol/kurrentdb-grpc.md §3.
#pragma once

#include <atomic>
#include <optional>
#include <string>

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

class StreamsService final : public event_store::client::streams::Streams::Service {
 public:
  // `stopping` is set when the server shuts down: subscriptions end with UNAVAILABLE.
  StreamsService(Store& store, const std::atomic<bool>& stopping, StreamsLimits limits = {})
      : store_(store), stopping_(stopping), limits_(limits) {}

  grpc::Status Append(grpc::ServerContext* context,
                      grpc::ServerReader<event_store::client::streams::AppendReq>* reader,
                      event_store::client::streams::AppendResp* response) override;
  grpc::Status Read(grpc::ServerContext* context, const event_store::client::streams::ReadReq* request,
                    grpc::ServerWriter<event_store::client::streams::ReadResp>* writer) override;
  grpc::Status Delete(grpc::ServerContext* context, const event_store::client::streams::DeleteReq* request,
                      event_store::client::streams::DeleteResp* response) override;
  grpc::Status Tombstone(grpc::ServerContext* context, const event_store::client::streams::DeleteReq* request,
                         event_store::client::streams::DeleteResp* response) override;
  // batch_append.cc
  grpc::Status BatchAppend(grpc::ServerContext* context,
                           grpc::ServerReaderWriter<event_store::client::streams::BatchAppendResp,
                                                    event_store::client::streams::BatchAppendReq>* stream) override;

 private:
  Store& store_;
  const std::atomic<bool>& stopping_;
  StreamsLimits limits_;
};

}  // namespace mnemos::server
