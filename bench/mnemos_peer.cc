#include "mnemos_peer.h"

#include <fmt/format.h>

#include <vector>

#include "mnemos/embedded.h"
#ifdef MNEMOS_BENCH_HAVE_JETSTREAM
#include "mnemos/jetstream.h"
#include "nats/jetstream.h"
#endif
#include "system_probe.h"

namespace mnemos::bench {
namespace {

[[noreturn]] void fail(std::string_view what, const Error& error) {
  throw BenchFailure(fmt::format("mnemos: {}: {}", what, error.to_string()));
}

EventView bench_view(const RecordedEventView& event) {
  return EventView{event.position.value, event.stream, static_cast<int64_t>(event.revision.value),
                   event.type, event.data, event.timestamp.micros};
}

class MnemosConnection : public Connection {
 public:
  explicit MnemosConnection(Store& store) : store_(store) {}

  AppendOutcome append(std::string_view stream, int64_t expected,
                       std::span<const BenchEvent> events) override {
    std::vector<EventData> batch;
    batch.reserve(events.size());
    for (const BenchEvent& event : events) {
      EventData data;
      data.id = Uuid{event.id};
      data.type = kEventType;
      data.data = event.data;
      batch.push_back(std::move(data));
    }
    ExpectedRevision want = expected < 0
                                ? ExpectedRevision::no_stream()
                                : ExpectedRevision::exact(Revision{static_cast<uint64_t>(expected)});
    auto result = store_.append(stream, want, std::move(batch));
    if (result) return AppendOutcome::kOk;
    if (result.error().code == ErrorCode::kWrongExpectedRevision) {
      return AppendOutcome::kWrongExpectedRevision;
    }
    fail(fmt::format("append to {}", stream), result.error());
  }

  // cursor.token is the position the next page starts at (inclusive); 0 = the beginning.
  size_t read_all_page(AllCursor& cursor, size_t limit, const EventVisitor& visit) override {
    ReadAllOptions options;
    if (cursor.token != 0) options.from = Position{cursor.token};
    options.limit = limit;
    // In place, as SQLite's peer hands out its column pointers: every field reaches the visitor.
    auto page = store_.scan_all(options, [&](const RecordedEventView& event) { visit(bench_view(event)); });
    if (!page) fail("scan_all", page.error());
    if (page->next) {
      cursor.token = page->next->value;
    } else {
      cursor.done = true;
    }
    return page->events;
  }

  size_t read_stream(std::string_view stream, const EventVisitor& visit) override {
    auto result = store_.read_stream(stream, ReadStreamOptions{});
    if (!result) fail(fmt::format("read_stream {}", stream), result.error());
    for (const RecordedEvent& event : result->events) visit(bench_view(mnemos::view_of(event)));
    return result->events.size();
  }

 private:
  Store& store_;
};

using Opener = std::function<Result<std::unique_ptr<Store>>(const std::string& dir)>;
using Cleanup = std::function<void()>;  // after the store is closed: what it left elsewhere

class MnemosPeer : public Peer {
 public:
  MnemosPeer(std::string name, Opener opener, Cleanup cleanup = {})
      : name_(std::move(name)), opener_(std::move(opener)), cleanup_(std::move(cleanup)) {}
  std::string_view name() const override { return name_; }

  void open(const std::string& dir) override {
    dir_ = dir;
    auto store = opener_(dir);
    if (!store) fail(fmt::format("open {}", dir), store.error());
    store_ = std::move(*store);
  }

  std::unique_ptr<Connection> connect() override {
    return std::make_unique<MnemosConnection>(*store_);
  }

  // used: the log bytes in use (Store::stats().log_bytes: a segment file is preallocated, so
  // it is larger than what it holds) plus the files of the index once the close has flushed it
  // (before that, recent index entries are only in memory). raw: every file under the directory.
  DiskUsage close() override {
    auto stats = store_->stats();
    if (!stats) fail("stats", stats.error());
    store_.reset();
    DiskUsage usage{stats->log_bytes + file_bytes(index_dir()), allocated_bytes(dir_)};
    if (cleanup_) cleanup_();
    return usage;
  }

 private:
  std::string index_dir() const {
    return name_ == "jetstream" ? dir_ + "/copy/index" : dir_ + "/index";
  }

  const std::string name_;
  const Opener opener_;
  const Cleanup cleanup_;
  std::string dir_;
  std::unique_ptr<Store> store_;
};

}  // namespace

std::unique_ptr<Peer> make_mnemos_peer() {
  return std::make_unique<MnemosPeer>("mnemos", [](const std::string& dir) { return open_embedded(dir); });
}

#ifdef MNEMOS_BENCH_HAVE_JETSTREAM
std::unique_ptr<Peer> make_jetstream_peer(const std::string& urls, bool keep) {
  // A fresh JetStream stream for each store, deleted when the store is closed (unless kept), so
  // that runs leave nothing on the cluster (each stream is an R3 Raft group the servers keep
  // beating).
  auto stream = std::make_shared<std::string>();
  auto options = std::make_shared<JetStreamOptions>();
  Opener open = [urls, stream, options](const std::string& dir) -> Result<std::unique_ptr<Store>> {
    if (auto s = parse_jetstream_url(urls, *options); !s) return std::unexpected(s.error());
    *stream = "BENCH" + Uuid::random().to_string().substr(0, 8);
    options->stream = *stream;
    options->local_dir = dir;
    return open_jetstream(*options);
  };
  Cleanup drop_stream = [stream, options, keep] {
    if (stream->empty() || keep) return;
    auto connection = nats::Connection::connect({.urls = options->urls});
    Status dropped = connection ? (*connection)->delete_stream(*stream)
                                : Status(std::unexpected(connection.error()));
    if (!dropped) {
      fmt::print(stderr, "jetstream: could not delete the bench's stream {}: {}\n", *stream,
                 dropped.error().to_string());
    }
    stream->clear();
  };
  return std::make_unique<MnemosPeer>("jetstream", std::move(open), std::move(drop_stream));
}
#endif

}  // namespace mnemos::bench
