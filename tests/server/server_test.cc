// The gRPC server through its own wire protocol (generated stubs, a real channel on loopback):
// bad input gets the protocol's error and the server keeps serving; ServerFeatures lists exactly
// what is served; 16 MiB events pass; concurrent BatchAppend streams each get every answer in
// order; shutdown ends a live subscription and an open BatchAppend stream with UNAVAILABLE.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <memory>
#include <string>
#include <thread>

#include "mnemos/embedded.h"
#include "serverfeatures.grpc.pb.h"
#include "server/grpc_server.h"
#include "streams.grpc.pb.h"
#include "support/temp_dir.h"

namespace {

namespace streams = event_store::client::streams;
using event_store::client::Empty;

class ServerTest : public testing::Test {
 protected:
  void SetUp() override {
    mnemos::Options options;
    options.max_event_size = 17 << 20;
    auto store = mnemos::open_embedded(dir_.file("db"), options);
    ASSERT_TRUE(store) << store.error().to_string();
    store_ = std::move(*store);
    mnemos::server::GrpcOptions grpc_options;
    grpc_options.addresses = {"127.0.0.1:0"};
    auto server = mnemos::server::GrpcServer::start(*store_, grpc_options);
    ASSERT_TRUE(server) << server.error().to_string();
    server_ = std::move(*server);
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(17 << 20);
    args.SetMaxSendMessageSize(17 << 20);
    channel_ = grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(server_->ports().front()),
                                         grpc::InsecureChannelCredentials(), args);
    streams_ = streams::Streams::NewStub(channel_);
  }

  // Sends an append of `messages` (after its options) and returns the status and response.
  std::pair<grpc::Status, streams::AppendResp> append(const std::string& stream,
                                                      const std::vector<streams::AppendReq::ProposedMessage>& messages,
                                                      bool options_first = true) {
    grpc::ClientContext context;
    streams::AppendResp response;
    auto writer = streams_->Append(&context, &response);
    if (options_first) {
      streams::AppendReq options;
      options.mutable_options()->mutable_stream_identifier()->set_stream_name(stream);
      options.mutable_options()->mutable_any();
      writer->Write(options);
    }
    for (const auto& m : messages) {
      streams::AppendReq request;
      *request.mutable_proposed_message() = m;
      if (!writer->Write(request)) break;
    }
    writer->WritesDone();
    grpc::Status status = writer->Finish();
    trailers_.clear();
    for (const auto& [key, value] : context.GetServerTrailingMetadata()) {
      trailers_[std::string(key.data(), key.size())] = std::string(value.data(), value.size());
    }
    return {status, response};
  }

  static streams::AppendReq::ProposedMessage event(std::string data = "{\"a\":1}") {
    streams::AppendReq::ProposedMessage m;
    m.mutable_id()->set_string("0b7c7b9e-3d4c-4f0e-9a55-2a6f1b8e4c21");
    (*m.mutable_metadata())["type"] = "Tested";
    (*m.mutable_metadata())["content-type"] = "application/json";
    m.set_data(std::move(data));
    return m;
  }

  // Reads `stream` forwards: the events' data, or the status when it fails.
  std::vector<std::string> read(const std::string& stream) {
    streams::ReadReq request;
    auto* o = request.mutable_options();
    o->mutable_stream()->mutable_stream_identifier()->set_stream_name(stream);
    o->mutable_stream()->mutable_start();
    o->set_count(1000);
    o->mutable_no_filter();
    o->mutable_uuid_option()->mutable_string();
    grpc::ClientContext context;
    auto reader = streams_->Read(&context, request);
    std::vector<std::string> out;
    streams::ReadResp response;
    while (reader->Read(&response)) {
      if (response.has_event()) out.push_back(response.event().event().data());
    }
    EXPECT_TRUE(reader->Finish().ok());
    return out;
  }

