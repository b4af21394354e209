// The Store on JetStream (mnemos/jetstream.h): writes go out as commands on the replicated log,
// a follower thread applies the log to the local copy, reads come from the local copy.
#include "mnemos/jetstream.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "nats/jetstream.h"
#include "nats/subject.h"
#include "replicated/replica_checkpoint.h"
#include "replicated/write_command.h"
#include "store/engine_store.h"
#include "store/stream_metadata.h"
#include "store/validation.h"

namespace mnemos {
namespace {

using store::Engine;
using store::WriteRequest;
using replicated::WriteCommand;

// The local copy is one log segment that never rolls over: segment headers are the only bytes
// whose place depends on how the engine happened to batch its writes, so without them every
// node lays out the same writes at the same offsets, and positions agree across nodes.
constexpr uint64_t kLocalSegmentSize = uint64_t{1} << 43;  // 8 TiB, under ext4's file limit
constexpr size_t kApplyBatch = 1024;

std::future<Result<AppendResult>> ready(Result<AppendResult> r) {
  std::promise<Result<AppendResult>> p;
  p.set_value(std::move(r));
  return p.get_future();
}

void log_line(std::string_view line) { fmt::print(stderr, "mnemos jetstream: {}\n", line); }

class JetStreamStore final : public store::EngineStore {
 public:
  JetStreamStore(std::shared_ptr<Engine> engine, JetStreamOptions options,
                 std::unique_ptr<nats::Connection> connection, replicated::CheckpointFile checkpoint,
                 replicated::ReplicaCheckpoint applied)
      : EngineStore(std::move(engine)),
        options_(std::move(options)),
        connection_(std::move(connection)),
        checkpoint_file_(std::move(checkpoint)),
        applied_(applied),
        written_(applied),
        applied_sequence_(applied.applied_sequence),
        node_id_(Uuid::random().to_string().substr(0, 8)) {}

  ~JetStreamStore() override {
    stop_.store(true);
    if (follower_.joinable()) follower_.join();
    publisher_.reset();  // waits (bounded) for acknowledgements still in flight
    fail_waiters(Error{ErrorCode::kStopped, "the store is closed", std::nullopt, std::nullopt});
    consumer_.reset();
    engine_->close();
    applied_.local_end = engine_->committed_end();
    (void)checkpoint_file_.write(applied_);
  }

  Status start(uint64_t catch_up_to, const Progress& progress) {
    auto publisher = nats::AsyncPublisher::create(
        *connection_, options_.max_in_flight,
        [this](std::string_view msg_id, const Result<nats::PublishAck>& ack) {
          if (!ack) resolve(msg_id, std::unexpected(ack.error()));
        });
    if (!publisher) return std::unexpected(publisher.error());
    publisher_ = std::move(*publisher);
    auto consumer = nats::OrderedConsumer::create(*connection_, options_.stream,
                                                  options_.stream + ".>", applied_.applied_sequence + 1);
    if (!consumer) return std::unexpected(consumer.error());
    consumer_ = std::move(*consumer);
    follower_ = std::thread([this] { follow(); });
    return wait_applied(catch_up_to, progress);
  }

  Result<AppendResult> append(std::string_view stream, ExpectedRevision expected,
                              std::vector<EventData> events) override {
    return wait(append_async(std::string(stream), expected, std::move(events)));
  }

  std::future<Result<AppendResult>> append_async(std::string stream, ExpectedRevision expected,
                                                 std::vector<EventData> events) override {
    if (auto s = store::validate_stream_name(stream); !s) return ready(std::unexpected(s.error()));
    if (auto s = store::prepare_events(events, engine_->options()); !s) {
      return ready(std::unexpected(s.error()));
    }
    WriteCommand command;
    command.kind = WriteRequest::Kind::kAppend;
    command.stream = std::move(stream);
    command.expected = expected;
    command.events = std::move(events);
    return submit(std::move(command));
  }

  Result<WriteResult> delete_stream(std::string_view stream, ExpectedRevision expected) override {
    return marker(WriteRequest::Kind::kDelete, stream, expected);
  }

  Result<WriteResult> tombstone_stream(std::string_view stream,
                                       ExpectedRevision expected) override {
    return marker(WriteRequest::Kind::kTombstone, stream, expected);
  }

