#include "nats/jetstream.h"

#include <fmt/format.h>
#include <nats/nats.h>

#include <algorithm>
#include <charconv>
#include <string>
#include <vector>

namespace mnemos::nats {
namespace {

constexpr std::string_view kMsgIdHeader = "Nats-Msg-Id";
constexpr std::string_view kExpectedSubjectSeqHeader = "Nats-Expected-Last-Subject-Sequence";

std::string last_error_text(natsStatus s) {
  const char* text = nats_GetLastError(nullptr);
  if (text != nullptr && *text != '\0') return text;
  return natsStatus_GetText(s);
}

// "wrong last sequence: 5" -> 5 (the server names the subject's actual last sequence).
std::optional<uint64_t> trailing_number(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto digits = text.substr(colon + 1);
  while (!digits.empty() && digits.front() == ' ') digits.remove_prefix(1);
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end == digits.data()) return std::nullopt;
  return value;
}

Error to_error(natsStatus s, jsErrCode jerr, std::string_view text, std::string_view what) {
  if (jerr == JSStreamWrongLastSequenceErr) {
    Error e{ErrorCode::kWrongExpectedRevision, fmt::format("{}: {}", what, text), std::nullopt,
            trailing_number(text)};
    return e;
  }
  ErrorCode code = ErrorCode::kIoError;
  if (s == NATS_TIMEOUT) code = ErrorCode::kTimeout;
  if (s == NATS_MAX_PAYLOAD) code = ErrorCode::kTooLarge;
  std::string message = fmt::format("{}: {}", what, text);
  if (jerr != 0) message += fmt::format(" (JetStream error {})", static_cast<int>(jerr));
  return Error{code, std::move(message), std::nullopt, std::nullopt};
}

std::unexpected<Error> fail(natsStatus s, jsErrCode jerr, std::string_view what) {
  return std::unexpected(to_error(s, jerr, last_error_text(s), what));
}

// An owned natsMsg with the Mnemos headers; released to nats.c on an async publish.
struct MsgPtr {
  natsMsg* msg = nullptr;
  ~MsgPtr() { natsMsg_Destroy(msg); }
};

Result<natsMsg*> build_message(const Publication& p, MsgPtr& holder) {
  std::string subject(p.subject);
  natsStatus s = natsMsg_Create(&holder.msg, subject.c_str(), nullptr, p.payload.data(),
                                static_cast<int>(p.payload.size()));
  if (s != NATS_OK) return fail(s, static_cast<jsErrCode>(0), "creating a message");
  if (!p.msg_id.empty()) {
    std::string id(p.msg_id);
    s = natsMsgHeader_Set(holder.msg, kMsgIdHeader.data(), id.c_str());
    if (s != NATS_OK) return fail(s, static_cast<jsErrCode>(0), "setting Nats-Msg-Id");
  }
  if (p.expected_last_subject_sequence) {
    std::string seq = std::to_string(*p.expected_last_subject_sequence);
    s = natsMsgHeader_Set(holder.msg, kExpectedSubjectSeqHeader.data(), seq.c_str());
    if (s != NATS_OK) return fail(s, static_cast<jsErrCode>(0), "setting the expected sequence");
  }
  return holder.msg;
}

}  // namespace

