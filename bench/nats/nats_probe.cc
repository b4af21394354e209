// nats-probe: how fast raw JetStream takes appends on a cluster, before any Store is built on it.
//
//   nats-probe --urls nats://127.0.0.1:4222,... --mode sync --writers 8 --events 1 --seconds 5
//
// Each writer owns a connection (spread over the servers) and a subject, and publishes as the
// JetStream Store would: one message per append, Nats-Msg-Id "<subject>:<revision>" and the
// subject's expected last sequence. `--mode async` has one writer keep up to --in-flight
// unacknowledged (no expected sequence: the acks are not known yet). `--events N` puts N events
// of --event-bytes each in one message (one multi-event append). One line of JSON on stdout.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "must_connect.h"
#include "nats/jetstream.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kProgram = "nats-probe";
using mnemos::nats::AsyncPublisher;
using mnemos::nats::Connection;
using mnemos::nats::must_connect;
using mnemos::nats::StreamSpec;
using mnemos::nats::split_urls;

struct Options {
  std::string urls = "nats://127.0.0.1:4222,nats://127.0.0.1:4223,nats://127.0.0.1:4224";
  std::string mode = "sync";
  int writers = 1;
  int events = 1;
  int event_bytes = 200;
  int in_flight = 256;
  double seconds = 5;
  int replicas = 3;
  std::string label;
};

// The list rotated so that writer w connects first to server w % n.
std::string rotated(const std::vector<std::string>& urls, size_t w) {
  std::string out;
  for (size_t i = 0; i < urls.size(); ++i) {
    if (!out.empty()) out += ',';
    out += urls[(w + i) % urls.size()];
  }
  return out;
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  size_t k = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"nats-probe: raw JetStream publish throughput on a cluster"};
  app.add_option("--urls", o.urls, "comma-separated server URLs");
  app.add_option("--mode", o.mode, "sync (wait for each ack) or async")->check(CLI::IsMember({"sync", "async"}));
  app.add_option("--writers", o.writers, "sync mode: concurrent writers")->check(CLI::Range(1, 1024));
  app.add_option("--events", o.events, "events per message")->check(CLI::Range(1, 10000));
  app.add_option("--event-bytes", o.event_bytes, "bytes per event")->check(CLI::Range(1, 1 << 20));
  app.add_option("--in-flight", o.in_flight, "async mode: most unacknowledged publishes")->check(CLI::Range(1, 1 << 20));
  app.add_option("--seconds", o.seconds, "duration of the measurement");
  app.add_option("--replicas", o.replicas, "stream replicas");
  app.add_option("--label", o.label, "copied into the output (e.g. the sync mode)");
  CLI11_PARSE(app, argc, argv);

  auto urls = split_urls(o.urls);
  auto admin = must_connect(o.urls, kProgram);
  StreamSpec spec{.name = "NATS_PROBE", .subject_prefix = "probe", .replicas = o.replicas};
  (void)admin->delete_stream(spec.name);
  if (auto ok = admin->ensure_stream(spec); !ok) {
    std::fprintf(stderr, "nats-probe: %s\n", ok.error().to_string().c_str());
    return 1;
  }
  const std::string payload(static_cast<size_t>(o.events) * static_cast<size_t>(o.event_bytes), 'e');
  const auto duration = std::chrono::duration<double>(o.seconds);

  uint64_t appends = 0;
  uint64_t errors = 0;
  std::vector<double> latencies_ms;
  double elapsed = 0;
  if (o.mode == "sync") {
    std::vector<std::unique_ptr<Connection>> conns;
    for (int w = 0; w < o.writers; ++w) {
      conns.push_back(must_connect(rotated(urls, static_cast<size_t>(w)), kProgram));
    }
    std::vector<std::vector<double>> lat(static_cast<size_t>(o.writers));
    std::vector<uint64_t> errs(static_cast<size_t>(o.writers), 0);
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    auto start = Clock::now();
    for (int w = 0; w < o.writers; ++w) {
      threads.emplace_back([&, w] {
        auto& c = *conns[static_cast<size_t>(w)];
        std::string subject = fmt::format("probe.w{}", w);
        uint64_t last = 0;
        for (uint64_t rev = 0; !stop.load(std::memory_order_relaxed); ++rev) {
          std::string id = fmt::format("{}:{}", subject, rev);
          auto t0 = Clock::now();
          auto ack = c.publish({.subject = subject, .payload = payload, .msg_id = id,
                                .expected_last_subject_sequence = last});
          auto t1 = Clock::now();
          if (!ack) {
            if (++errs[static_cast<size_t>(w)] == 1) std::fprintf(stderr, "nats-probe: %s\n", ack.error().to_string().c_str());
            continue;
          }
          last = ack->sequence;
          lat[static_cast<size_t>(w)].push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        }
      });
    }
    std::this_thread::sleep_for(duration);
    stop = true;
    for (auto& t : threads) t.join();
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    for (size_t w = 0; w < lat.size(); ++w) {
      appends += lat[w].size();
      errors += errs[w];
      latencies_ms.insert(latencies_ms.end(), lat[w].begin(), lat[w].end());
    }
  } else {
    auto conn = must_connect(o.urls, kProgram);
    auto pub = AsyncPublisher::create(*conn, o.in_flight);
    if (!pub) {
      std::fprintf(stderr, "nats-probe: %s\n", pub.error().to_string().c_str());
      return 1;
    }
    auto start = Clock::now();
    uint64_t sent = 0;
    while (Clock::now() - start < duration) {
      std::string subject = fmt::format("probe.a{}", sent % 64);
      std::string id = fmt::format("a:{}", sent);
      if (auto ok = (*pub)->publish({.subject = subject, .payload = payload, .msg_id = id}); !ok) {
        if (++errors == 1) std::fprintf(stderr, "nats-probe: %s\n", ok.error().to_string().c_str());
        continue;
      }
      ++sent;
    }
    if (auto ok = (*pub)->wait_all(std::chrono::seconds(60)); !ok) {
      std::fprintf(stderr, "nats-probe: %s\n", ok.error().to_string().c_str());
    }
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    appends = (*pub)->acked();
    errors += (*pub)->failed();
  }
  double rate = static_cast<double>(appends) / elapsed;
  double p50 = percentile(latencies_ms, 0.50);
  double p99 = percentile(latencies_ms, 0.99);
  std::printf(
      "{\"label\":\"%s\",\"mode\":\"%s\",\"writers\":%d,\"in_flight\":%d,\"events_per_message\":%d,"
      "\"event_bytes\":%d,\"replicas\":%d,\"seconds\":%.2f,\"appends\":%llu,\"errors\":%llu,"
      "\"appends_per_s\":%.0f,\"events_per_s\":%.0f,\"p50_ms\":%.2f,\"p99_ms\":%.2f}\n",
      o.label.c_str(), o.mode.c_str(), o.mode == "sync" ? o.writers : 1, o.mode == "async" ? o.in_flight : 0,
      o.events, o.event_bytes, o.replicas, elapsed, static_cast<unsigned long long>(appends),
      static_cast<unsigned long long>(errors), rate, rate * o.events, p50, p99);
  (void)admin->delete_stream(spec.name);
  return 0;
}