 private:
  struct Waiter {
    std::promise<Result<AppendResult>> promise;
  };

  Result<AppendResult> wait(std::future<Result<AppendResult>> future) const {
    if (future.wait_for(options_.timeout) != std::future_status::ready) {
      return make_error(ErrorCode::kTimeout,
                        fmt::format("the write was not applied within {} ms (JetStream may still "
                                    "take it: retry with the same event ids)",
                                    options_.timeout.count()));
    }
    return future.get();
  }

  Result<WriteResult> marker(WriteRequest::Kind kind, std::string_view stream,
                             ExpectedRevision expected) {
    if (auto s = store::validate_stream_name(stream); !s) return std::unexpected(s.error());
    WriteCommand command;
    command.kind = kind;
    command.stream = std::string(stream);
    command.expected = expected;
    auto r = wait(submit(std::move(command)));
    if (!r) return std::unexpected(r.error());
    return WriteResult{r->position};
  }

  // Publishes the command; the future completes when the follower has applied it here.
  std::future<Result<AppendResult>> submit(WriteCommand command) {
    command.marker_id = Uuid::random();
    const std::string payload = replicated::encode_command(command);
    const std::string subject = nats::stream_subject(options_.stream, command.stream);
    const std::string msg_id = fmt::format("{}-{}", node_id_, next_id_.fetch_add(1));
    auto waiter = std::make_shared<Waiter>();
    auto future = waiter->promise.get_future();
    {
      std::lock_guard lock(mu_);
      if (failure_) return ready(std::unexpected(*failure_));
      waiters_.emplace(msg_id, waiter);
    }
    nats::Publication publication{subject, payload, msg_id, std::nullopt};
    if (auto s = publisher_->publish(publication); !s) resolve(msg_id, std::unexpected(s.error()));
    return future;
  }

  void resolve(std::string_view msg_id, Result<AppendResult> result) {
    std::shared_ptr<Waiter> waiter;
    {
      std::lock_guard lock(mu_);
      auto it = waiters_.find(std::string(msg_id));
      if (it == waiters_.end()) return;
      waiter = std::move(it->second);
      waiters_.erase(it);
    }
    waiter->promise.set_value(std::move(result));
  }

  void fail_waiters(const Error& error) {
    std::unordered_map<std::string, std::shared_ptr<Waiter>> waiters;
    {
      std::lock_guard lock(mu_);
      if (!failure_) failure_ = error;
      waiters.swap(waiters_);
    }
    for (auto& [id, waiter] : waiters) waiter->promise.set_value(std::unexpected(error));
  }

  // The commands of one batch, handed to the engine, and the last sequence they cover.
  struct Applying {
    std::vector<std::pair<std::future<Result<AppendResult>>, std::string>> writes;  // msg ids
    uint64_t last = 0;
  };

  // The follower: applies the log to the local copy in order. It hands batch N+1 to the engine
  // before it waits for batch N, so that receiving and decoding overlap with applying. The
  // checkpoint is written only when nothing is in flight (at least every kCheckpointEvery
  // batches), so that the local log's end it records is exactly that of its sequence.
  void follow() {
    constexpr int kCheckpointEvery = 32;
    std::vector<nats::ReceivedMessage> batch;
    Applying previous{{}, applied_.applied_sequence};
    int since_checkpoint = 0;
    while (!stop_.load()) {
      batch.clear();
      const bool in_flight = previous.last != applied_.applied_sequence;
      auto got = consumer_->next_batch(batch, kApplyBatch,
                                       std::chrono::milliseconds(in_flight ? 0 : 100));
      if (!got) {  // nats.c reconnects on its own; say so and keep trying
        log_line(got.error().message);
        if (!finish(previous, true)) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        continue;
      }
      Applying current{{}, previous.last};
      for (nats::ReceivedMessage& m : batch) {
        if (m.sequence <= current.last) continue;  // a consumer reset may deliver one again
        current.last = m.sequence;
        auto command = replicated::decode_command(m.payload);
        if (!command) {  // every node skips it the same way
          log_line(fmt::format("skipping message {}: {}", m.sequence, command.error().message));
          resolve(m.msg_id, std::unexpected(command.error()));
          continue;
        }
        current.writes.emplace_back(
            engine_->submit(replicated::to_request(std::move(*command), m.timestamp_nanos / 1000)),
            std::move(m.msg_id));
      }
      const bool drained = current.last == previous.last || ++since_checkpoint >= kCheckpointEvery;
      if (!finish(previous, current.last == previous.last)) return;
      previous = std::move(current);
      if (drained && previous.last != applied_.applied_sequence) {
        if (!finish(previous, true)) return;
        since_checkpoint = 0;
      }
    }
    (void)finish(previous, true);
  }

