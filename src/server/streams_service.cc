#include "streams_service.h"

#include <google/protobuf/util/time_util.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "grpc_order.h"
#include "read_filter.h"
#include "wire.h"

namespace mnemos::server {
namespace {

using streams::AppendReq;
using streams::AppendResp;
using streams::ReadReq;
using streams::ReadResp;

// Where a subscription writes: each Write waits until the message is written (false: the client
// is gone).
class Writer {
 public:
  virtual bool Write(const ReadResp& message, grpc::WriteOptions options = grpc::WriteOptions()) = 0;

 protected:
  ~Writer() = default;
};

constexpr uint64_t kPage = 512;  // events per store read while serving a read
constexpr std::chrono::milliseconds kSubscriptionPoll{200};

grpc::Status invalid(std::string message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::move(message));
}

grpc::Status cancelled() { return grpc::Status(grpc::StatusCode::CANCELLED, "the client went away"); }

void set_now(google::protobuf::Timestamp* t) {
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  *t = google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(micros);
}

void set_expected(AppendResp::WrongExpectedVersion* w, ExpectedRevision expected) {
  switch (expected.kind()) {
    case ExpectedRevision::Kind::kAny:
      w->mutable_expected_any();
      w->mutable_any_20_6_0();
      break;
    case ExpectedRevision::Kind::kNoStream:
      w->mutable_expected_no_stream();
      w->set_expected_revision_20_6_0(std::numeric_limits<uint64_t>::max());
      break;
    case ExpectedRevision::Kind::kStreamExists:
      w->mutable_expected_stream_exists();
      w->mutable_stream_exists_20_6_0();
      break;
    case ExpectedRevision::Kind::kExact:
      w->set_expected_revision(expected.revision().value);
      w->set_expected_revision_20_6_0(expected.revision().value);
      break;
  }
}

}  // namespace

// The stream's last revision now, for an append of no events: empty when it has none.
Result<std::optional<Revision>> last_revision(const Store& store, const std::string& stream) {
  ReadStreamOptions o;
  o.direction = Direction::kBackwards;
  o.limit = 1;
  auto read = store.read_stream(stream, o);
  if (!read) {
    if (read.error().code == ErrorCode::kNotFound) return std::optional<Revision>();
    return std::unexpected(read.error());
  }
  if (read->events.empty()) return std::optional<Revision>();
  return std::optional<Revision>(read->events.front().revision);
}

bool expected_holds(ExpectedRevision expected, std::optional<Revision> last) {
  switch (expected.kind()) {
    case ExpectedRevision::Kind::kAny: return true;
    case ExpectedRevision::Kind::kNoStream: return !last;
    case ExpectedRevision::Kind::kStreamExists: return last.has_value();
    case ExpectedRevision::Kind::kExact: return last && *last == expected.revision();
  }
  return false;
}

namespace {

void wrong_expected_version(AppendResp* response, ExpectedRevision expected, std::optional<int64_t> actual) {
  auto* w = response->mutable_wrong_expected_version();
  if (actual && *actual >= 0) {
    w->set_current_revision(static_cast<uint64_t>(*actual));
    w->set_current_revision_20_6_0(static_cast<uint64_t>(*actual));
  } else {
    w->mutable_current_no_stream();
    w->mutable_no_stream_20_6_0();
  }
  set_expected(w, expected);
}

// One message per event, as the clients expect. (gRPC's buffer hint would batch them, but a
// hinted write can wait for a flush that never comes.)
ReadResp event_message(const RecordedEvent& event, bool structured_ids) {
  ReadResp message;
  set_read_event(message.mutable_event(), event, structured_ids);
  return message;
}

bool write_event(Writer* writer, const RecordedEvent& event, bool structured_ids) {
  return writer->Write(event_message(event, structured_ids));
}

ReadResp not_found_message(const std::string& stream) {
  ReadResp message;
  set_stream(message.mutable_stream_not_found()->mutable_stream_identifier(), stream);
  return message;
}

}  // namespace

