// catchup-bench: how fast a new node catches up with a log of single-event appends (issue 6).
//
//   catchup-bench --urls nats://127.0.0.1:4222,... --appends 200000 [--runs 2]
//
// Fills a fresh JetStream stream with --appends messages as the Store writes them when each
// append leaves alone (one MNW1 write command per message, asynchronous publishing; each with
// the exact expected revision a command handler sends, or `any`), then, in
// the same run and on the same log, times two readers from the first message to the last:
//   raw    JetStream's delivery alone: the ordered consumer the Store follows with, headers
//          unread as a catching-up node leaves them, no apply;
//   store  a new node: open_jetstream on an empty local directory, which returns once its copy
//          has applied the whole log (the open, the connection and the catch-up).
// One line of JSON per reader and run on stdout; the stream is deleted at the end unless --keep.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "mnemos/jetstream.h"
#include "must_connect.h"
#include "nats/jetstream.h"
#include "nats/subject.h"
#include "replicated/write_command.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace nats = mnemos::nats;

struct Options {
  std::string urls = "nats://127.0.0.1:4222,nats://127.0.0.1:4223,nats://127.0.0.1:4224";
  std::string stream = "CATCHUP_BENCH";
  uint64_t appends = 200000;
  uint64_t streams = 1000;
  int event_bytes = 100;
  int runs = 2;
  int replicas = 3;
  std::string dir = "catchup-bench-data";
  bool keep = false;
  bool reuse = false;
  std::string expected = "exact";
  std::vector<std::string> readers{"raw", "store"};
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "catchup-bench: %s\n", what.c_str());
  std::exit(1);
}

// The log: `appends` single-event appends spread over `streams` streams, each its own message.
void fill(nats::Connection& connection, const Options& o) {
  auto publisher = nats::AsyncPublisher::create(connection, 4096);
  if (!publisher) die(publisher.error().to_string());
  const std::string data = fmt::format("{{\"pad\":\"{}\"}}", std::string(static_cast<size_t>(o.event_bytes), 'x'));
  const auto start = Clock::now();
  for (uint64_t i = 0; i < o.appends; ++i) {
    mnemos::replicated::WriteCommand command;
    command.stream = fmt::format("cart-{}", i % o.streams);
    if (o.expected == "exact") {  // as a command handler writes: the revision it read
      const uint64_t revision = i / o.streams;
      command.expected = revision == 0 ? mnemos::ExpectedRevision::no_stream()
                                       : mnemos::ExpectedRevision::exact(mnemos::Revision{revision - 1});
    }
    mnemos::EventData event;
    event.id = mnemos::Uuid::random();
    event.type = "ItemAdded";
    event.data = data;
    event.metadata = "{}";
    command.events.push_back(std::move(event));
    const std::string payload = mnemos::replicated::encode_command(command);
    const std::string subject = nats::stream_subject(o.stream, command.stream);
    const std::string msg_id = fmt::format("fill-{}", i);
    if (auto s = (*publisher)->publish({subject, payload, msg_id, std::nullopt}); !s) die(s.error().to_string());
    if (i % 50000 == 49999) std::fprintf(stderr, "catchup-bench: published %llu\n", static_cast<unsigned long long>(i + 1));
  }
  if (auto s = (*publisher)->wait_all(std::chrono::seconds(120)); !s) die(s.error().to_string());
  if ((*publisher)->failed() != 0) die(fmt::format("{} publications failed", (*publisher)->failed()));
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::fprintf(stderr, "catchup-bench: filled %llu messages in %.2f s\n", static_cast<unsigned long long>(o.appends),
               seconds);
}

double read_raw(nats::Connection& connection, const Options& o) {
  const auto start = Clock::now();
  auto consumer = nats::OrderedConsumer::create(connection, o.stream, o.stream + ".>", 1);
  if (!consumer) die(consumer.error().to_string());
  std::vector<nats::ReceivedMessage> batch;
  uint64_t received = 0;
  while (received < o.appends) {
    batch.clear();
    auto got = (*consumer)->next_batch(batch, 1024, 64 << 20, std::chrono::milliseconds(10000), [] { return false; });
    if (!got) die(got.error().to_string());
    if (*got == 0) die(fmt::format("no message for 10 s after {}", received));
    received += *got;
  }
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double open_new_node(const Options& o, int run) {
  mnemos::JetStreamOptions jo;
  jo.urls = o.urls;
  jo.stream = o.stream;
  jo.local_dir = (std::filesystem::path(o.dir) / fmt::format("node-{}", run)).string();
  std::filesystem::remove_all(jo.local_dir);
  const auto start = Clock::now();
  auto store = mnemos::open_jetstream(jo);
  if (!store) die(store.error().to_string());
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  auto stats = (*store)->stats();
  store->reset();
  std::filesystem::remove_all(jo.local_dir);
  if (!stats) die(stats.error().to_string());
  if (stats->events != o.appends) die(fmt::format("the new node holds {} events of {}", stats->events, o.appends));
  return seconds;
}

void report(const char* reader, const Options& o, int run, double seconds) {
  std::printf("{\"reader\":\"%s\",\"run\":%d,\"messages\":%llu,\"seconds\":%.3f,\"messages_per_s\":%.0f}\n", reader,
              run, static_cast<unsigned long long>(o.appends), seconds, static_cast<double>(o.appends) / seconds);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"catchup-bench: a new node's catch-up with a log of single-event appends, beside raw delivery"};
  app.add_option("--urls", o.urls, "comma-separated server URLs");
  app.add_option("--stream", o.stream, "the JetStream stream to fill (deleted first)");
  app.add_option("--appends", o.appends, "single-event appends in the log")->check(CLI::Range(1, 100000000));
  app.add_option("--streams", o.streams, "Mnemos streams they are spread over")->check(CLI::Range(1, 10000000));
  app.add_option("--event-bytes", o.event_bytes, "padding bytes per event")->check(CLI::Range(0, 1 << 20));
  app.add_option("--runs", o.runs, "runs of each reader")->check(CLI::Range(1, 100));
  app.add_option("--replicas", o.replicas, "stream replicas")->check(CLI::Range(1, 5));
  app.add_option("--dir", o.dir, "where the new nodes' local copies go (removed after each run)");
  app.add_flag("--keep", o.keep, "keep the JetStream stream at the end");
  app.add_option("--expected", o.expected, "the appends' expected revision: exact (the stream's last) or any")
      ->check(CLI::IsMember({"exact", "any"}));
  app.add_option("--readers", o.readers, "which readers to time")->check(CLI::IsMember({"raw", "store"}));
  app.add_flag("--reuse", o.reuse, "read the stream a --keep run left (of --appends messages) instead of filling it");
  CLI11_PARSE(app, argc, argv);

  auto connection = nats::must_connect(o.urls, "catchup-bench");
  if (!o.reuse) {
    (void)connection->delete_stream(o.stream);
    nats::StreamSpec spec{o.stream, o.stream, o.replicas, std::chrono::seconds(120)};
    if (auto s = connection->ensure_stream(spec); !s) die(s.error().to_string());
    fill(*connection, o);
  }
  for (int run = 1; run <= o.runs; ++run) {
    for (const std::string& reader : o.readers) {
      const double seconds = reader == "raw" ? read_raw(*connection, o) : open_new_node(o, run);
      report(reader.c_str(), o, run, seconds);
    }
  }
  if (!o.keep) (void)connection->delete_stream(o.stream);
  return 0;
}