  // Waits for the batch's writes, answers their callers, and moves the applied sequence on;
  // with `checkpoint` (nothing else in flight) records it. False when the local copy failed.
  bool finish(Applying& applying, bool checkpoint) {
    std::optional<Error> local_failure;
    for (auto& [future, msg_id] : applying.writes) {
      Result<AppendResult> r = future.get();
      if (!r && (r.error().code == ErrorCode::kIoError || r.error().code == ErrorCode::kStopped)) {
        local_failure = r.error();
      }
      resolve(msg_id, std::move(r));
    }
    applying.writes.clear();
    if (local_failure) {  // the copy is on unknown ground: stop applying; reopen rebuilds it
      log_line("the local copy failed, no longer following: " + local_failure->message);
      fail_waiters(*local_failure);
      return false;
    }
    if (applying.last != applied_.applied_sequence) {
      applied_.applied_sequence = applying.last;
      {
        std::lock_guard lock(applied_mu_);
        applied_sequence_.store(applying.last);
      }
      applied_cv_.notify_all();
    }
    if (checkpoint) {
      applied_.local_end = engine_->committed_end();
      if (applied_ != written_) {
        if (auto s = checkpoint_file_.write(applied_); !s) log_line(s.error().message);
        written_ = applied_;
      }
    }
    return true;
  }

  Status wait_applied(uint64_t sequence, const Progress& progress) {
    std::unique_lock lock(applied_mu_);
    while (applied_sequence_.load() < sequence) {
      {
        std::lock_guard failure_lock(mu_);
        if (failure_) return std::unexpected(*failure_);
      }
      applied_cv_.wait_for(lock, std::chrono::milliseconds(200));
      if (progress) progress(applied_sequence_.load(), sequence);
    }
    return {};
  }

  const JetStreamOptions options_;
  std::unique_ptr<nats::Connection> connection_;
  std::unique_ptr<nats::AsyncPublisher> publisher_;
  std::unique_ptr<nats::OrderedConsumer> consumer_;
  replicated::CheckpointFile checkpoint_file_;
  replicated::ReplicaCheckpoint applied_;  // owned by the follower once it runs
  replicated::ReplicaCheckpoint written_;  // what the file holds (the follower's)
  std::atomic<uint64_t> applied_sequence_;
  std::mutex applied_mu_;
  std::condition_variable applied_cv_;
  const std::string node_id_;
  std::atomic<uint64_t> next_id_{0};
  std::atomic<bool> stop_{false};
  std::thread follower_;

  std::mutex mu_;  // guards waiters_ and failure_
  std::unordered_map<std::string, std::shared_ptr<Waiter>> waiters_;
  std::optional<Error> failure_;
};

bool valid_stream_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-';
         });
}

Options local_options(const Options& limits) {
  Options o = limits;
  o.durability = Durability::kRelaxed;  // JetStream is the durable copy; this one is derived
  o.relaxed_sync_interval = std::chrono::milliseconds(200);
  o.segment_size = kLocalSegmentSize;
  return o;
}

// Opens the local copy, or a fresh one when it does not match the checkpoint exactly.
Result<std::shared_ptr<Engine>> open_local_copy(const std::string& copy_dir, const Options& options,
                                                const std::optional<replicated::ReplicaCheckpoint>& checkpoint,
                                                const nats::StreamInfo& info,
                                                replicated::ReplicaCheckpoint& applied) {
  std::error_code ec;
  std::filesystem::create_directories(copy_dir, ec);
  auto engine = Engine::open(copy_dir, options);
  if (!engine) return std::unexpected(engine.error());
  const bool empty = (*engine)->head().value == 0;
  const bool matches = checkpoint && checkpoint->stream_created_nanos == info.created_nanos &&
                       checkpoint->applied_sequence <= info.last_sequence &&
                       checkpoint->local_end == (*engine)->committed_end();
  if (matches) {
    applied = *checkpoint;
    return engine;
  }
  if (!empty || checkpoint) {
    log_line(fmt::format("the local copy in {} does not match the log; rebuilding it", copy_dir));
    (*engine)->close();
    engine->reset();
    std::filesystem::remove_all(copy_dir, ec);
    if (ec) return make_error(ErrorCode::kIoError, "removing " + copy_dir + ": " + ec.message());
    std::filesystem::create_directories(copy_dir, ec);
    engine = Engine::open(copy_dir, options);
    if (!engine) return std::unexpected(engine.error());
  }
  applied = replicated::ReplicaCheckpoint{info.created_nanos, 0, (*engine)->committed_end()};
  return engine;
}

}  // namespace

