// Streams/BatchAppend: one bidirectional stream per client carries all its appends. Requests
// are read on the call's thread and handed to the store without waiting (append_async), so the
// appends of one client share group commits; a second thread answers them in order as they
// become durable.
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

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

// A response to send, now or once `append` is ready.
struct Answer {
  BatchAppendResp response;  // correlation id, stream and expected position filled in
  ExpectedRevision expected = ExpectedRevision::any();
  std::optional<std::future<Result<AppendResult>>> append;
  std::optional<Result<std::optional<Revision>>> empty;  // an append of no events: the head
  std::optional<Error> refused;
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

// Fills the response of `answer` from its outcome (waiting for the append when there is one).
void settle(Answer& answer) {
  BatchAppendResp& r = answer.response;
  const std::string stream = r.stream_identifier().stream_name();
  if (answer.refused) {
    set_error(&r, *answer.refused, answer.expected, stream);
  } else if (answer.empty) {
    const auto& head = *answer.empty;
    if (!head) {
      set_error(&r, head.error(), answer.expected, stream);
    } else if (!expected_holds(answer.expected, *head)) {
      Error wrong{ErrorCode::kWrongExpectedRevision, "wrong expected revision",
                  *head ? std::optional<int64_t>(static_cast<int64_t>((*head)->value)) : std::optional<int64_t>(-1),
                  std::nullopt};
      set_error(&r, wrong, answer.expected, stream);
    } else {
      set_success(&r, *head, std::nullopt);
    }
  } else {
    Result<AppendResult> appended = answer.append->get();
    if (appended) {
      set_success(&r, appended->last_revision, appended->position);
    } else {
      set_error(&r, appended.error(), answer.expected, stream);
    }
  }
}

}  // namespace

grpc::Status StreamsService::BatchAppend(grpc::ServerContext* context,
                                         grpc::ServerReaderWriter<BatchAppendResp, BatchAppendReq>* stream) {
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<Answer> answers;  // in submission order, which is the order appends complete in
  bool reading = true;
  // Answers in order; each waits for its append to be durable.
  std::thread responder([&] {
    bool open = true;
    while (true) {
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] { return !answers.empty() || !reading; });
      if (answers.empty()) return;
      Answer answer = std::move(answers.front());
      answers.pop_front();
      lock.unlock();
      settle(answer);
      if (open) open = stream->Write(answer.response);  // after a failed write: drain only
    }
  });
  auto submit = [&](Answer answer) {
    std::lock_guard lock(mutex);
    answers.push_back(std::move(answer));
    changed.notify_all();
  };

  std::map<std::string, Gathering> gathering;  // by correlation id
  BatchAppendReq request;
  while (!stopping_.load() && stream->Read(&request)) {
    const std::string key = request.correlation_id().SerializeAsString();
    Gathering& g = gathering[key];
    if (request.has_options()) g.options = request.options();
    for (const auto& m : request.proposed_messages()) {
      if (g.refused) break;
      auto event = to_event_data(m);
      if (!event) {
        g.refused = event.error();
      } else {
        g.events.push_back(std::move(*event));
      }
    }
    if (!request.is_final()) continue;
    Answer answer;
    *answer.response.mutable_correlation_id() = request.correlation_id();
    *answer.response.mutable_stream_identifier() = g.options.stream_identifier();
    echo_expected(&answer.response, g.options);
    answer.expected = expected_of_batch(g.options);
    const std::string name = stream_name(g.options.stream_identifier());
    if (g.refused) {
      answer.refused = std::move(g.refused);
    } else if (g.events.empty()) {
      answer.empty = last_revision(store_, name);
    } else {
      answer.append = store_.append_async(name, answer.expected, std::move(g.events));
    }
    gathering.erase(key);
    submit(std::move(answer));
  }
  {
    std::lock_guard lock(mutex);
    reading = false;
    changed.notify_all();
  }
  responder.join();
  if (stopping_.load()) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server is shutting down");
  if (context->IsCancelled()) return grpc::Status(grpc::StatusCode::CANCELLED, "the client went away");
  return grpc::Status::OK;
}

}  // namespace mnemos::server