namespace {

// The answer to an append of no events: where the stream is, once the expectation holds.
grpc::Status answer_empty_append(grpc::ServerContextBase* context, const Store& store, const std::string& stream,
                                 ExpectedRevision expected, AppendResp* response) {
  auto last = last_revision(store, stream);
  if (!last) return to_status(context, last.error(), stream, expected);
  if (!expected_holds(expected, *last)) {
    wrong_expected_version(response, expected, *last ? std::optional<int64_t>(static_cast<int64_t>((*last)->value))
                                                     : std::optional<int64_t>(-1));
    return grpc::Status::OK;
  }
  auto* success = response->mutable_success();
  if (*last) {
    success->set_current_revision((*last)->value);
  } else {
    success->mutable_no_stream();
  }
  success->mutable_no_position();
  return grpc::Status::OK;
}

grpc::Status answer_append(grpc::ServerContextBase* context, const Result<AppendResult>& appended,
                           const std::string& stream, ExpectedRevision expected, AppendResp* response) {
  if (!appended) {
    if (appended.error().code == ErrorCode::kWrongExpectedRevision) {
      wrong_expected_version(response, expected, appended.error().actual_revision);
      return grpc::Status::OK;
    }
    return to_status(context, appended.error(), stream, expected);
  }
  auto* success = response->mutable_success();
  success->set_current_revision(appended->last_revision.value);
  success->mutable_position()->set_commit_position(appended->position.value);
  success->mutable_position()->set_prepare_position(appended->position.value);
  return grpc::Status::OK;
}

// One Append call: the options, then the proposed messages, read one by one; the whole request
// is read before it is answered. Reads are serialised (one outstanding at a time), and the
// append's completion runs after the last read: the call needs no lock. Deletes itself in OnDone.
class AppendCall final : public OrderedReactor<grpc::ServerReadReactor<AppendReq>> {
 public:
  AppendCall(grpc::CallbackServerContext* context, AppendResp* response, Store& store, StreamsLimits limits,
             AppendCompletions& completions)
      : context_(context), response_(response), store_(store), limits_(limits), completions_(completions) {
    start_read(&request_);
  }

  void OnReadDone(bool ok) override {
    reacted();
    if (!ok) return append();
    if (!stream_) {
      if (!request_.has_options()) return finish(invalid_start());
      stream_ = stream_name(request_.options().stream_identifier());
      expected_ = expected_of(request_.options());
    } else {
      take(request_);
    }
    start_read(&request_);
  }

  void OnDone() override {
    done();
    delete this;
  }

 private:
  static grpc::Status invalid_start() {
    return invalid("an append starts with its options (stream and expected revision)");
  }

  void take(const AppendReq& request) {
    if (refused_) return;
    if (!request.has_proposed_message()) {
      refused_ = invalid("only proposed messages may follow the options of an append");
      return;
    }
    auto event = to_event_data(request.proposed_message());
    if (!event) {
      if (event.error().message == kMissingMetadata) {
        context_->AddTrailingMetadata("exception", "missing-required-metadata-property");
        context_->AddTrailingMetadata("required-metadata-properties", "type,content-type");
      }
      refused_ = invalid(event.error().message);
      return;
    }
    bytes_ += event->data.size() + event->metadata.size();
    if (bytes_ > limits_.max_append_bytes) {
      context_->AddTrailingMetadata("exception", "maximum-append-size-exceeded");
      context_->AddTrailingMetadata("maximum-append-size", std::to_string(limits_.max_append_bytes));
      refused_ = invalid("the append is over the maximum size of " + std::to_string(limits_.max_append_bytes) + " bytes");
      return;
    }
    events_.push_back(std::move(*event));
  }

  // The client has sent everything (or is gone).
  void append() {
    if (!stream_) return finish(invalid_start());
    if (refused_) return finish(*refused_);
    if (context_->IsCancelled()) return finish(cancelled());
    if (events_.empty()) return finish(answer_empty_append(context_, store_, *stream_, expected_, response_));
    completions_.add(store_.append_async(*stream_, expected_, std::move(events_)), [this](Result<AppendResult> r) {
      finish(answer_append(context_, r, *stream_, expected_, response_));
    });
  }

