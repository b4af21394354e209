#include "store_conformance.h"

#include <nlohmann/json.hpp>

#include <sstream>
#include <thread>

namespace mnemos::conformance {

void PrintTo(const StoreFactory& factory, std::ostream* os) { *os << factory.name; }

std::string factory_name(const testing::TestParamInfo<StoreFactory>& info) {
  return info.param.name;
}

EventData json_event(std::string type, std::string data, std::string metadata) {
  EventData e;
  e.type = std::move(type);
  e.data = std::move(data);
  e.metadata = std::move(metadata);
  return e;
}

EventData binary_event(std::string type, std::string data, std::string metadata) {
  EventData e = json_event(std::move(type), std::move(data), std::move(metadata));
  e.data_type = ContentType::kBinary;
  e.metadata_type = ContentType::kBinary;
  return e;
}

EventData with_id(EventData event, Uuid id) {
  event.id = id;
  return event;
}

std::vector<EventData> numbered_events(size_t n, const std::string& type, int first) {
  std::vector<EventData> events;
  for (size_t k = 0; k < n; ++k) {
    events.push_back(json_event(type, "{\"i\":" + std::to_string(first + static_cast<int>(k)) + "}"));
  }
  return events;
}

namespace {

std::string printable(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes.substr(0, 64)) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  if (bytes.size() > 64) out += "...(" + std::to_string(bytes.size()) + " bytes)";
  return out;
}

}  // namespace

std::string describe(const RecordedEvent& e) {
  std::ostringstream os;
  os << "{stream=" << printable(e.stream) << " rev=" << e.revision.value
     << " pos=" << e.position.value << " id=" << e.id.to_string() << " type=" << printable(e.type)
     << " ts=" << e.timestamp.micros << " data=" << printable(e.data)
     << " meta=" << printable(e.metadata) << " data_type=" << static_cast<int>(e.data_type)
     << " meta_type=" << static_cast<int>(e.metadata_type) << "}";
  return os.str();
}

testing::AssertionResult same_content(const EventData& sent, const RecordedEvent& read) {
  if (sent.id && *sent.id != read.id) {
    return testing::AssertionFailure() << "id " << read.id.to_string() << " != sent "
                                       << sent.id->to_string() << " in " << describe(read);
  }
  if (sent.type != read.type || sent.data != read.data || sent.metadata != read.metadata ||
      sent.data_type != read.data_type || sent.metadata_type != read.metadata_type) {
    return testing::AssertionFailure() << "content differs: sent type=" << printable(sent.type)
                                       << " data=" << printable(sent.data)
                                       << " meta=" << printable(sent.metadata) << ", read "
                                       << describe(read);
  }
  return testing::AssertionSuccess();
}

namespace {

bool equal(const RecordedEvent& a, const RecordedEvent& b) {
  return a.stream == b.stream && a.revision == b.revision && a.position == b.position &&
         a.id == b.id && a.type == b.type && a.timestamp == b.timestamp && a.data == b.data &&
         a.metadata == b.metadata && a.data_type == b.data_type &&
         a.metadata_type == b.metadata_type;
}

}  // namespace

testing::AssertionResult same_events(const std::vector<RecordedEvent>& actual,
                                     const std::vector<RecordedEvent>& expected) {
  const size_t n = std::min(actual.size(), expected.size());
  for (size_t i = 0; i < n; ++i) {
    if (!equal(actual[i], expected[i])) {
      return testing::AssertionFailure() << "event " << i << " differs:\n  actual   "
                                         << describe(actual[i]) << "\n  expected "
                                         << describe(expected[i]);
    }
  }
  if (actual.size() != expected.size()) {
    auto failure = testing::AssertionFailure();
    failure << actual.size() << " events, expected " << expected.size();
    if (actual.size() > n) failure << "; first extra: " << describe(actual[n]);
    if (expected.size() > n) failure << "; first missing: " << describe(expected[n]);
    return failure;
  }
  return testing::AssertionSuccess();
}

std::vector<uint64_t> revisions_of(const std::vector<RecordedEvent>& events) {
  std::vector<uint64_t> out;
  for (const auto& e : events) out.push_back(e.revision.value);
  return out;
}

std::vector<uint64_t> positions_of(const std::vector<RecordedEvent>& events) {
  std::vector<uint64_t> out;
  for (const auto& e : events) out.push_back(e.position.value);
  return out;
}

testing::AssertionResult same_json(std::string_view actual, std::string_view expected) {
  auto a = nlohmann::json::parse(actual, nullptr, /*allow_exceptions=*/false);
  auto e = nlohmann::json::parse(expected, nullptr, /*allow_exceptions=*/false);
  if (a.is_discarded()) return testing::AssertionFailure() << "not JSON: " << actual;
  if (a != e) {
    return testing::AssertionFailure() << "JSON " << a.dump() << " != expected " << e.dump();
  }
  return testing::AssertionSuccess();
}

