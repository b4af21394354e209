// Streams/BatchAppend: one bidirectional stream per client carries all its appends. A callback
// reactor: no thread is held by the call. Each request is handed to the store without waiting
// (append_async), so the appends of all clients share group commits; the answers are written in
// request order as the appends become durable (from the AppendCompletions thread), one write in
// flight at a time, and the next request is read meanwhile.
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "append_completions.h"
#include "grpc_order.h"
#include "live_calls.h"
#include "streams_service.h"
#include "wire.h"

namespace mnemos::server {
namespace {

using streams::BatchAppendReq;
using streams::BatchAppendResp;

// An append gathered from its chunks.
struct Gathering {
  BatchAppendReq::Options options;
  std::vector<EventData> events;
  std::optional<Error> refused;  // a chunk was bad: answered with this error once final
};

ExpectedRevision expected_of_batch(const BatchAppendReq::Options& o) {
  switch (o.expected_stream_position_case()) {
    case BatchAppendReq::Options::kStreamPosition: return ExpectedRevision::exact(Revision{o.stream_position()});
    case BatchAppendReq::Options::kNoStream: return ExpectedRevision::no_stream();
    case BatchAppendReq::Options::kStreamExists: return ExpectedRevision::stream_exists();
    default: return ExpectedRevision::any();
  }
}

void echo_expected(BatchAppendResp* r, const BatchAppendReq::Options& o) {
  switch (o.expected_stream_position_case()) {
    case BatchAppendReq::Options::kStreamPosition: r->set_stream_position(o.stream_position()); break;
    case BatchAppendReq::Options::kNoStream: r->mutable_no_stream(); break;
    case BatchAppendReq::Options::kStreamExists: r->mutable_stream_exists(); break;
    default: r->mutable_any(); break;
  }
}

void set_success(BatchAppendResp* r, std::optional<Revision> revision, std::optional<Position> position) {
  auto* success = r->mutable_success();
  if (revision) {
    success->set_current_revision(revision->value);
  } else {
    success->mutable_no_stream();
  }
  if (position) {
    success->mutable_position()->set_commit_position(position->value);
    success->mutable_position()->set_prepare_position(position->value);
  } else {
    success->mutable_no_position();
  }
}

// The error, as the clients decode it: a status code and an Any they dispatch on by type.
void set_error(BatchAppendResp* r, const Error& error, ExpectedRevision expected, const std::string& stream) {
  auto* status = r->mutable_error();
  status->set_message(error.message);
  switch (error.code) {
    case ErrorCode::kWrongExpectedRevision: {
      status->set_code(grpc::StatusCode::FAILED_PRECONDITION);
      wire::WrongExpectedVersion details;
      const int64_t actual = error.actual_revision.value_or(-1);
      if (actual >= 0) {
        details.set_current_stream_revision(static_cast<uint64_t>(actual));
      } else {
        details.mutable_current_no_stream();
      }
      switch (expected.kind()) {
        case ExpectedRevision::Kind::kAny: details.mutable_expected_any(); break;
        case ExpectedRevision::Kind::kNoStream: details.mutable_expected_no_stream(); break;
        case ExpectedRevision::Kind::kStreamExists: details.mutable_expected_stream_exists(); break;
        case ExpectedRevision::Kind::kExact: details.set_expected_stream_position(expected.revision().value); break;
      }
      status->mutable_details()->PackFrom(details);
      break;
    }
    case ErrorCode::kStreamDeleted: {
      status->set_code(grpc::StatusCode::FAILED_PRECONDITION);
      wire::StreamDeleted details;
      set_stream(details.mutable_stream_identifier(), stream);
      status->mutable_details()->PackFrom(details);
      break;
    }
    case ErrorCode::kTooLarge: {
      status->set_code(grpc::StatusCode::INVALID_ARGUMENT);
      wire::MaximumAppendSizeExceeded details;
      status->mutable_details()->PackFrom(details);
      break;
    }
    case ErrorCode::kInvalidArgument: {
      status->set_code(grpc::StatusCode::INVALID_ARGUMENT);
      wire::BadRequest details;
      details.set_message(error.message);
      status->mutable_details()->PackFrom(details);
      break;
    }
    default: {
      status->set_code(error.code == ErrorCode::kStopped ? grpc::StatusCode::UNAVAILABLE : grpc::StatusCode::INTERNAL);
      status->mutable_details()->PackFrom(wire::Unknown());
      break;
    }
  }
}

// The answer to an append of no events: where the stream is, once the expectation holds.
void set_head(BatchAppendResp* r, const Result<std::optional<Revision>>& head, ExpectedRevision expected) {
  const std::string& stream = r->stream_identifier().stream_name();
  if (!head) {
    set_error(r, head.error(), expected, stream);
  } else if (!expected_holds(expected, *head)) {
    Error wrong{ErrorCode::kWrongExpectedRevision, "wrong expected revision",
                *head ? std::optional<int64_t>(static_cast<int64_t>((*head)->value)) : std::optional<int64_t>(-1),
                std::nullopt};
    set_error(r, wrong, expected, stream);
  } else {
    set_success(r, *head, std::nullopt);
  }
}

void set_appended(BatchAppendResp* r, const Result<AppendResult>& appended, ExpectedRevision expected) {
  if (appended) {
    set_success(r, appended->last_revision, appended->position);
  } else {
    set_error(r, appended.error(), expected, r->stream_identifier().stream_name());
  }
}

// One BatchAppend call. Owned by itself (`self_`) from its start to OnDone; LiveCalls holds a weak
// reference. Reactions may run concurrently (and on the completions thread): the state is under
// `mu_`. Reads and writes are started with `mu_` held (gRPC never runs their reactions inline:
// its read and write operations are not inlineable), Finish without it (OnDone may then run at
// once on another thread and free the call).
// Invariant: Finish is called only once every answer taken in is written (or dropped after a
// failed write), so no append completion refers to the call after it.
class BatchAppendCall final : public OrderedReactor<grpc::ServerBidiReactor<BatchAppendReq, BatchAppendResp>>, public StoppableCall {
 public:
  static BatchAppendCall* start(grpc::CallbackServerContext* context, Store& store, AppendCompletions& completions,
                                LiveCalls& calls) {
    std::shared_ptr<BatchAppendCall> call(new BatchAppendCall(context, store, completions, calls));
    call->self_ = call;
    call->start_read(&call->request_);
    calls.add(call);
    return call.get();
  }