  grpc::CallbackServerContext* const context_;
  AppendResp* const response_;
  Store& store_;
  const StreamsLimits limits_;
  AppendCompletions& completions_;
  AppendReq request_;  // of the outstanding read
  std::optional<std::string> stream_;  // once the options are read
  ExpectedRevision expected_ = ExpectedRevision::any();
  std::vector<EventData> events_;
  uint64_t bytes_ = 0;
  std::optional<grpc::Status> refused_;  // the whole request is read before it is answered
};

}  // namespace

grpc::ServerReadReactor<AppendReq>* StreamsService::Append(grpc::CallbackServerContext* context,
                                                           AppendResp* response) {
  return new AppendCall(context, response, store_, limits_, completions_);
}

namespace {

// A counted read, one page of the store at a time: what to write next, then how the call ends.
class Pages {
 public:
  virtual ~Pages() = default;
  // Appends the next page's events to `events` (and a last message to `message`, if any).
  // Returns the call's status once nothing follows what it appended.
  virtual std::optional<grpc::Status> next(std::deque<RecordedEvent>& events, std::optional<ReadResp>& message) = 0;
};

class StreamPages final : public Pages {
 public:
  StreamPages(const Store& store, grpc::ServerContextBase* context, const ReadReq::Options& o)
      : store_(store), context_(context), stream_(stream_name(o.stream().stream_identifier())), left_(o.count()) {
    const bool backwards = o.read_direction() == ReadReq::Options::Backwards;
    read_.direction = backwards ? Direction::kBackwards : Direction::kForwards;
    if (o.stream().has_revision()) {
      read_.from = Revision{o.stream().revision()};
    } else if (o.stream().has_end() && !backwards) {
      // Forwards from the end: nothing, but a missing stream is still reported as such.
      read_.limit = 0;
    }
  }

  std::optional<grpc::Status> next(std::deque<RecordedEvent>& events, std::optional<ReadResp>& message) override {
    if (read_.limit != 0) read_.limit = std::min(left_, kPage);
    auto page = store_.read_stream(stream_, read_);
    if (!page) {
      if (page.error().code == ErrorCode::kNotFound) {
        message = not_found_message(stream_);
        return grpc::Status::OK;
      }
      return to_status(context_, page.error(), stream_);
    }
    left_ -= std::min<uint64_t>(left_, page->events.size());
    const bool last = left_ == 0 || !page->next || page->events.empty() || read_.limit == 0;
    read_.from = page->next;
    for (RecordedEvent& e : page->events) events.push_back(std::move(e));
    if (last) return grpc::Status::OK;
    return std::nullopt;
  }

 private:
  const Store& store_;
  grpc::ServerContextBase* const context_;
  const std::string stream_;
  ReadStreamOptions read_;
  uint64_t left_;
};

class AllPages final : public Pages {
 public:
  AllPages(const Store& store, grpc::ServerContextBase* context, const ReadReq::Options& o, ReadFilter filter)
      : store_(store), context_(context), filter_(std::move(filter)), left_(o.count()) {
    const bool backwards = o.read_direction() == ReadReq::Options::Backwards;
    read_.direction = backwards ? Direction::kBackwards : Direction::kForwards;
    read_.filter = filter_.store_filter();
    if (o.all().has_position()) {
      const uint64_t p = o.all().position().commit_position();
      if (backwards) {
        if (p == 0) left_ = 0;    // nothing before the start
        else read_.from = Position{p - 1};  // backwards from a position excludes it
      } else {
        read_.from = Position{p};  // forwards includes it
      }
    } else if (o.all().has_end() && !backwards) {
      left_ = 0;
    }
  }

