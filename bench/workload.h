// The workloads of ../shared/WORKLOADS.md (W1-W4): sizes, stream ids and event payloads. Pure
// definitions, no I/O: the runner drives them against a Peer.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace mnemos::bench {

inline constexpr std::string_view kEventType = "ItemAdded";
inline constexpr size_t kPayloadSize = 100;  // bytes of `data`, exactly

// The sizes of one run. scale 1.0 gives the WORKLOADS.md numbers; a smaller scale shrinks the
// number of streams (and so of events and reads), never the events per stream or per append.
struct Sizes {
  double scale = 1.0;
  int64_t w1_streams = 10'000;
  int64_t w1_rounds = 20;         // events per W1 stream, one per append
  int64_t w2_streams = 10'000;
  int64_t w2_batch = 100;         // events per W2 append (= per stream)
  int64_t w3_page = 1'000;        // events per $all page
  int64_t w4_reads = 10'000;
  int64_t extra_events = 10'000'000;  // store size for the `reopen` and `rss` extras

  static Sizes scaled(double scale);
  int64_t w1_events() const { return w1_streams * w1_rounds; }
  int64_t w2_events() const { return w2_streams * w2_batch; }
};

enum class StreamSet { kW1, kW2, kExtra };

// "w1-000042" ("%06ld" of the stream index); kExtra streams are "x-000042".
std::string stream_id(StreamSet set, int64_t index);

// One event as both peers store it: a 16-byte id, type kEventType, this data, empty metadata.
struct BenchEvent {
  std::array<uint8_t, 16> id{};
  std::string data;
};

// The 100-byte JSON object of event `version` of stream `stream`, deterministic per pair, e.g.
// {"order":"w1-000042","v":3,"sku":"SKU-23757","qty":4,"cents":393,"pad":"xxxxxxxxxxxxxxxxxxxxxxxxxx"}
std::string payload(std::string_view stream, int64_t version);

// An event with a fresh random (version 4) id and payload(stream, version).
BenchEvent make_event(std::string_view stream, int64_t version);

}  // namespace mnemos::bench
