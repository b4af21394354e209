// One door to every Store backend: a data directory opens the embedded engine
// (mnemos/embedded.h), a nats:// URL the Store on a JetStream cluster (mnemos/jetstream.h).
#pragma once

#include <memory>
#include <string>

#include "mnemos/embedded.h"
#include "mnemos/store.h"

namespace mnemos {

struct OpenOptions {
  Options limits;  // the embedded engine's options; for JetStream, its limits
  // nats:// only: where this process keeps its local copy, unless the URL says `local=DIR`.
  std::string local_dir = "./mnemos-replica";
  Progress catch_up_progress;  // nats:// only: messages applied of those in the log at open
};

bool is_store_url(const std::string& location);  // nats://...

// Errors: those of open_embedded or open_jetstream; kInvalidArgument for a nats:// URL when this
// build has no JetStream backend (libnats-dev was missing).
Result<std::unique_ptr<Store>> open_store(const std::string& location,
                                          const OpenOptions& options = {});

}  // namespace mnemos