  std::optional<grpc::Status> next(std::deque<RecordedEvent>& events, std::optional<ReadResp>&) override {
    if (left_ == 0) return grpc::Status::OK;
    // With a server-side check the page counts considered events, not matching ones.
    read_.limit = kPage;
    if (!filter_.needs_check()) read_.limit = std::min(left_, kPage);
    auto page = store_.read_all(read_);
    if (!page) return to_status(context_, page.error(), "$all");
    for (RecordedEvent& e : page->events) {
      if (filter_.needs_check() && !filter_.matches(e.stream, e.type)) continue;
      events.push_back(std::move(e));
      if (--left_ == 0) break;
    }
    if (left_ == 0 || !page->next || page->events.empty()) return grpc::Status::OK;
    read_.from = page->next;
    return std::nullopt;
  }

 private:
  const Store& store_;
  grpc::ServerContextBase* const context_;
  const ReadFilter filter_;
  ReadAllOptions read_;
  uint64_t left_;
};

// A counted read as a reactor: one write in flight, the next one started from its completion,
// the next page read when a page is written. No thread is held and only the reactions touch the
// call (one at a time: there is never more than one operation outstanding), so it needs no lock.
class CountedReadCall final : public OrderedReactor<grpc::ServerWriteReactor<ReadResp>> {
 public:
  CountedReadCall(grpc::CallbackServerContext* context, std::unique_ptr<Pages> pages, bool structured_ids)
      : context_(context), pages_(std::move(pages)), structured_ids_(structured_ids) {
    write_next();
  }

  void OnWriteDone(bool ok) override {
    reacted();
    if (!ok) return finish(cancelled());
    write_next();
  }

  void OnDone() override {
    done();
    delete this;
  }

 private:
  void write_next() {
    while (events_.empty() && !message_) {
      if (status_) return finish(*status_);
      if (wrote_ && context_->IsCancelled()) return finish(cancelled());
      status_ = pages_->next(events_, message_);
    }
    wrote_ = true;
    if (!events_.empty()) {
      writing_ = event_message(events_.front(), structured_ids_);
      events_.pop_front();
    } else {
      writing_ = std::move(*message_);
      message_.reset();
    }
    start_write(&writing_);
  }

