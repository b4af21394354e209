#include "grpc_peer.h"

#include <grpcpp/grpcpp.h>

#include <fmt/format.h>

#include "mnemos/embedded.h"
#include "server/grpc_server.h"
#include "streams.grpc.pb.h"
#include "system_probe.h"

namespace mnemos::bench {
namespace {

namespace streams = event_store::client::streams;

[[noreturn]] void fail(const std::string& what, const grpc::Status& status) {
  throw BenchFailure(fmt::format("grpc: {}: {} ({})", what, status.error_message(), static_cast<int>(status.error_code())));
}

std::string uuid_text(const std::array<uint8_t, 16>& bytes) {
  Uuid id;
  id.bytes = bytes;
  return id.to_string();
}

// Each connection is a client of its own: its own channel and TCP connection.
class GrpcConnection : public Connection {
 public:
  GrpcConnection(const std::string& address, const std::string& prefix) : prefix_(prefix) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetMaxReceiveMessageSize(17 << 20);
    stub_ = streams::Streams::NewStub(grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
  }

  ~GrpcConnection() override {
    if (batch_) {
      batch_->WritesDone();
      batch_->Finish();
    }
  }

  // As the official clients do once ServerFeatures lists BatchAppend: every append of this
  // connection goes over one long-lived stream, one request and one answer each.
  AppendOutcome append(std::string_view stream, int64_t expected, std::span<const BenchEvent> events) override {
    if (!batch_) {
      batch_context_ = std::make_unique<grpc::ClientContext>();
      batch_ = stub_->BatchAppend(batch_context_.get());
    }
    streams::BatchAppendReq request;
    request.mutable_correlation_id()->set_string(Uuid::random().to_string());
    auto* options = request.mutable_options();
    options->mutable_stream_identifier()->set_stream_name(prefix_ + std::string(stream));
    if (expected < 0) {
      options->mutable_no_stream();
    } else {
      options->set_stream_position(static_cast<uint64_t>(expected));
    }
    for (const BenchEvent& e : events) {
      auto* m = request.add_proposed_messages();
      m->mutable_id()->set_string(uuid_text(e.id));
      (*m->mutable_metadata())["type"] = std::string(kEventType);
      (*m->mutable_metadata())["content-type"] = "application/json";
      m->set_data(e.data);
    }
    request.set_is_final(true);
    streams::BatchAppendResp response;
    if (!batch_->Write(request) || !batch_->Read(&response)) {
      const grpc::Status status = batch_->Finish();
      batch_.reset();  // finished: the destructor must not finish it again
      fail(fmt::format("append {}", stream), status);
    }
    if (response.has_success()) return AppendOutcome::kOk;
    if (response.has_error() &&
        response.error().details().type_url().ends_with("event_store.client.WrongExpectedVersion")) {
      return AppendOutcome::kWrongExpectedRevision;
    }
    throw BenchFailure(fmt::format("grpc: append {}: {}", stream, response.error().message()));
  }

  size_t read_all_page(AllCursor& cursor, size_t limit, const EventVisitor& visit) override {
    streams::ReadReq request;
    auto* o = request.mutable_options();
    o->mutable_all()->mutable_position()->set_commit_position(cursor.token);
    o->mutable_all()->mutable_position()->set_prepare_position(cursor.token);
    o->set_count(limit);
    o->mutable_uuid_option()->mutable_string();
    if (prefix_.empty()) {
      o->mutable_no_filter();
    } else {
      o->mutable_filter()->mutable_stream_identifier()->add_prefix(prefix_);
    }
    size_t seen = 0;
    read(request, [&](const streams::ReadResp::ReadEvent::RecordedEvent& e) {
      visit(view(e));
      cursor.token = e.commit_position() + 1;
      ++seen;
    });
    if (seen < limit) cursor.done = true;
    return seen;
  }

