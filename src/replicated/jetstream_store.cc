// The Store on JetStream (mnemos/jetstream.h): writes go out as commands on the replicated log,
// a follower thread applies the log to the local copy, reads come from the local copy.
#include "mnemos/jetstream.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
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
using store::ready;
using store::WriteRequest;
using replicated::WriteCommand;

// The local copy is one log segment that never rolls over: segment headers are the only bytes
// whose place depends on how the engine happened to batch its writes, so without them every
// node lays out the same writes at the same offsets, and positions agree across nodes.
constexpr uint64_t kLocalSegmentSize = uint64_t{1} << 43;  // 8 TiB, under ext4's file limit
constexpr size_t kApplyBatch = 1024;
constexpr size_t kApplyBatchBytes = 64 << 20;  // of payload: bounds the memory of a batch of large messages
// nats.c's own bound on unacknowledged publications. The store keeps far fewer in flight
// (JetStreamOptions::max_in_flight); this only has to outlast acknowledgements lost for good,
// which nats.c keeps counting without a publish timeout.
constexpr int64_t kMaxPendingInNatsC = 1 << 20;
// The subject of a message of several writes: '~' followed by lower case is no stream's token
// (nats/subject.h), so it cannot be taken for one.
constexpr std::string_view kBatchToken = "~batch";

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
        applied_sequence_(applied.applied_sequence),
        node_id_(Uuid::random().to_string().substr(0, 8)) {}

  ~JetStreamStore() override {
    stop_.store(true);
    if (follower_.joinable()) follower_.join();
    {
      std::lock_guard lock(mu_);
      sending_ = true;  // for good: the acknowledgements still to come send nothing more
    }
    publisher_.reset();  // waits (bounded) for acknowledgements still in flight
    fail_waiters(Error{ErrorCode::kStopped, "the store is closed", std::nullopt, std::nullopt});
    consumer_.reset();
    engine_->close();
    applied_.local_end = engine_->committed_end();
    (void)checkpoint_file_.write(applied_);
  }

  Status start(uint64_t catch_up_to, const Progress& progress) {
    auto publisher = nats::AsyncPublisher::create(
        *connection_, kMaxPendingInNatsC,
        [this](std::string_view msg_id, const Result<nats::PublishAck>& ack) { on_ack(msg_id, ack); });
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

  // Queues the command for the log; the future completes when the follower has applied it here.
  // The queue is the writers' group commit on the log: at most max_in_flight messages await
  // JetStream's acknowledgement, and the writes that arrive meanwhile go out together, in
  // one message, when a slot frees. (Few large messages cost the servers far less than one
  // message a write.)
  std::future<Result<AppendResult>> submit(WriteCommand command) {
    command.marker_id = Uuid::random();
    Queued queued{nats::stream_subject(options_.stream, command.stream),
                  replicated::encode_command(command), {}};
    auto future = queued.promise.get_future();
    {
      std::lock_guard lock(mu_);
      if (failure_) return ready(std::unexpected(*failure_));
      queue_.push_back(std::move(queued));
    }
    pump();
    return future;
  }

  struct Queued {
    std::string subject;
    std::string payload;  // the encoded command
    std::promise<Result<AppendResult>> promise;
  };

  // The writers of one message, in the order of its commands; a slot is emptied once answered.
  struct Waiters {
    std::vector<std::optional<std::promise<Result<AppendResult>>>> promises;
    size_t left = 0;  // slots not answered yet

    // Takes the promise of write `index` to answer it; none if it was answered already.
    std::optional<std::promise<Result<AppendResult>>> take(size_t index) {
      if (index >= promises.size() || !promises[index]) return std::nullopt;
      auto promise = std::move(promises[index]);
      promises[index].reset();
      --left;
      return promise;
    }
    void answer_rest(const Result<AppendResult>& result) {
      for (auto& promise : promises) {
        if (promise) promise->set_value(result);
        promise.reset();
      }
      left = 0;
    }
  };

  // Sends queued writes while a slot is free. One thread sends at a time (`sending_`): a writer
  // or the acknowledgement thread that finds nobody sending becomes the sender and sends until
  // the queue is empty or every slot is taken; the others only queue. So messages leave in the
  // order their writes were queued, and no writer ever waits for another's publish.
  void pump() {
    std::unique_lock lock(mu_);
    if (sending_) return;
    sending_ = true;
    expire_lost_acks();
    while (!queue_.empty() && std::ssize(in_flight_) < options_.max_in_flight) {
      Outgoing out = take_message();
      in_flight_.push_back({out.msg_id, std::chrono::steady_clock::now()});
      lock.unlock();
      nats::Publication publication{out.subject, out.payload, out.msg_id, std::nullopt};
      auto sent = publisher_->publish(publication);
      if (!sent) resolve_all(out.msg_id, std::unexpected(sent.error()));
      lock.lock();
      if (!sent) release_slot(out.msg_id);
      expire_lost_acks();
    }
    sending_ = false;
  }

  // Frees the slot of `msg_id`; false when it holds none (already acknowledged or expired).
  // mu_ held.
  bool release_slot(std::string_view msg_id) {
    auto it = std::find_if(in_flight_.begin(), in_flight_.end(),
                           [&](const InFlight& f) { return f.msg_id == msg_id; });
    if (it == in_flight_.end()) return false;
    in_flight_.erase(it);
    return true;
  }

  // An acknowledgement that never comes (its server died with it) must not hold a slot for
  // ever: one older than the timeout frees it, and the message's writers still waiting are
  // told. (nats.c's own acknowledgement timeout, jsPubOptions.MaxWait, is not used: its timer
  // has a known fault when the JetStream context is destroyed, nats.c issue 880.) mu_ held.
  void expire_lost_acks() {
    const auto too_old = std::chrono::steady_clock::now() - options_.timeout;
    while (std::ssize(in_flight_) >= options_.max_in_flight && in_flight_.front().sent < too_old) {
      const std::string msg_id = std::move(in_flight_.front().msg_id);
      in_flight_.pop_front();
      resolve_all_locked(msg_id, make_error(ErrorCode::kTimeout,
                                            fmt::format("JetStream did not acknowledge the write "
                                                        "within {} ms (it may still take it: retry "
                                                        "with the same event ids)",
                                                        options_.timeout.count())));
    }
  }

  struct Outgoing {
    std::string msg_id, subject, payload;
  };

  // The next message: the queue's front writes, as many as fit the servers' max_payload (at
  // least one). mu_ held.
  Outgoing take_message() {
    Outgoing out;
    out.msg_id = fmt::format("{}-{}", node_id_, next_id_++);
    Waiters& waiters = waiters_[out.msg_id];
    std::vector<std::string> commands;
    size_t bytes = 0;
    while (!queue_.empty() &&
           (commands.empty() || bytes + queue_.front().payload.size() + 8 <= batch_budget_)) {
      Queued& q = queue_.front();
      bytes += q.payload.size() + 8;
      if (commands.empty()) out.subject = std::move(q.subject);
      commands.push_back(std::move(q.payload));
      waiters.promises.emplace_back(std::move(q.promise));
      queue_.pop_front();
    }
    waiters.left = commands.size();
    if (commands.size() == 1) {
      out.payload = std::move(commands.front());
    } else {
      out.subject = options_.stream + "." + std::string(kBatchToken);
      out.payload = replicated::encode_batch(commands);
    }
    return out;
  }

  // On nats.c's thread: a message is acknowledged (its writers are answered when the follower
  // applies it) or failed; either way its slot is free for the next message.
  void on_ack(std::string_view msg_id, const Result<nats::PublishAck>& ack) {
    if (!ack) resolve_all(msg_id, std::unexpected(ack.error()));
    {
      std::lock_guard lock(mu_);
      if (!release_slot(msg_id)) return;  // expired meanwhile
    }
    pump();
  }

  // A write's result, for the writer that sent it if it was this node.
  struct Answer {
    std::string_view msg_id;
    size_t index;  // in its message
    Result<AppendResult> result;
  };

  // Answers the writes of messages this node sent (others' messages have no waiters here). The
  // promises are taken under the lock and fulfilled after it, so the woken writers do not
  // queue up behind it.
  void resolve(std::vector<Answer>& answers) {
    std::vector<std::pair<std::promise<Result<AppendResult>>, Result<AppendResult>>> ready;
    {
      std::lock_guard lock(mu_);
      for (Answer& a : answers) {
        if (a.msg_id.empty()) continue;  // nobody waited for it (or it came from elsewhere)
        auto it = waiters_.find(std::string(a.msg_id));
        if (it == waiters_.end()) continue;
        auto promise = it->second.take(a.index);
        if (!promise) continue;
        ready.emplace_back(std::move(*promise), std::move(a.result));
        if (it->second.left == 0) waiters_.erase(it);
      }
    }
    for (auto& [promise, result] : ready) promise.set_value(std::move(result));
  }

  void resolve_all(std::string_view msg_id, const Result<AppendResult>& result) {
    std::lock_guard lock(mu_);
    resolve_all_locked(msg_id, result);
  }

  void resolve_all_locked(std::string_view msg_id, const Result<AppendResult>& result) {
    auto it = waiters_.find(std::string(msg_id));
    if (it == waiters_.end()) return;
    it->second.answer_rest(result);
    waiters_.erase(it);
  }

  void fail_waiters(const Error& error) {
    std::unordered_map<std::string, Waiters> waiters;
    std::deque<Queued> queue;
    {
      std::lock_guard lock(mu_);
      if (!failure_) failure_ = error;
      waiters.swap(waiters_);
      queue.swap(queue_);
    }
    for (auto& [id, w] : waiters) w.answer_rest(std::unexpected(error));
    for (Queued& q : queue) q.promise.set_value(std::unexpected(error));
  }

  // The follower: applies the log to the local copy in order, a batch of received messages at
  // a time, on its own thread (Engine::write_all: no hand-off to the engine's writer thread and
  // back). Then it answers the batch's writers and records the checkpoint, whose local log end
  // is exactly that of its sequence since nothing is in flight between batches.
  void follow() {
    std::vector<nats::ReceivedMessage> batch;
    std::vector<std::unique_ptr<WriteRequest>> requests;
    std::vector<WriteRequest*> pointers;
    std::vector<Answer> answers;
    // A message's id only matters to this node's writers waiting for it, who registered before
    // they published: when nobody waits as the message arrives, its headers are left unread.
    const std::function<bool()> anyone_waiting = [this] {
      std::lock_guard lock(mu_);
      return !waiters_.empty();
    };
    while (!stop_.load()) {
      batch.clear();
      auto got = consumer_->next_batch(batch, kApplyBatch, kApplyBatchBytes, std::chrono::milliseconds(100),
                                       anyone_waiting);
      if (!got) {  // nats.c reconnects on its own; say so and keep trying
        log_line(got.error().message);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        continue;
      }
      if (batch.empty()) continue;
      uint64_t last = applied_.applied_sequence;
      std::optional<std::string> newer;  // the messages before it are applied, not it
      requests.clear();
      answers.clear();
      for (nats::ReceivedMessage& m : batch) {
        if (m.sequence <= last) continue;  // a consumer reset may deliver one again
        if (replicated::from_newer_version(m.payload)) {
          newer = fmt::format("message {} was written by a newer Mnemos (format '{}'); this node "
                              "stops following the log there: upgrade it and reopen",
                              m.sequence, m.payload.substr(0, 4));
          break;
        }
        last = m.sequence;
        auto commands = replicated::decode_message(m.payload);
        if (!commands) {  // every node skips it the same way
          log_line(fmt::format("skipping message {}: {}", m.sequence, commands.error().message));
          resolve_all(m.msg_id, std::unexpected(commands.error()));
          continue;
        }
        for (size_t i = 0; i < commands->size(); ++i) {
          requests.push_back(replicated::to_request(std::move((*commands)[i]), m.timestamp_nanos / 1000));
          answers.push_back({m.msg_id, i, {}});
        }
      }
      pointers.clear();
      for (auto& r : requests) pointers.push_back(r.get());
      engine_->write_all(pointers);
      std::optional<Error> local_failure;
      for (size_t i = 0; i < requests.size(); ++i) {
        Result<AppendResult>& r = *requests[i]->result;
        if (!r && (r.error().code == ErrorCode::kIoError || r.error().code == ErrorCode::kStopped)) {
          local_failure = r.error();
        }
        answers[i].result = std::move(r);
      }
      resolve(answers);
      if (local_failure) {  // the copy is on unknown ground: stop applying; reopen rebuilds it
        log_line("the local copy failed, no longer following: " + local_failure->message);
        fail_waiters(*local_failure);
        return;
      }
      advance(last);
      if (newer) {
        log_line(*newer);
        fail_waiters(Error{ErrorCode::kStopped, *newer, std::nullopt, std::nullopt});
        return;
      }
    }
  }

  // Moves the applied sequence on to `last` and records it with the local log's end.
  void advance(uint64_t last) {
    if (last == applied_.applied_sequence) return;
    applied_.applied_sequence = last;
    {
      std::lock_guard lock(applied_mu_);
      applied_sequence_.store(last);
    }
    applied_cv_.notify_all();
    applied_.local_end = engine_->committed_end();
    if (auto s = checkpoint_file_.write(applied_); !s) log_line(s.error().message);
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
  std::atomic<uint64_t> applied_sequence_;
  std::mutex applied_mu_;
  std::condition_variable applied_cv_;
  const std::string node_id_;
  // A batch's payload stays this far under max_payload, for the headers and the framing.
  const size_t batch_budget_ = static_cast<size_t>(std::max<int64_t>(connection_->max_payload() - 512, 1024));
  std::atomic<bool> stop_{false};
  std::thread follower_;

  std::mutex mu_;  // guards what follows
  std::deque<Queued> queue_;
  struct InFlight {
    std::string msg_id;
    std::chrono::steady_clock::time_point sent;
  };
  std::deque<InFlight> in_flight_;  // messages published and not yet acknowledged, oldest first
  bool sending_ = false;   // a thread is in pump()'s loop
  uint64_t next_id_ = 0;
  std::unordered_map<std::string, Waiters> waiters_;  // by Msg-Id
  std::optional<Error> failure_;
};

Status check_stream_name(std::string_view name) {
  const bool valid = !name.empty() && name.size() <= 64 &&
                     std::all_of(name.begin(), name.end(), [](char c) {
                       return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                              (c >= '0' && c <= '9') || c == '_' || c == '-';
                     });
  if (valid) return {};
  return make_error(ErrorCode::kInvalidArgument,
                    fmt::format("stream '{}': use 1-64 of A-Z a-z 0-9 _ -", name));
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
      if (auto s = check_stream_name(value); !s) return s;
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
  if (auto s = check_stream_name(options.stream); !s) return std::unexpected(s.error());
  if (options.max_in_flight < 1) {
    return make_error(ErrorCode::kInvalidArgument, "max_in_flight must be at least 1");
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
