#include "grpc_server.h"

#include <absl/synchronization/mutex.h>
#include <grpcpp/grpcpp.h>

#include <chrono>

#include "features_service.h"
#include "grpc_order.h"
#include "streams_service.h"

namespace mnemos::server {

Result<std::unique_ptr<GrpcServer>> GrpcServer::start(Store& store, const GrpcOptions& options) {
  // The distribution's Abseil is built without NDEBUG: each absl::Mutex lock in gRPC would record
  // lock orderings in a process-wide graph (under a global lock) to detect deadlocks.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  std::unique_ptr<GrpcServer> server(new GrpcServer());
  server->streams_ = std::make_unique<StreamsService>(store, server->stopping_);
  server->features_ = std::make_unique<FeaturesService>(options.batch_append);

  grpc::ServerBuilder builder;
  std::vector<int> ports(options.addresses.size(), 0);
  for (size_t i = 0; i < options.addresses.size(); ++i) {
    builder.AddListeningPort(options.addresses[i], grpc::InsecureServerCredentials(), &ports[i]);
  }
  builder.RegisterService(server->streams_.get());
  builder.RegisterService(server->features_.get());
  // Only Delete, Tombstone and ServerFeatures are synchronous handlers (the rest are reactors):
  // one thread polling at rest, more while handlers block. More idle pollers cost more than they
  // help: each competes for the same epoll set and is woken for events that others handle.
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 1);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, 64);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  // The clients ping every 10 s, also on idle subscriptions: accept that, never GOAWAY for it.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 5000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  server->server_ = builder.BuildAndStart();
  if (!server->server_) return make_error(ErrorCode::kInvalidArgument, "the gRPC server could not start");
  for (size_t i = 0; i < ports.size(); ++i) {
    if (ports[i] == 0) {
      server->server_->Shutdown();
      return make_error(ErrorCode::kInvalidArgument, "cannot listen on " + options.addresses[i]);
    }
  }
  server->ports_ = ports;
  return server;
}

void GrpcServer::shutdown() {
  if (!server_) return;
  stopping_.store(true);  // subscriptions see it within one poll and end
  streams_->stop();       // BatchAppend streams answer what they took in and end
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  server_->Wait();
  grpc_order::after_wait();
  streams_->wait_idle();
  server_.reset();
}

GrpcServer::~GrpcServer() { shutdown(); }

}  // namespace mnemos::server
