// event_store.client.server_features.ServerFeatures: the methods this server really serves,
// with a numeric version (the clients refuse a server without one).
#pragma once

#include "serverfeatures.grpc.pb.h"

namespace mnemos::server {

class FeaturesService final : public event_store::client::server_features::ServerFeatures::Service {
 public:
  // Without BatchAppend listed, the clients append through Append.
  explicit FeaturesService(bool batch_append) : batch_append_(batch_append) {}

  grpc::Status GetSupportedMethods(grpc::ServerContext* context, const event_store::client::Empty* request,
                                   event_store::client::server_features::SupportedMethods* response) override;

 private:
  bool batch_append_;
};

}  // namespace mnemos::server