  grpc::CallbackServerContext* const context_;
  const std::unique_ptr<Pages> pages_;
  const bool structured_ids_;
  std::deque<RecordedEvent> events_;   // of the page being written
  std::optional<ReadResp> message_;    // written after them
  std::optional<grpc::Status> status_;  // once no page follows
  ReadResp writing_;                    // of the outstanding write
  bool wrote_ = false;
};

struct ReadContext {
  grpc::ServerContextBase* context;
  Writer* writer;
  bool structured_ids;
  const std::atomic<bool>& stopping;
};

bool write_confirmation(Writer* writer) {
  ReadResp message;
  message.mutable_confirmation()->set_subscription_id(Uuid::random().to_string());
  return writer->Write(message, grpc::WriteOptions().set_write_through());
}

void write_checkpoint(Writer* writer, Position position) {
  ReadResp message;
  auto* checkpoint = message.mutable_checkpoint();
  checkpoint->set_commit_position(position.value);
  checkpoint->set_prepare_position(position.value);
  set_now(checkpoint->mutable_timestamp());
  writer->Write(message);
}

// Feeds a store subscription to the client until it cancels, the server stops or it fails.
// `on_event` returns false when the client is gone; `on_caught_up` writes caught_up.
template <class OnEvent, class OnCaughtUp>
grpc::Status pump(Subscription& subscription, const ReadContext& rc, std::string_view stream, OnEvent&& on_event,
                  OnCaughtUp&& on_caught_up) {
  while (true) {
    if (rc.context->IsCancelled()) return cancelled();
    if (rc.stopping.load()) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server is shutting down");
    auto message = subscription.next(kSubscriptionPoll);
    if (!message) {
      if (message.error().code == ErrorCode::kStopped) {
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server is shutting down");
      }
      return to_status(rc.context, message.error(), stream);
    }
    if (!message->has_value()) continue;
    if (auto* event = std::get_if<RecordedEvent>(&**message)) {
      if (!on_event(*event)) return cancelled();
    } else if (std::holds_alternative<CaughtUp>(**message)) {
      on_caught_up(std::get<CaughtUp>(**message));
    }
  }
}

grpc::Status subscribe_stream(Store& store, const ReadContext& rc, const ReadReq::Options& o) {
  const std::string stream = stream_name(o.stream().stream_identifier());
  SubscribeStreamOptions options;
  std::optional<int64_t> last_revision;  // the last revision delivered, or the start checkpoint
  if (o.stream().has_revision()) {
    options.start = StartAt::kFrom;
    options.from = Revision{o.stream().revision() + 1};  // subscriptions start after the revision
    last_revision = static_cast<int64_t>(o.stream().revision());
  } else if (o.stream().has_end()) {
    options.start = StartAt::kEnd;
  }
  auto subscription = store.subscribe_stream(stream, options);
  if (!subscription) return to_status(rc.context, subscription.error(), stream);
  if (!write_confirmation(rc.writer)) return cancelled();
  return pump(
      **subscription, rc, stream,
      [&](const RecordedEvent& e) {
        last_revision = static_cast<int64_t>(e.revision.value);
        return write_event(rc.writer, e, rc.structured_ids);
      },
      [&](const CaughtUp&) {
        ReadResp message;
        auto* caught_up = message.mutable_caught_up();
        set_now(caught_up->mutable_timestamp());
        if (last_revision) caught_up->set_stream_revision(*last_revision);
        rc.writer->Write(message);
      });
}

grpc::Status subscribe_all(Store& store, const ReadContext& rc, const ReadReq::Options& o, const ReadFilter& filter) {
  SubscribeAllOptions options;
  if (o.all().has_position()) {
    options.start = StartAt::kFrom;
    options.from = Position{o.all().position().commit_position() + 1};  // after the position
  } else if (o.all().has_end()) {
    options.start = StartAt::kEnd;
  }
  // Checkpoints count every record considered, matching or not, so the server filters here.
  auto subscription = store.subscribe_all(options);
  if (!subscription) return to_status(rc.context, subscription.error(), "$all");
  if (!write_confirmation(rc.writer)) return cancelled();
  std::optional<Position> last;  // the last record considered
  uint64_t considered = 0;
  return pump(
      **subscription, rc, "$all",
      [&](const RecordedEvent& e) {
        last = e.position;
        if (filter.matches(e.stream, e.type) && !write_event(rc.writer, e, rc.structured_ids)) return false;
        if (!filter.empty() && ++considered % filter.checkpoint_interval() == 0) write_checkpoint(rc.writer, e.position);
        return true;
      },
      [&](const CaughtUp& caught) {
        const Position at = last.value_or(caught.head);
        if (!filter.empty() && at.value > 0) write_checkpoint(rc.writer, at);
        ReadResp message;
        auto* caught_up = message.mutable_caught_up();
        set_now(caught_up->mutable_timestamp());
        if (at.value > 0) {
          caught_up->mutable_position()->set_commit_position(at.value);
          caught_up->mutable_position()->set_prepare_position(at.value);
        }
        rc.writer->Write(message);
      });
}

}  // namespace

namespace {

// A subscription: it waits for events, so it runs on a thread of its own (as it did with the
// synchronous API), writing through the reactor and waiting for each write.
class SubscriptionCall final : public OrderedReactor<grpc::ServerWriteReactor<ReadResp>>, public Writer {
 public:
  using Serve = std::function<grpc::Status(const ReadContext&)>;

  SubscriptionCall(grpc::CallbackServerContext* context, bool structured_ids, const std::atomic<bool>& stopping,
                   Serve serve)
      : context_(context), structured_ids_(structured_ids), stopping_(stopping), serve_(std::move(serve)),
        thread_([this] { run(); }) {}

  bool Write(const ReadResp& message, grpc::WriteOptions options) override {
    start_write(&message, options);
    std::unique_lock lock(mu_);
    written_.wait(lock, [&] { return write_done_; });
    write_done_ = false;
    return write_ok_;
  }

