#include "verify.h"

#include <fmt/format.h>

#include <unordered_map>

#include "progress.h"

namespace mnemos::bench {
namespace {

void check(bool ok, std::string_view peer, const std::string& what) {
  if (!ok) throw BenchFailure(fmt::format("{}: verification failed: {}", peer, what));
}

}  // namespace

void verify_store(Peer& peer, const Expectation& expect) {
  const uint64_t total = static_cast<uint64_t>(expect.stream_count * expect.events_per_stream);
  auto connection = peer.connect();
  std::unordered_map<std::string, int64_t> next_version;
  next_version.reserve(static_cast<size_t>(expect.stream_count));
  for (int64_t i = 0; i < expect.stream_count; ++i) next_version[stream_id(expect.streams, i)] = 0;

  Progress progress(fmt::format("{} verify", peer.name()), total);
  uint64_t count = 0;
  uint64_t last_position = 0;
  int64_t last_timestamp = 0;
  AllCursor cursor;
  while (!cursor.done) {
    size_t n = connection->read_all_page(cursor, 1000, [&](const EventView& e) {
      check(count == 0 || e.position > last_position, peer.name(),
            fmt::format("position {} after {}", e.position, last_position));
      check(e.timestamp_us >= last_timestamp, peer.name(),
            fmt::format("timestamp goes back at position {}", e.position));
      auto it = next_version.find(std::string(e.stream));
      check(it != next_version.end(), peer.name(), fmt::format("unexpected stream {}", e.stream));
      check(e.version == it->second, peer.name(),
            fmt::format("{} version {} where {} was next", e.stream, e.version, it->second));
      check(e.type == kEventType, peer.name(), fmt::format("type {}", e.type));
      check(e.data == payload(e.stream, e.version), peer.name(),
            fmt::format("data of {} v{} differs", e.stream, e.version));
      ++it->second;
      ++count;
      last_position = e.position;
      last_timestamp = e.timestamp_us;
    });
    progress.add(n);
  }
  check(count == total, peer.name(), fmt::format("{} events where {} were written", count, total));
  for (const auto& [stream, next] : next_version) {
    check(next == expect.events_per_stream, peer.name(),
          fmt::format("{} has {} events where {} were written", stream, next,
                      expect.events_per_stream));
  }
}

void sanity_check(Peer& peer) {
  auto connection = peer.connect();
  const std::string stream = "sanity-000000";
  // A fresh event id each time: re-sending an id already written would be an idempotent retry.
  auto append = [&](int64_t version, int64_t expected) {
    BenchEvent event = make_event(stream, version);
    return connection->append(stream, expected, std::span(&event, 1));
  };
  auto expect = [&](AppendOutcome got, AppendOutcome want, const char* step) {
    check(got == want, peer.name(),
          fmt::format("sanity check: {} was {}", step,
                      got == AppendOutcome::kOk ? "accepted" : "rejected"));
  };
  expect(append(0, -1), AppendOutcome::kOk, "append to a new stream with expected -1");
  expect(append(1, -1), AppendOutcome::kWrongExpectedRevision,
         "append to an existing stream with expected -1");
  expect(append(1, 0), AppendOutcome::kOk, "append with the right expected version 0");
  expect(append(1, 0), AppendOutcome::kWrongExpectedRevision,
         "append with the stale expected version 0");
  int64_t version = 0;
  connection->read_stream(stream, [&](const EventView& e) {
    check(e.version == version, peer.name(), "sanity check: stream read out of order");
    ++version;
  });
  check(version == 2, peer.name(),
        fmt::format("sanity check: stream has {} events where 2 were accepted", version));
}

}  // namespace mnemos::bench
