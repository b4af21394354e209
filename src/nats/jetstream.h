// A thin RAII layer over nats.c for the JetStream backend of the Store (issue 6): connect to a
// cluster, ensure the stream that holds a Mnemos store, publish with optimistic concurrency and
// deduplication, synchronously or with a bounded number of acknowledgements in flight.
//
// Errors (mnemos::Error):
//   kWrongExpectedRevision  the subject's last sequence is not the expected one; `position` holds
//                           the subject's actual last sequence when the server names it
//   kTooLarge               payload (plus headers) over the server's max_payload, or subject over
//                           ConnectOptions::max_subject_bytes; the message names the limit and
//                           nothing is sent, so the connection stays usable
//   kTimeout                no acknowledgement within the wait (the write may still happen:
//                           retry with the same Msg-Id, JetStream drops the duplicate)
//   kIoError                connection, no JetStream responders, any other server refusal
// A duplicate (same Msg-Id inside the stream's duplicate window) is not an error: the ack says
// Duplicate::kYes and carries the sequence of the message first stored.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mnemos/error.h"

// nats.c types, kept out of users' includes.
struct __natsConnection;
struct __jsCtx;
struct __natsSubscription;

namespace mnemos::nats {

// "nats://a:1,nats://b:2" -> {"nats://a:1", "nats://b:2"} (empty items dropped).
std::vector<std::string> split_urls(std::string_view urls);

struct ConnectOptions {
  std::string urls;  // "nats://127.0.0.1:4222,nats://127.0.0.1:4223,..."
  std::string name = "mnemos";
  std::chrono::milliseconds timeout{5000};  // connect, and each JetStream request's wait
  // The server closes the connection on a protocol line over max_control_line (4096 bytes by
  // default); the PUB line holds the subject, a reply inbox and two sizes. Longer subjects are
  // refused here with kTooLarge instead.
  size_t max_subject_bytes = 3840;
};

struct StreamSpec {
  std::string name;            // the JetStream stream ("MNEMOS")
  std::string subject_prefix;  // its subjects: "<prefix>.>"
  int replicas = 3;
  std::chrono::seconds duplicate_window{120};  // how long a Msg-Id is remembered
};

enum class Duplicate : uint8_t { kNo, kYes };

struct StreamInfo {
  uint64_t messages = 0;
  uint64_t first_sequence = 0;
  uint64_t last_sequence = 0;
  int64_t created_nanos = 0;  // when the stream was created: tells a re-created stream apart
  std::string leader;         // server name of the stream's Raft leader ("" when unknown)
};

struct PublishAck {
  uint64_t sequence = 0;  // the JetStream stream sequence: the Mnemos position
  Duplicate duplicate = Duplicate::kNo;
};

struct Publication {
  std::string_view subject;
  std::string_view payload;
  std::string_view msg_id;  // Nats-Msg-Id; empty: none
  // Nats-Expected-Last-Subject-Sequence; 0 means "the subject has no message yet".
  std::optional<uint64_t> expected_last_subject_sequence;
};

class Connection {
 public:
  // Connects to any server of the list (and reconnects to others later).
  [[nodiscard]] static Result<std::unique_ptr<Connection>> connect(const ConnectOptions& options);
  ~Connection();  // closes the connection
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Creates the stream (file storage, subjects "<prefix>.>") or updates it to `spec`.
  [[nodiscard]] Status ensure_stream(const StreamSpec& spec);
  [[nodiscard]] Status delete_stream(std::string_view name);

  // Publishes and waits for the stream's acknowledgement (after replication to a quorum).
  [[nodiscard]] Result<PublishAck> publish(const Publication& publication);

  // Number of messages in the stream; the last sequence of a subject (0: none).
  [[nodiscard]] Result<uint64_t> stream_messages(std::string_view stream);
  [[nodiscard]] Result<StreamInfo> stream_info(std::string_view stream);
  [[nodiscard]] Result<uint64_t> last_subject_sequence(std::string_view stream,
                                                       std::string_view subject);

  int64_t max_payload() const;  // the server's max_payload, learned on connect
  const ConnectOptions& options() const { return options_; }