std::vector<std::string> split_urls(std::string_view urls) {
  std::vector<std::string> out;
  for (size_t start = 0; start <= urls.size();) {
    size_t comma = std::min(urls.find(',', start), urls.size());
    if (comma > start) out.emplace_back(urls.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

Connection::Connection(ConnectOptions options, natsConnection* nc, jsCtx* js)
    : options_(std::move(options)), nc_(nc), js_(js) {}

Connection::~Connection() {
  jsCtx_Destroy(js_);
  if (nc_ != nullptr) {
    natsConnection_Close(nc_);
    natsConnection_Destroy(nc_);
  }
}

Result<std::unique_ptr<Connection>> Connection::connect(const ConnectOptions& options) {
  natsOptions* opts = nullptr;
  natsStatus s = natsOptions_Create(&opts);
  // The list goes in as servers: natsOptions_SetURL takes one URL only.
  std::vector<std::string> urls = split_urls(options.urls);
  std::vector<const char*> servers;
  for (const auto& u : urls) servers.push_back(u.c_str());
  if (s == NATS_OK) s = natsOptions_SetServers(opts, servers.data(), static_cast<int>(servers.size()));
  if (s == NATS_OK) s = natsOptions_SetName(opts, options.name.c_str());
  if (s == NATS_OK) s = natsOptions_SetTimeout(opts, options.timeout.count());
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts, -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(opts, 100);
  natsConnection* nc = nullptr;
  if (s == NATS_OK) s = natsConnection_Connect(&nc, opts);
  natsOptions_Destroy(opts);
  if (s != NATS_OK) {
    return fail(s, static_cast<jsErrCode>(0), fmt::format("connecting to {}", options.urls));
  }
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = options.timeout.count();
  jsCtx* js = nullptr;
  s = natsConnection_JetStream(&js, nc, &jo);
  if (s != NATS_OK) {
    auto error = fail(s, static_cast<jsErrCode>(0), "opening the JetStream context");
    natsConnection_Destroy(nc);
    return error;
  }
  return std::unique_ptr<Connection>(new Connection(options, nc, js));
}

int64_t Connection::max_payload() const { return natsConnection_GetMaxPayload(nc_); }

Status Connection::ensure_stream(const StreamSpec& spec) {
  std::string subjects = spec.subject_prefix + ".>";
  const char* subject_list[] = {subjects.c_str()};
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  cfg.Name = spec.name.c_str();
  cfg.Subjects = subject_list;
  cfg.SubjectsLen = 1;
  cfg.Storage = js_FileStorage;
  cfg.Replicas = spec.replicas;
  cfg.Duplicates = std::chrono::duration_cast<std::chrono::nanoseconds>(spec.duplicate_window).count();
  jsStreamInfo* si = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_AddStream(&si, js_, &cfg, nullptr, &jerr);
  if (s != NATS_OK && jerr == JSStreamNameExistErr) {  // exists with another configuration
    jerr = static_cast<jsErrCode>(0);
    s = js_UpdateStream(&si, js_, &cfg, nullptr, &jerr);
  }
  jsStreamInfo_Destroy(si);
  if (s != NATS_OK) return fail(s, jerr, fmt::format("ensuring stream {}", spec.name));
  return {};
}

Status Connection::delete_stream(std::string_view name) {
  std::string n(name);
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_DeleteStream(js_, n.c_str(), nullptr, &jerr);
  if (s != NATS_OK && jerr != JSStreamNotFoundErr) {
    return fail(s, jerr, fmt::format("deleting stream {}", name));
  }
  return {};
}

Status Connection::check_limits(const Publication& p) const {
  if (p.subject.size() > options_.max_subject_bytes) {
    return make_error(ErrorCode::kTooLarge,
                      fmt::format("subject is {} bytes, over the limit of {} bytes "
                                  "(ConnectOptions::max_subject_bytes; the server's "
                                  "max_control_line is 4096 by default)",
                                  p.subject.size(), options_.max_subject_bytes));
  }
  // Headers travel inside max_payload too: "NATS/1.0\r\n", "Key: value\r\n" each, "\r\n".
  size_t headers = 12 + 2;
  if (!p.msg_id.empty()) headers += kMsgIdHeader.size() + 4 + p.msg_id.size();
  if (p.expected_last_subject_sequence) headers += kExpectedSubjectSeqHeader.size() + 4 + 20;
  auto limit = static_cast<size_t>(max_payload());
  if (p.payload.size() + headers > limit) {
    return make_error(ErrorCode::kTooLarge,
                      fmt::format("message is {} bytes with headers, over the server's "
                                  "max_payload of {} bytes (max_payload in the server config)",
                                  p.payload.size() + headers, limit));
  }
  return {};
}

Result<PublishAck> Connection::publish(const Publication& p) {
  if (auto ok = check_limits(p); !ok) return std::unexpected(ok.error());
  MsgPtr holder;
  auto msg = build_message(p, holder);
  if (!msg) return std::unexpected(msg.error());
  jsPubAck* pa = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_PublishMsg(&pa, js_, *msg, nullptr, &jerr);
  if (s != NATS_OK) return fail(s, jerr, fmt::format("publishing to {}", p.subject));
  PublishAck ack{pa->Sequence, pa->Duplicate ? Duplicate::kYes : Duplicate::kNo};
  jsPubAck_Destroy(pa);
  return ack;
}

Result<StreamInfo> Connection::stream_info(std::string_view stream) {
  std::string n(stream);
  jsStreamInfo* si = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&si, js_, n.c_str(), nullptr, &jerr);
  if (s != NATS_OK) return fail(s, jerr, fmt::format("reading stream info of {}", stream));
  StreamInfo info{si->State.Msgs, si->State.FirstSeq, si->State.LastSeq, si->Created, {}};
  if (si->Cluster != nullptr && si->Cluster->Leader != nullptr) info.leader = si->Cluster->Leader;
  jsStreamInfo_Destroy(si);
  return info;
}

Result<uint64_t> Connection::stream_messages(std::string_view stream) {
  auto info = stream_info(stream);
  if (!info) return std::unexpected(info.error());
  return info->messages;
}

Result<uint64_t> Connection::last_subject_sequence(std::string_view stream,
                                                   std::string_view subject) {
  std::string n(stream);
  std::string subj(subject);
  natsMsg* msg = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetLastMsg(&msg, js_, n.c_str(), subj.c_str(), nullptr, &jerr);
  if (s == NATS_NOT_FOUND || jerr == JSNoMessageFoundErr) return uint64_t{0};
  if (s != NATS_OK) return fail(s, jerr, fmt::format("reading the last message of {}", subject));
  uint64_t seq = natsMsg_GetSequence(msg);
  natsMsg_Destroy(msg);
  return seq;
}

// nats.c calls this for every async acknowledgement, positive or not.
struct AckRouter {
  static void on_ack(jsCtx*, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* closure) {
    auto* self = static_cast<AsyncPublisher*>(closure);
    const char* id = nullptr;
    if (msg != nullptr && natsMsgHeader_Get(msg, kMsgIdHeader.data(), &id) != NATS_OK) id = nullptr;
    std::string_view msg_id = id != nullptr ? std::string_view(id) : std::string_view();
    if (pa != nullptr) {
      self->record(msg_id, PublishAck{pa->Sequence, pa->Duplicate ? Duplicate::kYes : Duplicate::kNo});
    } else if (pae != nullptr) {
      std::string text = pae->ErrText != nullptr ? pae->ErrText : natsStatus_GetText(pae->Err);
      self->record(msg_id, std::unexpected(to_error(pae->Err, pae->ErrCode, text, "async publish")));
    }
    natsMsg_Destroy(msg);
  }
};

AsyncPublisher::AsyncPublisher(Connection& connection, AckCallback on_ack)
    : connection_(connection), on_ack_(std::move(on_ack)) {}

Result<std::unique_ptr<AsyncPublisher>> AsyncPublisher::create(Connection& connection,
                                                               int64_t max_in_flight,
                                                               AckCallback on_ack) {
  std::unique_ptr<AsyncPublisher> self(new AsyncPublisher(connection, std::move(on_ack)));
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = connection.options().timeout.count();
  jo.PublishAsync.MaxPending = max_in_flight;
  jo.PublishAsync.StallWait = connection.options().timeout.count();
  jo.PublishAsync.AckHandler = &AckRouter::on_ack;
  jo.PublishAsync.AckHandlerClosure = self.get();
  natsStatus s = natsConnection_JetStream(&self->js_, connection.raw(), &jo);
  if (s != NATS_OK) return fail(s, static_cast<jsErrCode>(0), "opening a JetStream context");
  return self;
}

AsyncPublisher::~AsyncPublisher() {
  if (js_ == nullptr) return;
  (void)wait_all(connection_.options().timeout);
  jsCtx_Destroy(js_);
}

void AsyncPublisher::record(std::string_view msg_id, const Result<PublishAck>& result) {
  if (result) {
    acked_.fetch_add(1);
  } else {
    failed_.fetch_add(1);
    std::lock_guard lock(mutex_);
    if (!first_error_) first_error_ = result.error();
  }
  if (on_ack_) on_ack_(msg_id, result);
}

std::optional<Error> AsyncPublisher::first_error() const {
  std::lock_guard lock(mutex_);
  return first_error_;
}

Status AsyncPublisher::publish(const Publication& p) {
  if (auto ok = connection_.check_limits(p); !ok) return ok;
  MsgPtr holder;
  auto msg = build_message(p, holder);
  if (!msg) return std::unexpected(msg.error());
  // On success nats.c owns the message and sets holder.msg to null. No jsPubOptions.MaxWait:
  // its timer has a known fault when the context is destroyed (nats.c issue 880).
  natsStatus s = js_PublishMsgAsync(js_, &holder.msg, nullptr);
  if (s != NATS_OK) return fail(s, static_cast<jsErrCode>(0), fmt::format("publishing to {}", p.subject));
  return {};
}

Status AsyncPublisher::wait_all(std::chrono::milliseconds timeout) {
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = timeout.count();
  natsStatus s = js_PublishAsyncComplete(js_, &po);
  if (s != NATS_OK) return fail(s, static_cast<jsErrCode>(0), "waiting for async acknowledgements");
  return {};
}

Result<std::unique_ptr<OrderedConsumer>> OrderedConsumer::create(Connection& connection,
                                                                 std::string_view stream,
                                                                 std::string_view subjects,
                                                                 uint64_t start_sequence) {
  std::string stream_name(stream);
  std::string subject(subjects);
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = stream_name.c_str();
  so.Ordered = true;
  if (start_sequence > 1) {
    so.Config.DeliverPolicy = js_DeliverByStartSequence;
    so.Config.OptStartSeq = start_sequence;
  } else {
    so.Config.DeliverPolicy = js_DeliverAll;
  }
  natsSubscription* sub = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_SubscribeSync(&sub, connection.jetstream(), subject.c_str(), nullptr, &so, &jerr);
  if (s != NATS_OK) return fail(s, jerr, fmt::format("following stream {}", stream));
  // Catch-up delivers as fast as the server can: let the client buffer a good stretch (the
  // defaults, 65,536 messages / 64 MiB, make a slow applier a "slow consumer" sooner).
  s = natsSubscription_SetPendingLimits(sub, 1 << 20, 512 << 20);
  if (s != NATS_OK) {
    natsSubscription_Destroy(sub);
    return fail(s, static_cast<jsErrCode>(0), "setting the consumer's pending limits");
  }
  return std::unique_ptr<OrderedConsumer>(new OrderedConsumer(sub));
}

OrderedConsumer::~OrderedConsumer() {
  natsSubscription_Unsubscribe(sub_);
  natsSubscription_Destroy(sub_);
}

Result<size_t> OrderedConsumer::next_batch(std::vector<ReceivedMessage>& out, size_t max, size_t max_bytes,
                                           std::chrono::milliseconds timeout,
                                           const std::function<bool()>& want_msg_id) {
  size_t added = 0;
  size_t bytes = 0;
  while (added < max && bytes < max_bytes) {
    natsMsg* msg = nullptr;
    natsStatus s = natsSubscription_NextMsg(&msg, sub_, added == 0 ? timeout.count() : 0);
    if (s == NATS_TIMEOUT) break;
    if (s != NATS_OK) return fail(s, static_cast<jsErrCode>(0), "receiving from the stream");
    jsMsgMetaData* meta = nullptr;
    s = natsMsg_GetMetaData(&meta, msg);
    if (s != NATS_OK) {
      natsMsg_Destroy(msg);
      return fail(s, static_cast<jsErrCode>(0), "reading a message's JetStream metadata");
    }
    ReceivedMessage m;
    m.sequence = meta->Sequence.Stream;
    m.timestamp_nanos = meta->Timestamp;
    jsMsgMetaData_Destroy(meta);
    const char* id = nullptr;
    if ((!want_msg_id || want_msg_id()) && natsMsgHeader_Get(msg, kMsgIdHeader.data(), &id) == NATS_OK &&
        id != nullptr) {
      m.msg_id = id;
    }
    m.payload.assign(natsMsg_GetData(msg), static_cast<size_t>(natsMsg_GetDataLength(msg)));
    natsMsg_Destroy(msg);
    bytes += m.payload.size();
    out.push_back(std::move(m));
    ++added;
  }
  return added;
}

}  // namespace mnemos::nats