  void OnReadDone(bool ok) override {
    reacted();
    if (!ok) return end_reading();
    std::optional<uint64_t> slot;
    BatchAppendResp response;
    if (request_.is_final()) {
      std::unique_lock lock(mu_);
      if (stopping_) return end_reading(std::move(lock));  // not taken in: the client sees UNAVAILABLE
      slot = first_slot_ + slots_.size();
      slots_.emplace_back();
    }
    // Only one read is outstanding at a time: `gathering_` and `request_` need no lock.
    const std::string key = request_.correlation_id().SerializeAsString();
    Gathering& g = gathering_[key];
    if (request_.has_options()) g.options = request_.options();
    for (const auto& m : request_.proposed_messages()) {
      if (g.refused) break;
      auto event = to_event_data(m);
      if (!event) {
        g.refused = event.error();
      } else {
        g.events.push_back(std::move(*event));
      }
    }
    if (slot) {
      *response.mutable_correlation_id() = request_.correlation_id();
      *response.mutable_stream_identifier() = g.options.stream_identifier();
      echo_expected(&response, g.options);
      const ExpectedRevision expected = expected_of_batch(g.options);
      const std::string name = stream_name(g.options.stream_identifier());
      Gathering taken = std::move(g);
      gathering_.erase(key);
      if (taken.refused) {
        set_error(&response, *taken.refused, expected, response.stream_identifier().stream_name());
        answered(*slot, std::move(response));
      } else if (taken.events.empty()) {
        set_head(&response, last_revision(store_, name), expected);
        answered(*slot, std::move(response));
      } else {
        completions_.add(store_.append_async(name, expected, std::move(taken.events)),
                         [this, slot = *slot, response = std::move(response), expected](Result<AppendResult> r) mutable {
                           set_appended(&response, r, expected);
                           answered(slot, std::move(response));
                         });
      }
    }
    read_next();
  }