  // A BatchAppend request (or chunk) of `events` events to `stream`.
  static streams::BatchAppendReq batch_request(const std::string& correlation, const std::string& stream,
                                               mnemos::ExpectedRevision expected = mnemos::ExpectedRevision::any(),
                                               int events = 1, bool final_chunk = true) {
    streams::BatchAppendReq r;
    r.mutable_correlation_id()->set_string(correlation);
    auto* options = r.mutable_options();
    options->mutable_stream_identifier()->set_stream_name(stream);
    switch (expected.kind()) {
      case mnemos::ExpectedRevision::Kind::kAny: options->mutable_any(); break;
      case mnemos::ExpectedRevision::Kind::kNoStream: options->mutable_no_stream(); break;
      case mnemos::ExpectedRevision::Kind::kStreamExists: options->mutable_stream_exists(); break;
      case mnemos::ExpectedRevision::Kind::kExact: options->set_stream_position(expected.revision().value); break;
    }
    for (int i = 0; i < events; ++i) {
      auto* m = r.add_proposed_messages();
      (*m->mutable_metadata())["type"] = "Tested";
      (*m->mutable_metadata())["content-type"] = "application/json";
      m->set_data("{}");
    }
    r.set_is_final(final_chunk);
    return r;
  }

  // Shuts the server down while `call` is open; returns how the call ended.
  template <class Response, class Call>
  grpc::Status shut_down_during(Call& call) {
    std::thread stopper([&] { server_->shutdown(); });
    Response response;
    while (call.Read(&response)) {
    }
    grpc::Status status = call.Finish();
    stopper.join();
    return status;
  }

  mnemos::test::TempDir dir_{"server"};
  std::unique_ptr<mnemos::Store> store_;
  std::unique_ptr<mnemos::server::GrpcServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<streams::Streams::Stub> streams_;
  std::map<std::string, std::string> trailers_;
};

TEST_F(ServerTest, AnEventWithoutContentTypeIsRefusedWithTheProtocolsErrorAndNothingIsWritten) {
  auto bad = event();
  bad.mutable_metadata()->erase("content-type");
  auto [status, response] = append("s", {event(), bad});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(trailers_["exception"], "missing-required-metadata-property");
  EXPECT_EQ(trailers_["required-metadata-properties"], "type,content-type");
  EXPECT_TRUE(read("s").empty()) << "the good event of the refused append is not written either";
  auto [ok, written] = append("s", {event()});
  EXPECT_TRUE(ok.ok()) << ok.error_message();
  ASSERT_TRUE(written.has_success());
  EXPECT_EQ(written.success().current_revision(), 0u);
}

