// The registry of the peers built into this binary.
#include "peer.h"
#include "sqlite_peer.h"
#ifdef MNEMOS_BENCH_HAVE_STORE
#include "grpc_peer.h"
#include "mnemos_peer.h"
#endif

namespace mnemos::bench {

PeerFactory find_peer(std::string_view name, const std::string& target, bool keep) {
#ifdef MNEMOS_BENCH_HAVE_STORE
  if (name == "mnemos") return make_mnemos_peer;
  if (name == "grpc") return [target] { return make_grpc_peer(target.starts_with("nats://") ? "" : target); };
#ifdef MNEMOS_BENCH_HAVE_JETSTREAM
  if (name == "jetstream" && target.starts_with("nats://")) {
    return [target, keep] { return make_jetstream_peer(target, keep); };
  }
#endif
#else
  (void)target;
  (void)keep;
#endif
  if (name == "sqlite") return make_sqlite_peer;
  return nullptr;
}

}  // namespace mnemos::bench