  void OnWriteDone(bool ok) override {
    reacted();
    {
      std::lock_guard lock(mu_);
      write_done_ = true;
      write_ok_ = ok;
    }
    written_.notify_one();
  }

  void OnDone() override {
    // Finish was the thread's last step; OnDone comes after it, never on that thread itself.
    thread_.join();
    done();  // after the join: the thread's Finish is then ordered before Server::Wait's return
    delete this;
  }

 private:
  void run() {
    const ReadContext rc{context_, this, structured_ids_, stopping_};
    finish(serve_(rc));
  }

  grpc::CallbackServerContext* const context_;
  const bool structured_ids_;
  const std::atomic<bool>& stopping_;
  const Serve serve_;
  std::mutex mu_;
  std::condition_variable written_;
  bool write_done_ = false;  // guarded by mu_
  bool write_ok_ = false;    // guarded by mu_
  std::thread thread_;       // last: it starts once the rest is constructed
};

// Finishes at once with `status`.
grpc::ServerWriteReactor<ReadResp>* refuse(grpc::Status status) {
  class Refused final : public OrderedReactor<grpc::ServerWriteReactor<ReadResp>> {
   public:
    explicit Refused(grpc::Status status) { finish(std::move(status)); }
    void OnDone() override {
      done();
      delete this;
    }
  };
  return new Refused(std::move(status));
}

}  // namespace

grpc::ServerWriteReactor<ReadResp>* StreamsService::Read(grpc::CallbackServerContext* context,
                                                         const ReadReq* request) {
  const ReadReq::Options& o = request->options();
  const bool structured_ids = o.uuid_option().has_structured();
  const bool subscription = o.has_subscription();
  auto subscribe = [&](SubscriptionCall::Serve serve) {
    return new SubscriptionCall(context, structured_ids, stopping_, std::move(serve));
  };
  if (o.has_stream()) {
    if (subscription) return subscribe([this, &o](const ReadContext& rc) { return subscribe_stream(store_, rc, o); });
    return new CountedReadCall(context, std::make_unique<StreamPages>(store_, context, o), structured_ids);
  }
  if (!o.has_all()) return refuse(invalid("a read names a stream or $all"));
  auto filter = ReadFilter::from(o);
  if (!filter) return refuse(invalid(filter.error().message));
  if (subscription) {
    return subscribe([this, &o, filter = *filter](const ReadContext& rc) { return subscribe_all(store_, rc, o, filter); });
  }
  return new CountedReadCall(context, std::make_unique<AllPages>(store_, context, o, std::move(*filter)), structured_ids);
}

namespace {

// Delete and Tombstone: the same request and answer, a different marker written.
template <class Write>
grpc::Status delete_like(grpc::ServerContext* context, const streams::DeleteReq& request,
                         streams::DeleteResp* response, Write&& write) {
  const std::string stream = stream_name(request.options().stream_identifier());
  const ExpectedRevision expected = expected_of(request.options());
  Result<WriteResult> written = write(stream, expected);
  if (!written) return to_status(context, written.error(), stream, expected);
  response->mutable_position()->set_commit_position(written->position.value);
  response->mutable_position()->set_prepare_position(written->position.value);
  return grpc::Status::OK;
}

}  // namespace

grpc::Status StreamsService::Delete(grpc::ServerContext* context, const streams::DeleteReq* request,
                                    streams::DeleteResp* response) {
  return delete_like(context, *request, response, [&](const std::string& stream, ExpectedRevision expected) {
    return store_.delete_stream(stream, expected);
  });
}

grpc::Status StreamsService::Tombstone(grpc::ServerContext* context, const streams::DeleteReq* request,
                                       streams::DeleteResp* response) {
  return delete_like(context, *request, response, [&](const std::string& stream, ExpectedRevision expected) {
    return store_.tombstone_stream(stream, expected);
  });
}

}  // namespace mnemos::server