TEST_F(ServerTest, MalformedIdsAndMissingOptionsAreInvalidArguments) {
  auto bad = event();
  bad.mutable_id()->set_string("not-a-uuid");
  auto [status, response] = append("s", {bad});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("malformed event id"), std::string::npos) << status.error_message();
  auto [no_options, unused] = append("s", {event()}, /*options_first=*/false);
  EXPECT_EQ(no_options.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  auto not_json = event("{not json");
  auto [json_status, unused2] = append("s", {not_json});
  EXPECT_EQ(json_status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(read("s").empty());
}

TEST_F(ServerTest, ABadFilterRegexAndAReadOfNothingAreRefused) {
  streams::ReadReq request;
  auto* o = request.mutable_options();
  o->mutable_all()->mutable_start();
  o->set_count(10);
  o->mutable_filter()->mutable_event_type()->set_regex("([unclosed");
  grpc::ClientContext context;
  auto reader = streams_->Read(&context, request);
  streams::ReadResp response;
  while (reader->Read(&response)) {
  }
  grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("([unclosed"), std::string::npos) << status.error_message();

  streams::ReadReq nothing;
  nothing.mutable_options()->set_count(1);
  grpc::ClientContext context2;
  auto reader2 = streams_->Read(&context2, nothing);
  while (reader2->Read(&response)) {
  }
  EXPECT_EQ(reader2->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // Still serving.
  EXPECT_TRUE(append("after", {event()}).first.ok());
}

TEST_F(ServerTest, SixteenMebibyteEventsPassBothWays) {
  const std::string big(16 << 20, 'x');
  auto m = event();
  (*m.mutable_metadata())["content-type"] = "application/octet-stream";
  m.set_data(big);
  auto [status, response] = append("big", {m});
  ASSERT_TRUE(status.ok()) << status.error_message();
  auto data = read("big");
  ASSERT_EQ(data.size(), 1u);
  EXPECT_EQ(data.front().size(), big.size());
}

TEST_F(ServerTest, CountedReadsSpanSeveralStorePagesInOrder) {
  std::vector<mnemos::EventData> events(1300);
  for (size_t i = 0; i < events.size(); ++i) {
    events[i].type = "Tested";
    events[i].data = "{\"i\":" + std::to_string(i) + "}";
  }
  ASSERT_TRUE(store_->append("paged", mnemos::ExpectedRevision::no_stream(), std::move(events)));
  const auto data = read("paged");  // count 1000: two store pages and part of a third
  ASSERT_EQ(data.size(), 1000u);
  for (size_t i = 0; i < data.size(); ++i) ASSERT_EQ(data[i], "{\"i\":" + std::to_string(i) + "}");

  streams::ReadReq request;  // $all backwards, from the end
  auto* o = request.mutable_options();
  o->mutable_all()->mutable_end();
  o->set_read_direction(streams::ReadReq::Options::Backwards);
  o->set_count(1100);
  o->mutable_no_filter();
  o->mutable_uuid_option()->mutable_string();
  grpc::ClientContext context;
  auto reader = streams_->Read(&context, request);
  std::vector<uint64_t> revisions;
  streams::ReadResp response;
  while (reader->Read(&response)) {
    if (response.has_event()) revisions.push_back(response.event().event().stream_revision());
  }
  ASSERT_TRUE(reader->Finish().ok());
  ASSERT_EQ(revisions.size(), 1100u);
  for (size_t i = 0; i < revisions.size(); ++i) ASSERT_EQ(revisions[i], 1299 - i);
}

TEST_F(ServerTest, ServerFeaturesListsExactlyTheMethodsServedWithANumericVersion) {
  auto features = event_store::client::server_features::ServerFeatures::NewStub(channel_);
  grpc::ClientContext context;
  event_store::client::server_features::SupportedMethods methods;
  ASSERT_TRUE(features->GetSupportedMethods(&context, Empty(), &methods).ok());
  EXPECT_FALSE(methods.event_store_server_version().empty());
  EXPECT_NE(methods.event_store_server_version().find_first_of("0123456789"), std::string::npos);
  std::set<std::string> listed;
  for (const auto& m : methods.methods()) listed.insert(m.service_name() + "/" + m.method_name());
  // Every method of the Streams service we registered, lowercased, and nothing else of it.
  std::set<std::string> served;
  const auto* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName("event_store.client.streams.Streams");
  ASSERT_NE(service, nullptr);
  for (int i = 0; i < service->method_count(); ++i) {
    std::string name = service->full_name() + "/" + service->method(i)->name();
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    served.insert(name);
  }
  served.insert("event_store.client.server_features.serverfeatures/getsupportedmethods");
  EXPECT_EQ(listed, served);
}

TEST_F(ServerTest, BatchAppendAnswersEachAppendByCorrelationIdWithTypedErrors) {
  grpc::ClientContext context;
  auto stream = streams_->BatchAppend(&context);
  const auto none = mnemos::ExpectedRevision::no_stream();
  const std::string a = "11111111-1111-4111-8111-111111111111", b = "22222222-2222-4222-8222-222222222222",
                    c = "33333333-3333-4333-8333-333333333333";
  ASSERT_TRUE(stream->Write(batch_request(a, "batch-1", none, 2, false)));  // first chunk of a
  ASSERT_TRUE(stream->Write(batch_request(b, "batch-2", none)));            // b, whole
  ASSERT_TRUE(stream->Write(batch_request(a, "batch-1", none, 1, true)));   // last chunk of a
  ASSERT_TRUE(stream->Write(batch_request(c, "batch-2", mnemos::ExpectedRevision::exact(mnemos::Revision{5}))));  // stale: b left it at 0
  std::map<std::string, streams::BatchAppendResp> answers;
  streams::BatchAppendResp response;
  while (answers.size() < 3 && stream->Read(&response)) answers[response.correlation_id().string()] = response;
  ASSERT_EQ(answers.size(), 3u);
  ASSERT_TRUE(answers[a].has_success());
  EXPECT_EQ(answers[a].success().current_revision(), 2u) << "three events over two chunks";
  EXPECT_EQ(answers[a].stream_identifier().stream_name(), "batch-1");
  ASSERT_TRUE(answers[b].has_success());
  EXPECT_EQ(answers[b].success().current_revision(), 0u);
  ASSERT_TRUE(answers[c].has_error());
  EXPECT_EQ(answers[c].stream_identifier().stream_name(), "batch-2");
  EXPECT_EQ(answers[c].error().details().type_url(), "type.googleapis.com/event_store.client.WrongExpectedVersion");
  event_store::client::WrongExpectedVersion wrong;
  ASSERT_TRUE(answers[c].error().details().UnpackTo(&wrong));
  EXPECT_EQ(wrong.current_stream_revision(), 0u);
  EXPECT_EQ(wrong.expected_stream_position(), 5u);
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_EQ(read("batch-1").size(), 3u);
}

TEST_F(ServerTest, ConcurrentBatchAppendStreamsGetEveryAnswerInOrder) {
  constexpr int kClients = 8, kAppends = 40, kInFlight = 4;
  std::vector<std::thread> clients;
  std::vector<std::string> failures(kClients);
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      const std::string stream = "concurrent-" + std::to_string(c);
      grpc::ClientContext context;
      auto call = streams_->BatchAppend(&context);
      int sent = 0, answered = 0;
      streams::BatchAppendResp response;
      while (answered < kAppends) {
        while (sent < kAppends && sent - answered < kInFlight) {
          if (!call->Write(batch_request(std::to_string(sent), stream))) break;
          ++sent;
        }
        if (!call->Read(&response)) break;
        // Appends to one stream are answered in the order they were sent: revision = index.
        if (response.correlation_id().string() != std::to_string(answered) || !response.has_success() ||
            response.success().current_revision() != static_cast<uint64_t>(answered)) {
          failures[c] = "answer " + std::to_string(answered) + ": " + response.ShortDebugString();
          break;
        }
        ++answered;
      }
      call->WritesDone();
      grpc::Status status = call->Finish();
      if (failures[c].empty() && answered != kAppends) failures[c] = "only " + std::to_string(answered) + " answers";
      if (failures[c].empty() && !status.ok()) failures[c] = "status: " + status.error_message();
    });
  }
  for (auto& t : clients) t.join();
  for (int c = 0; c < kClients; ++c) {
    EXPECT_EQ(failures[c], "") << "client " << c;
    EXPECT_EQ(read("concurrent-" + std::to_string(c)).size(), static_cast<size_t>(kAppends));
  }
}

