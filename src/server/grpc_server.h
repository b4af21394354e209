// The gRPC server of `mnemos serve`: the KurrentDB-compatible services over one Store, on one or
// more loopback (or given) addresses, with the HTTP/2 settings the official clients need.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "mnemos/error.h"
#include "mnemos/store.h"

namespace grpc {
class Server;
}

namespace mnemos::server {

class FeaturesService;
class StreamsService;

struct GrpcOptions {
  std::vector<std::string> addresses = {"127.0.0.1:2113", "[::1]:2113"};
  int max_message_bytes = 17 << 20;  // the clients allow 17 MiB: a 16 MiB event passes
  bool batch_append = true;          // list BatchAppend in ServerFeatures (clients then use it)
};

class GrpcServer {
 public:
  // Starts serving. Errors: kInvalidArgument (an address that cannot be bound, named).
  static Result<std::unique_ptr<GrpcServer>> start(Store& store, const GrpcOptions& options);
  ~GrpcServer();

  // The ports really bound, in the order of the addresses (useful with port 0).
  const std::vector<int>& ports() const { return ports_; }

  // Stops accepting calls, lets in-flight appends finish, ends subscriptions with UNAVAILABLE.
  void shutdown();

 private:
  GrpcServer() = default;
  std::atomic<bool> stopping_{false};
  std::unique_ptr<StreamsService> streams_;
  std::unique_ptr<FeaturesService> features_;
  std::unique_ptr<grpc::Server> server_;
  std::vector<int> ports_;
};

}  // namespace mnemos::server