bool is_jetstream_url(std::string_view text) { return text.starts_with("nats://"); }

Status parse_jetstream_url(std::string_view url, JetStreamOptions& options) {
  if (!is_jetstream_url(url)) {
    return make_error(ErrorCode::kInvalidArgument, fmt::format("'{}' is not a nats:// URL", url));
  }
  std::string_view servers = url;
  std::string_view query;
  if (auto q = url.find('?'); q != std::string_view::npos) {
    servers = url.substr(0, q);
    query = url.substr(q + 1);
  }
  std::string urls;
  for (const std::string& item : nats::split_urls(servers)) {
    std::string u = item.starts_with("nats://") ? item : "nats://" + item;
    if (u.size() == 7) return make_error(ErrorCode::kInvalidArgument, "empty server in " + std::string(url));
    urls += (urls.empty() ? "" : ",") + u;
  }
  if (urls.empty()) return make_error(ErrorCode::kInvalidArgument, "no server in " + std::string(url));
  options.urls = urls;
  while (!query.empty()) {
    std::string_view pair = query.substr(0, query.find('&'));
    query.remove_prefix(std::min(query.size(), pair.size() + 1));
    auto eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (key == "stream") {
      if (!valid_stream_name(value)) {
        return make_error(ErrorCode::kInvalidArgument,
                          fmt::format("stream '{}': use 1-64 of A-Z a-z 0-9 _ -", value));
      }
      options.stream = std::string(value);
    } else if (key == "local") {
      if (value.empty()) return make_error(ErrorCode::kInvalidArgument, "local= needs a directory");
      options.local_dir = std::string(value);
    } else {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("unknown option '{}' in the nats:// URL (known: stream, local)", key));
    }
  }
  return {};
}

Result<std::unique_ptr<Store>> open_jetstream(const JetStreamOptions& options,
                                              const Progress& catch_up_progress) {
  if (!valid_stream_name(options.stream)) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("stream '{}': use 1-64 of A-Z a-z 0-9 _ -", options.stream));
  }
  if (options.local_dir.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "the JetStream store needs a local directory");
  }
  nats::ConnectOptions connect;
  connect.urls = options.urls;
  connect.timeout = options.timeout;
  auto connection = nats::Connection::connect(connect);
  if (!connection) return std::unexpected(connection.error());
  nats::StreamSpec spec{options.stream, options.stream, options.replicas, std::chrono::seconds(120)};
  if (auto s = (*connection)->ensure_stream(spec); !s) return std::unexpected(s.error());
  auto info = (*connection)->stream_info(options.stream);
  if (!info) return std::unexpected(info.error());

  std::error_code ec;
  std::filesystem::create_directories(options.local_dir, ec);
  if (ec) return make_error(ErrorCode::kIoError, "creating " + options.local_dir + ": " + ec.message());
  auto file = replicated::CheckpointFile::open(options.local_dir + "/replica.checkpoint");
  if (!file) return std::unexpected(file.error());
  replicated::ReplicaCheckpoint applied;
  auto engine = open_local_copy(options.local_dir + "/copy", local_options(options.limits),
                                file->read(), *info, applied);
  if (!engine) return std::unexpected(engine.error());
  if (auto s = file->write(applied); !s) return std::unexpected(s.error());

  auto store = std::make_unique<JetStreamStore>(std::move(*engine), options, std::move(*connection),
                                                std::move(*file), applied);
  if (auto s = store->start(info->last_sequence, catch_up_progress); !s) {
    return std::unexpected(s.error());
  }
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace mnemos