  void OnWriteDone(bool ok) override {
    reacted();
    std::unique_lock lock(mu_);
    writing_ = false;
    if (!ok) broken_ = true;  // the client is gone: the answers left are dropped
    proceed(std::move(lock));
  }

  void stop() override {
    std::unique_lock lock(mu_);
    stopping_ = true;
    proceed(std::move(lock));  // an idle call ends now; its outstanding read then fails
  }

  void OnDone() override {
    done();
    calls_.remove(this);
    auto self = std::move(self_);  // deletes the call on return
  }

 private:
  BatchAppendCall(grpc::CallbackServerContext* context, Store& store, AppendCompletions& completions, LiveCalls& calls)
      : context_(context), store_(store), completions_(completions), calls_(calls) {}

  // The answer of slot `slot` is ready.
  void answered(uint64_t slot, BatchAppendResp response) {
    std::unique_lock lock(mu_);
    slots_[slot - first_slot_] = std::move(response);
    proceed(std::move(lock));
  }

  void read_next() {
    std::unique_lock lock(mu_);
    if (stopping_ || finished_) return end_reading(std::move(lock));
    start_read(&request_);
  }

  void end_reading() { end_reading(std::unique_lock(mu_)); }
  void end_reading(std::unique_lock<std::mutex> lock) {
    reads_done_ = true;
    proceed(std::move(lock));
  }

  // Starts the next write, or finishes once everything taken in is answered. Releases `lock`.
  void proceed(std::unique_lock<std::mutex> lock) {
    if (finished_ || writing_) return;
    while (!slots_.empty() && slots_.front()) {
      std::optional<BatchAppendResp> next = std::move(slots_.front());
      slots_.pop_front();
      ++first_slot_;
      if (broken_) continue;
      writing_ = true;
      writing_response_ = std::move(*next);
      start_write(&writing_response_);
      return;
    }
    if (!slots_.empty() || !(reads_done_ || stopping_)) return;
    finished_ = true;
    grpc::Status status = grpc::Status::OK;
    if (stopping_) {
      status = grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server is shutting down");
    } else if (context_->IsCancelled()) {
      status = grpc::Status(grpc::StatusCode::CANCELLED, "the client went away");
    }
    lock.unlock();
    finish(status);
  }

  grpc::CallbackServerContext* const context_;
  Store& store_;
  AppendCompletions& completions_;
  LiveCalls& calls_;
  std::shared_ptr<BatchAppendCall> self_;  // released in OnDone

  BatchAppendReq request_;                     // of the outstanding read
  std::map<std::string, Gathering> gathering_;  // by correlation id; touched by reads only

  std::mutex mu_;
  // The answers in request order, empty until ready; slot numbers start at first_slot_.
  std::deque<std::optional<BatchAppendResp>> slots_;
  uint64_t first_slot_ = 0;
  BatchAppendResp writing_response_;  // of the outstanding write
  bool writing_ = false;
  bool reads_done_ = false;
  bool stopping_ = false;
  bool broken_ = false;
  bool finished_ = false;
};

}  // namespace

grpc::ServerBidiReactor<BatchAppendReq, BatchAppendResp>* StreamsService::BatchAppend(
    grpc::CallbackServerContext* context) {
  return BatchAppendCall::start(context, store_, completions_, calls_);
}

}  // namespace mnemos::server
