#include "mnemos/open.h"

#ifdef MNEMOS_HAVE_JETSTREAM
#include "mnemos/jetstream.h"
#endif

namespace mnemos {

bool is_store_url(const std::string& location) { return location.starts_with("nats://"); }

Result<std::unique_ptr<Store>> open_store(const std::string& location, const OpenOptions& options) {
  if (!is_store_url(location)) return open_embedded(location, options.limits);
#ifdef MNEMOS_HAVE_JETSTREAM
  JetStreamOptions js;
  js.local_dir = options.local_dir;
  js.limits = options.limits;
  if (auto s = parse_jetstream_url(location, js); !s) return std::unexpected(s.error());
  return open_jetstream(js, options.catch_up_progress);
#else
  return make_error(ErrorCode::kInvalidArgument,
                    "this build has no JetStream backend (libnats-dev was missing): cannot open " +
                        location);
#endif
}

}  // namespace mnemos
