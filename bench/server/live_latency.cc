// live-latency-bench: how soon a live subscriber hears of an append, over the KurrentDB
// protocol. An in-process `mnemos serve` server on a fresh store; one subscriber on $all from
// the end and one appender, both gRPC clients on loopback. For each append: the time from its
// acknowledgement (Append returned) to the subscriber receiving the event.
//   build/bench/live-latency-bench [--appends 2000] [--dir DIR] [--json FILE]
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "latency.h"
#include "mnemos/embedded.h"
#include "server/grpc_server.h"
#include "streams.grpc.pb.h"

namespace streams = event_store::client::streams;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  CLI::App app{"Live subscription latency over gRPC: from an append's acknowledgement to the subscriber."};
  int appends = 2000;
  std::string dir = "build/live-latency-bench", json_path;
  app.add_option("--appends", appends, "Appends to time")->capture_default_str()->check(CLI::Range(10, 10000000));
  app.add_option("--dir", dir, "Scratch data directory (emptied first)")->capture_default_str();
  app.add_option("--json", json_path, "Also write the figures as JSON to this file");
  CLI11_PARSE(app, argc, argv);

  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  auto store = mnemos::open_embedded(dir);
  if (!store) {
    fmt::print(stderr, "live-latency-bench: {}\n", store.error().to_string());
    return 1;
  }
  mnemos::server::GrpcOptions options;
  options.addresses = {"127.0.0.1:0"};
  auto server = mnemos::server::GrpcServer::start(**store, options);
  if (!server) {
    fmt::print(stderr, "live-latency-bench: {}\n", server.error().to_string());
    return 1;
  }
  const std::string address = fmt::format("127.0.0.1:{}", (*server)->ports().front());
  auto channel = [&] {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a connection of its own, as a separate client
    return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
  };
  auto subscriber_stub = streams::Streams::NewStub(channel());
  auto appender_stub = streams::Streams::NewStub(channel());

  std::vector<Clock::time_point> acked(static_cast<size_t>(appends)), received(static_cast<size_t>(appends));
  std::atomic<bool> caught_up{false};
  grpc::ClientContext subscription_context;
  std::thread subscriber([&] {
    streams::ReadReq request;
    auto* o = request.mutable_options();
    o->mutable_all()->mutable_end();
    o->mutable_subscription();
    o->mutable_no_filter();
    o->mutable_uuid_option()->mutable_string();
    auto reader = subscriber_stub->Read(&subscription_context, request);
    streams::ReadResp response;
    int seen = 0;
    while (seen < appends && reader->Read(&response)) {
      if (response.has_caught_up()) caught_up = true;
      if (!response.has_event()) continue;
      const auto now = Clock::now();
      const std::string& stream = response.event().event().stream_identifier().stream_name();
      const int i = std::stoi(stream.substr(stream.find('-') + 1));
      received[static_cast<size_t>(i)] = now;
      ++seen;
    }
    subscription_context.TryCancel();
    reader->Finish();
  });
  while (!caught_up) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  for (int i = 0; i < appends; ++i) {
    grpc::ClientContext context;
    streams::AppendResp response;
    auto writer = appender_stub->Append(&context, &response);
    streams::AppendReq header;
    header.mutable_options()->mutable_stream_identifier()->set_stream_name(fmt::format("live-{}", i));
    header.mutable_options()->mutable_no_stream();
    writer->Write(header);
    streams::AppendReq event;
    auto* m = event.mutable_proposed_message();
    m->mutable_id()->set_string(mnemos::Uuid::random().to_string());
    (*m->mutable_metadata())["type"] = "Timed";
    (*m->mutable_metadata())["content-type"] = "application/json";
    m->set_data(fmt::format("{{\"i\":{}}}", i));
    writer->Write(event);
    writer->WritesDone();
    if (!writer->Finish().ok() || !response.has_success()) {
      fmt::print(stderr, "live-latency-bench: append {} failed\n", i);
      return 1;
    }
    acked[static_cast<size_t>(i)] = Clock::now();
  }
  subscriber.join();

  // Received before the appender saw its acknowledgement counts as 0.
  mnemos::bench::LatencyRecorder after_ack;
  for (int i = 0; i < appends; ++i) {
    const auto& r = received[static_cast<size_t>(i)];
    if (r == Clock::time_point{}) {
      fmt::print(stderr, "live-latency-bench: append {} never reached the subscriber\n", i);
      return 1;
    }
    after_ack.record(std::max(Clock::duration::zero(), r - acked[static_cast<size_t>(i)]));
  }
  const mnemos::bench::LatencySummary s = after_ack.summarize();
  fmt::print("live subscriber over gRPC, {} appends: acknowledgement -> event at the subscriber: p50 {:.0f} us, "
             "p99 {:.0f} us, p99.9 {:.0f} us\n",
             appends, s.p50_us, s.p99_us, s.p999_us);
  if (!json_path.empty()) {
    std::ofstream(json_path) << nlohmann::json{{"appends", appends}, {"p50_us", s.p50_us}, {"p99_us", s.p99_us},
                                               {"p999_us", s.p999_us}}.dump(2)
                             << '\n';
  }
  (*server)->shutdown();
  return 0;
}