TEST_F(ServerTest, ShutdownAnswersTheAppendsOfAnOpenBatchAppendStreamAndEndsItWithUnavailable) {
  grpc::ClientContext context;
  auto call = streams_->BatchAppend(&context);
  ASSERT_TRUE(call->Write(batch_request("first", "open")));
  streams::BatchAppendResp response;
  ASSERT_TRUE(call->Read(&response));
  EXPECT_TRUE(response.has_success());
  // The stream stays open and idle: shutdown ends it (without waiting for the client).
  grpc::Status status = shut_down_during<streams::BatchAppendResp>(*call);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  auto written = store_->read_stream("open", mnemos::ReadStreamOptions{});
  ASSERT_TRUE(written) << written.error().to_string();
  EXPECT_EQ(written->events.size(), 1u) << "the acknowledged append is in the store";
}

TEST_F(ServerTest, ShutdownEndsALiveSubscriptionWithUnavailable) {
  streams::ReadReq request;
  auto* o = request.mutable_options();
  o->mutable_stream()->mutable_stream_identifier()->set_stream_name("live");
  o->mutable_stream()->mutable_start();
  o->mutable_subscription();
  o->mutable_no_filter();
  grpc::ClientContext context;
  auto reader = streams_->Read(&context, request);
  streams::ReadResp response;
  ASSERT_TRUE(reader->Read(&response));
  EXPECT_TRUE(response.has_confirmation());
  ASSERT_TRUE(reader->Read(&response));
  EXPECT_TRUE(response.has_caught_up());
  grpc::Status status = shut_down_during<streams::ReadResp>(*reader);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
}

}  // namespace
