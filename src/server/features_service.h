// event_store.client.server_features.ServerFeatures: the methods this server really serves,
// with a numeric version (the clients refuse a server without one).
#pragma once

#include "serverfeatures.grpc.pb.h"

namespace mnemos::server {

class FeaturesService final : public event_store::client::server_features::ServerFeatures::Service {
 public:
  grpc::Status GetSupportedMethods(grpc::ServerContext* context, const event_store::client::Empty* request,
                                   event_store::client::server_features::SupportedMethods* response) override;
};

}  // namespace mnemos::server
