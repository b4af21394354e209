// The registry of the peers built into this binary.
#include "peer.h"
#include "sqlite_peer.h"
#ifdef MNEMOS_BENCH_HAVE_STORE
#include "mnemos_peer.h"
#endif

namespace mnemos::bench {

PeerFactory find_peer(std::string_view name) {
#ifdef MNEMOS_BENCH_HAVE_STORE
  if (name == "mnemos") return make_mnemos_peer;
#endif
  if (name == "sqlite") return make_sqlite_peer;
  return nullptr;
}

}  // namespace mnemos::bench