int64_t now_micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool receive_until(Subscription& subscription, Received& received,
                   const std::function<bool(const Received&)>& done,
                   std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done(received)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || received.error) return false;
    auto message = subscription.next(std::min(left, std::chrono::milliseconds(100)));
    if (!message) {
      received.error = message.error();
      return done(received);
    }
    if (!message->has_value()) continue;  // timed out: look at the deadline again
    if (auto* event = std::get_if<RecordedEvent>(&**message)) {
      received.events.push_back(std::move(*event));
    } else if (auto* caught_up = std::get_if<CaughtUp>(&**message)) {
      if (received.caught_up++ == 0) {
        received.caught_up_head = caught_up->head;
        received.events_before_caught_up = received.events.size();
      }
    } else if (auto* checkpoint = std::get_if<Checkpoint>(&**message)) {
      received.checkpoints.push_back(checkpoint->position);
      received.events_before_checkpoint.push_back(received.events.size());
    }
  }
  return true;
}

bool nothing_more(Subscription& subscription, Received& received,
                  std::chrono::milliseconds quiet) {
  const size_t events = received.events.size();
  const size_t caught_up = received.caught_up;
  receive_until(subscription, received, [](const Received&) { return false; }, quiet);
  return received.events.size() == events && received.caught_up == caught_up &&
         !received.error;
}

void StoreConformance::SetUp() {
  store_ = GetParam().open(dir());
  ASSERT_NE(store_, nullptr) << "factory " << GetParam().name << " could not open " << dir();
}

void StoreConformance::TearDown() { store_.reset(); }

void StoreConformance::reopen() {
  store_.reset();
  store_ = GetParam().open(dir());
  ASSERT_NE(store_, nullptr) << "factory " << GetParam().name << " could not reopen " << dir();
}

AppendResult StoreConformance::append_ok(std::string_view stream, ExpectedRevision expected,
                                         std::vector<EventData> events) {
  auto result = store_->append(stream, expected, std::move(events));
  if (!result) {
    ADD_FAILURE() << "append to " << stream << " (" << expected.to_string()
                  << "): " << result.error().to_string();
    return {};
  }
  return *result;
}

std::vector<RecordedEvent> StoreConformance::read_stream_ok(std::string_view stream,
                                                            ReadStreamOptions options) {
  auto result = store_->read_stream(stream, options);
  if (!result) {
    ADD_FAILURE() << "read_stream " << stream << ": " << result.error().to_string();
    return {};
  }
  return std::move(result->events);
}

std::vector<RecordedEvent> StoreConformance::read_all_ok(ReadAllOptions options) {
  auto result = store_->read_all(options);
  if (!result) {
    ADD_FAILURE() << "read_all: " << result.error().to_string();
    return {};
  }
  return std::move(result->events);
}

uint64_t StoreConformance::event_count() {
  auto stats = store_->stats();
  if (!stats) {
    ADD_FAILURE() << "stats: " << stats.error().to_string();
    return 0;
  }
  return stats->events;
}

std::vector<uint64_t> StoreConformance::revisions(std::string_view stream, Direction direction) {
  ReadStreamOptions o;
  o.direction = direction;
  return revisions_of(read_stream_ok(stream, o));
}

void StoreConformance::expect_stream_holds(const std::vector<RecordedEvent>& read,
                                           std::string_view stream,
                                           const std::vector<EventData>& sent) {
  ASSERT_EQ(read.size(), sent.size());
  for (size_t i = 0; i < read.size(); ++i) {
    EXPECT_EQ(read[i].revision.value, i);
    EXPECT_EQ(read[i].stream, stream);
    EXPECT_TRUE(same_content(sent[i], read[i]));
  }
}

std::vector<AppendResult> StoreConformance::appends_at_increasing_times(
    size_t n, size_t events_per_append, const std::function<std::string(size_t)>& stream_of) {
  std::vector<AppendResult> results;
  Timestamp last{0};
  for (size_t i = 0; i < n; ++i) {
    results.push_back(append_later_than(last, stream_of(i), numbered_events(events_per_append)));
    last = results.back().timestamp;
  }
  return results;
}

AppendResult StoreConformance::append_later_than(Timestamp after, std::string_view stream,
                                                 std::vector<EventData> events) {
  while (now_micros() <= after.micros) std::this_thread::yield();
  return append_ok(stream, ExpectedRevision::any(), std::move(events));
}

}  // namespace mnemos::conformance