  // Refuses what nats.c or the server would refuse or drop the link for (see kTooLarge).
  [[nodiscard]] Status check_limits(const Publication& publication) const;

  __natsConnection* raw() const { return nc_; }
  __jsCtx* jetstream() const { return js_; }

 private:
  Connection(ConnectOptions options, __natsConnection* nc, __jsCtx* js);

  ConnectOptions options_;
  __natsConnection* nc_;
  __jsCtx* js_;
};

// Publishes without waiting for each acknowledgement, with at most `max_in_flight` unacknowledged
// at once (publish() waits up to the connection's timeout for room, then gives kTimeout).
// Acknowledgements arrive on a nats.c thread; `on_ack`, if given, runs there, once a message
// that gets an answer (one lost with its server never comes: bound it yourself); it may
// publish again.
class AsyncPublisher {
 public:
  using AckCallback = std::function<void(std::string_view msg_id, const Result<PublishAck>&)>;

  [[nodiscard]] static Result<std::unique_ptr<AsyncPublisher>> create(Connection& connection,
                                                                      int64_t max_in_flight,
                                                                      AckCallback on_ack = {});
  ~AsyncPublisher();  // waits (bounded) for the acknowledgements still in flight
  AsyncPublisher(const AsyncPublisher&) = delete;
  AsyncPublisher& operator=(const AsyncPublisher&) = delete;

  [[nodiscard]] Status publish(const Publication& publication);
  // Waits until every publication is acknowledged or failed; kTimeout after `timeout`.
  [[nodiscard]] Status wait_all(std::chrono::milliseconds timeout);

  uint64_t acked() const { return acked_.load(); }
  uint64_t failed() const { return failed_.load(); }
  std::optional<Error> first_error() const;

 private:
  AsyncPublisher(Connection& connection, AckCallback on_ack);
  void record(std::string_view msg_id, const Result<PublishAck>& result);  // on nats.c's thread
  friend struct AckRouter;

  Connection& connection_;
  AckCallback on_ack_;
  __jsCtx* js_ = nullptr;
  std::atomic<uint64_t> acked_{0};
  std::atomic<uint64_t> failed_{0};
  mutable std::mutex mutex_;
  std::optional<Error> first_error_;
};

// A message as a consumer received it (copied out of nats.c's buffers).
struct ReceivedMessage {
  uint64_t sequence = 0;      // the stream sequence
  int64_t timestamp_nanos = 0;  // when the stream stored it (UTC)
  std::string msg_id;         // Nats-Msg-Id, empty when none
  std::string payload;
};

// Follows a stream in sequence order from a start sequence, then live: an ordered push consumer
// (ephemeral, no acks, flow control and heartbeats; nats.c re-creates it after a gap or a lost
// leader, so delivery has no gap and no duplicate).
class OrderedConsumer {
 public:
  // `start_sequence` <= 1: from the first message.
  [[nodiscard]] static Result<std::unique_ptr<OrderedConsumer>> create(Connection& connection,
                                                                       std::string_view stream,
                                                                       std::string_view subjects,
                                                                       uint64_t start_sequence);
  ~OrderedConsumer();
  OrderedConsumer(const OrderedConsumer&) = delete;
  OrderedConsumer& operator=(const OrderedConsumer&) = delete;

  // Appends to `out` up to `max` messages: waits up to `timeout` for the first, then takes
  // those already received without waiting, and stops early once the messages taken hold
  // `max_bytes` of payload or more (so at least one, however large). Returns how many it added
  // (0 on timeout).
  // `want_msg_id`, when given, is asked once each message has arrived whether its Nats-Msg-Id
  // is needed; when it says no, msg_id stays empty. Reading the headers is a good part of a
  // received message's cost, and a node catching up has nobody waiting for an id.
  [[nodiscard]] Result<size_t> next_batch(std::vector<ReceivedMessage>& out, size_t max, size_t max_bytes,
                                          std::chrono::milliseconds timeout,
                                          const std::function<bool()>& want_msg_id = {});

 private:
  explicit OrderedConsumer(__natsSubscription* sub) : sub_(sub) {}
  __natsSubscription* sub_;
};

}  // namespace mnemos::nats
