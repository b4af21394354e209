#include "workload.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "mnemos/uuid.h"

namespace mnemos::bench {
namespace {

int64_t scaled_count(int64_t count, double scale) {
  return std::max<int64_t>(1, std::llround(static_cast<double>(count) * scale));
}

// splitmix64: a cheap, well-mixed hash so that sku/qty/cents look random but are reproducible.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

uint64_t fnv1a(std::string_view text) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (char c : text) h = (h ^ static_cast<uint8_t>(c)) * 0x100000001b3ull;
  return h;
}

}  // namespace

Sizes Sizes::scaled(double scale) {
  Sizes s;
  s.scale = scale;
  s.w1_streams = scaled_count(s.w1_streams, scale);
  s.w2_streams = scaled_count(s.w2_streams, scale);
  s.w4_reads = scaled_count(s.w4_reads, scale);
  s.extra_events = scaled_count(s.extra_events / s.w2_batch, scale) * s.w2_batch;
  return s;
}

std::string stream_id(StreamSet set, int64_t index) {
  const char* prefix = set == StreamSet::kW1 ? "w1" : set == StreamSet::kW2 ? "w2" : "x";
  return fmt::format("{}-{:06d}", prefix, index);
}

std::string payload(std::string_view stream, int64_t version) {
  uint64_t h = mix(fnv1a(stream) ^ mix(static_cast<uint64_t>(version)));
  std::string out;
  out.reserve(kPayloadSize);
  fmt::format_to(std::back_inserter(out),
                 R"({{"order":"{}","v":{},"sku":"SKU-{:05d}","qty":{},"cents":{},"pad":")", stream,
                 version, h % 100'000, 1 + (h >> 20) % 9, (h >> 32) % 10'000);
  if (out.size() + 2 > kPayloadSize) {
    throw std::logic_error(fmt::format("payload for {} v{} exceeds {} bytes", stream, version,
                                       kPayloadSize));
  }
  out.append(kPayloadSize - 2 - out.size(), 'x');
  out += "\"}";
  return out;
}

BenchEvent make_event(std::string_view stream, int64_t version) {
  return BenchEvent{Uuid::random().bytes, payload(stream, version)};
}

}  // namespace mnemos::bench