  size_t read_stream(std::string_view stream, const EventVisitor& visit) override {
    streams::ReadReq request;
    auto* o = request.mutable_options();
    o->mutable_stream()->mutable_stream_identifier()->set_stream_name(prefix_ + std::string(stream));
    o->mutable_stream()->mutable_start();
    o->set_count(std::numeric_limits<uint64_t>::max());
    o->mutable_no_filter();
    o->mutable_uuid_option()->mutable_string();
    size_t seen = 0;
    read(request, [&](const streams::ReadResp::ReadEvent::RecordedEvent& e) {
      visit(view(e));
      ++seen;
    });
    return seen;
  }

 private:
  static constexpr std::string_view kEventType = "ItemAdded";

  template <class OnEvent>
  void read(const streams::ReadReq& request, OnEvent&& on_event) {
    grpc::ClientContext context;
    auto reader = stub_->Read(&context, request);
    streams::ReadResp response;
    while (reader->Read(&response)) {
      if (response.has_stream_not_found()) throw BenchFailure("grpc: read of a stream that is not there");
      if (response.has_event()) on_event(response.event().event());
    }
    const grpc::Status status = reader->Finish();
    if (!status.ok()) fail("read", status);
  }

  EventView view(const streams::ReadResp::ReadEvent::RecordedEvent& e) const {
    const std::string& name = e.stream_identifier().stream_name();
    const auto created = e.metadata().find("created");
    const auto type = e.metadata().find("type");
    EventView v;
    v.position = e.commit_position();
    v.stream = std::string_view(name).substr(std::min(prefix_.size(), name.size()));
    v.version = static_cast<int64_t>(e.stream_revision());
    v.type = type == e.metadata().end() ? std::string_view() : std::string_view(type->second);
    v.data = e.data();
    v.timestamp_us = created == e.metadata().end() ? 0 : std::stoll(created->second) / 10;
    return v;
  }

  std::string prefix_;
  std::unique_ptr<streams::Streams::Stub> stub_;
  std::unique_ptr<grpc::ClientContext> batch_context_;
  std::unique_ptr<grpc::ClientReaderWriter<streams::BatchAppendReq, streams::BatchAppendResp>> batch_;
};

class GrpcPeer : public Peer {
 public:
  explicit GrpcPeer(std::string target) : target_(std::move(target)) {}

  std::string_view name() const override { return "grpc"; }

  void open(const std::string& dir) override {
    dir_ = dir;
    if (!target_.empty()) {
      // Streams of this store get a prefix of their own on the shared server.
      prefix_ = fmt::format("bench-{}-", Uuid::random().to_string().substr(0, 8));
      address_ = target_;
      return;
    }
    auto store = open_embedded(dir);
    if (!store) throw BenchFailure(fmt::format("grpc: open {}: {}", dir, store.error().to_string()));
    store_ = std::move(*store);
    server::GrpcOptions options;
    options.addresses = {"127.0.0.1:0"};
    auto server = server::GrpcServer::start(*store_, options);
    if (!server) throw BenchFailure("grpc: " + server.error().to_string());
    server_ = std::move(*server);
    address_ = fmt::format("127.0.0.1:{}", server_->ports().front());
  }

  std::unique_ptr<Connection> connect() override { return std::make_unique<GrpcConnection>(address_, prefix_); }

  // As the in-process peer measures it; nothing for a remote target.
  DiskUsage close() override {
    if (!store_) return DiskUsage{};
    server_.reset();
    auto stats = store_->stats();
    if (!stats) throw BenchFailure("grpc: stats: " + stats.error().to_string());
    store_.reset();
    return DiskUsage{stats->log_bytes + file_bytes(dir_ + "/index"), allocated_bytes(dir_)};
  }

 private:
  std::string target_;
  std::string dir_, address_, prefix_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<server::GrpcServer> server_;
};

}  // namespace

std::unique_ptr<Peer> make_grpc_peer(const std::string& target) { return std::make_unique<GrpcPeer>(target); }

}  // namespace mnemos::bench
