// http-bench: the in-process peers of bench/http/run_wrk.sh, and SSE fan-out.
//   http-bench engine --dir D --seconds S --threads 8
//       single-event appends, then reads of a 100-event stream, on the engine in-process, from
//       8 threads (as wrk's 8 connections): requests/s and p99 of each.
//   http-bench sse --dir D --seconds S --subscribers 100
//       an HttpServer in-process, 100 SSE clients on /all (live), appends of 10 events while
//       they read: events/s delivered (summed over the subscribers) and the append rate.
// Prints one JSON object a line.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <fmt/core.h>
#include <httplib.h>

#include "http/http_server.h"
#include "mnemos/embedded.h"

namespace {

using Clock = std::chrono::steady_clock;
using mnemos::EventData;
using mnemos::ExpectedRevision;

struct Figure {
  double per_second = 0;
  double p99_ms = 0;
};

// Runs `op` from `threads` threads for `seconds`; ops/s and p99 latency.
template <class Op>
Figure run_for(int threads, double seconds, Op op) {
  std::vector<std::vector<double>> latencies(threads);
  std::atomic<bool> stop{false};
  std::vector<std::thread> workers;
  const auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      uint64_t i = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        const auto begin = Clock::now();
        op(t, i++);
        latencies[t].push_back(std::chrono::duration<double, std::milli>(Clock::now() - begin).count());
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& w : workers) w.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  Figure f;
  f.per_second = static_cast<double>(all.size()) / elapsed;
  if (!all.empty()) f.p99_ms = all[std::min(all.size() - 1, all.size() * 99 / 100)];
  return f;
}

std::vector<EventData> one_event() {
  return {EventData{{}, "BenchEvent", R"({"sku":"A1","qty":1})", "", {}, {}}};
}

int engine(const std::string& dir, double seconds, int threads) {
  auto store = mnemos::open_embedded(dir);
  if (!store) {
    fmt::print(stderr, "{}\n", store.error().to_string());
    return 1;
  }
  mnemos::Store& s = **store;
  const Figure append = run_for(threads, seconds, [&](int t, uint64_t) {
    auto r = s.append(fmt::format("bench-{}", t), ExpectedRevision::any(), one_event());
    if (!r) std::abort();
  });
  std::vector<EventData> hundred;
  for (int i = 0; i < 100; ++i) hundred.push_back(one_event().front());
  if (!s.append("read-100", ExpectedRevision::no_stream(), hundred)) return 1;
  mnemos::ReadStreamOptions options;
  options.limit = 100;
  const Figure read = run_for(threads, seconds, [&](int, uint64_t) {
    auto r = s.read_stream("read-100", options);
    if (!r || r->events.size() != 100) std::abort();
  });
  fmt::print("{{\"peer\":\"engine\",\"op\":\"append1\",\"threads\":{},\"rps\":{:.0f},\"p99_ms\":{:.3f}}}\n",
             threads, append.per_second, append.p99_ms);
  fmt::print("{{\"peer\":\"engine\",\"op\":\"read100\",\"threads\":{},\"rps\":{:.0f},\"p99_ms\":{:.3f}}}\n",
             threads, read.per_second, read.p99_ms);
  return 0;
}

int sse(const std::string& dir, double seconds, int subscribers) {
  auto store = mnemos::open_embedded(dir);
  if (!store) return 1;
  mnemos::http::HttpOptions options;
  options.addresses = {"127.0.0.1:0"};
  options.max_subscribers = static_cast<size_t>(subscribers) + 8;
  auto server = mnemos::http::HttpServer::start(**store, options);
  if (!server) {
    fmt::print(stderr, "{}\n", server.error().to_string());
    return 1;
  }
  const std::string address = (*server)->bound_addresses().front();
  const int port = std::stoi(address.substr(address.rfind(':') + 1));
  std::atomic<uint64_t> received{0};
  std::atomic<int> connected{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int i = 0; i < subscribers; ++i) {
    clients.emplace_back([&] {
      httplib::Client c("127.0.0.1", port);
      c.set_read_timeout(std::chrono::seconds(30));
      bool counted = false;
      std::string carry;  // the end of the previous chunk: a marker may straddle two chunks
      c.Get("/all?from=end", {{"Accept", "text/event-stream"}},
            [&](const char* data, size_t size) {
              if (!counted) {
                counted = true;
                connected.fetch_add(1);
              }
              // One "\nid: " per event message (the first message starts the body: no "\n").
              std::string text = carry + std::string(data, size);
              uint64_t n = 0;
              for (size_t at = 0; (at = text.find("id: ", at)) != std::string::npos; at += 4) {
                if (at == 0 ? carry.empty() : text[at - 1] == '\n') ++n;
              }
              carry = text.size() > 4 ? text.substr(text.size() - 4) : text;
              if (carry.find("id: ") != std::string::npos) carry.clear();  // counted already
              received.fetch_add(n, std::memory_order_relaxed);
              return !stop.load();
            });
    });
  }
  while (connected.load() < subscribers) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::vector<EventData> ten;
  for (int i = 0; i < 10; ++i) ten.push_back(one_event().front());
  const uint64_t before = received.load();
  const auto start = Clock::now();
  uint64_t appended = 0;
  while (Clock::now() - start < std::chrono::duration<double>(seconds)) {
    if (!(*store)->append("sse-bench", ExpectedRevision::any(), ten)) return 1;
    appended += ten.size();
  }
  // Let the subscribers catch up with what was appended (bounded).
  const uint64_t want = before + appended * static_cast<uint64_t>(subscribers);
  const auto drain_deadline = Clock::now() + std::chrono::seconds(30);
  while (received.load() < want && Clock::now() < drain_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  const uint64_t delivered = received.load() - before;
  stop = true;
  (*server)->shutdown();
  for (auto& c : clients) c.join();
  fmt::print("{{\"peer\":\"http\",\"op\":\"sse\",\"subscribers\":{},\"events_appended\":{},"
             "\"events_delivered\":{},\"seconds\":{:.2f},\"delivered_per_s\":{:.0f},"
             "\"appended_per_s\":{:.0f}}}\n",
             subscribers, appended, delivered, elapsed, static_cast<double>(delivered) / elapsed,
             static_cast<double>(appended) / elapsed);
  return delivered == appended * static_cast<uint64_t>(subscribers) ? 0 : 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fmt::print(stderr, "usage: http-bench engine|sse --dir D [--seconds S] [--threads N] [--subscribers N]\n");
    return 2;
  }
  const std::string mode = argv[1];
  std::string dir;
  double seconds = 10;
  int threads = 8;
  int subscribers = 100;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const std::string value = argv[i + 1];
    if (key == "--dir") dir = value;
    else if (key == "--seconds") seconds = std::stod(value);
    else if (key == "--threads") threads = std::stoi(value);
    else if (key == "--subscribers") subscribers = std::stoi(value);
  }
  if (dir.empty()) {
    fmt::print(stderr, "http-bench: --dir is required\n");
    return 2;
  }
  if (mode == "engine") return engine(dir, seconds, threads);
  if (mode == "sse") return sse(dir, seconds, subscribers);
  fmt::print(stderr, "http-bench: unknown mode {}\n", mode);
  return 2;
}
