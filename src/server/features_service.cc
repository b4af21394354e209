#include "features_service.h"

#include "wire.h"

namespace mnemos::server {

grpc::Status FeaturesService::GetSupportedMethods(grpc::ServerContext*, const event_store::client::Empty*,
                                                  event_store::client::server_features::SupportedMethods* response) {
  response->set_event_store_server_version(kCompatibleServerVersion);
  struct Method {
    const char* service;
    const char* name;
    std::initializer_list<const char*> features;
  };
  // Lowercase, as the clients compare them.
  const Method methods[] = {
      {"event_store.client.streams.streams", "batchappend", {"deadline_duration"}},
      {"event_store.client.streams.streams", "read", {"position", "events"}},
      {"event_store.client.streams.streams", "append", {}},
      {"event_store.client.streams.streams", "delete", {}},
      {"event_store.client.streams.streams", "tombstone", {}},
      {"event_store.client.server_features.serverfeatures", "getsupportedmethods", {}},
  };
  for (const Method& m : methods) {
    if (!batch_append_ && std::string_view(m.name) == "batchappend") continue;
    auto* method = response->add_methods();
    method->set_service_name(m.service);
    method->set_method_name(m.name);
    for (const char* f : m.features) method->add_features(f);
  }
  return grpc::Status::OK;
}

}  // namespace mnemos::server
