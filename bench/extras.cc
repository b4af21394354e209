#include "extras.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "progress.h"
#include "system_probe.h"

namespace mnemos::bench {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;
constexpr int64_t kRssSamples = 20;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

ExtraResult run_extras(Peer& peer, const std::string& dir, const Sizes& sizes, bool reopen,
                       bool rss) {
  ExtraResult result;
  result.system = std::string(peer.name());
  const int64_t streams = sizes.extra_events / sizes.w2_batch;
  const int64_t sample_every = std::max<int64_t>(1, streams / kRssSamples);

  peer.open(dir);
  {
    auto connection = peer.connect();
    Progress progress(fmt::format("{} fill {} events", peer.name(), sizes.extra_events),
                      static_cast<uint64_t>(sizes.extra_events));
    reset_peak_rss();
    if (rss) result.rss_mib.emplace_back(0, static_cast<double>(rss_bytes()) / kMiB);
    std::vector<BenchEvent> batch(static_cast<size_t>(sizes.w2_batch));
    auto start = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < streams; ++i) {
      std::string stream = stream_id(StreamSet::kExtra, i);
      for (int64_t v = 0; v < sizes.w2_batch; ++v) {
        batch[static_cast<size_t>(v)] = make_event(stream, v);
      }
      if (connection->append(stream, -1, batch) != AppendOutcome::kOk) {
        throw BenchFailure(fmt::format("{} fill: append to {} rejected", peer.name(), stream));
      }
      result.events += batch.size();
      progress.add(batch.size());
      if (rss && ((i + 1) % sample_every == 0 || i + 1 == streams)) {
        result.rss_mib.emplace_back(result.events, static_cast<double>(rss_bytes()) / kMiB);
      }
    }
    result.fill_seconds = seconds_since(start);
    result.peak_rss_mib = static_cast<double>(peak_rss_bytes()) / kMiB;
  }
  peer.close();

  if (reopen) {
    auto start = std::chrono::steady_clock::now();
    peer.open(dir);
    result.reopen_seconds = seconds_since(start);
    // The reopened store must hold what was written: read the last stream back.
    std::string last = stream_id(StreamSet::kExtra, streams - 1);
    size_t n = peer.connect()->read_stream(last, [](const EventView&) {});
    if (n != static_cast<size_t>(sizes.w2_batch)) {
      throw BenchFailure(fmt::format("{} reopen: {} has {} events after reopen, not {}",
                                     peer.name(), last, n, sizes.w2_batch));
    }
    peer.close();
  }
  return result;
}

}  // namespace mnemos::bench
