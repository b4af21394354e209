// The Store contract, written once against mnemos::Store and run on every backend.
//
// A backend joins by instantiating the suite with a factory:
//
//   INSTANTIATE_TEST_SUITE_P(MyBackend, StoreConformance,
//                            testing::Values(StoreFactory{"my_backend", open_my_backend}),
//                            conformance::factory_name);
//
// and linking the static library mnemos_conformance_suite whole (its tests register themselves).
// `open(dir)` on a fresh empty directory must give an empty store; on a directory that held a
// store (after the previous one was destroyed) it must give that store back, unless
// `supports_reopen` is false. Multi-threaded tests have "Concurrent" in their names so that the
// TSan run can select them with --gtest_filter=*Concurrent*.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "mnemos/store.h"
#include "support/temp_dir.h"

namespace mnemos::conformance {

struct StoreFactory {
  std::string name;
  // Returns nullptr (after reporting why with ADD_FAILURE) when the store cannot be opened.
  std::function<std::unique_ptr<mnemos::Store>(const std::string& dir)> open;
  bool supports_reopen = true;
  uint64_t max_event_size = 16ull << 20;  // the limit the opened store enforces
};

void PrintTo(const StoreFactory& factory, std::ostream* os);
// For INSTANTIATE_TEST_SUITE_P: names each instantiation after its factory.
std::string factory_name(const testing::TestParamInfo<StoreFactory>& info);

// ---- Building events ----

// A JSON event; `data` must be JSON (empty means no payload).
EventData json_event(std::string type, std::string data = "{}", std::string metadata = "");
EventData binary_event(std::string type, std::string data, std::string metadata = "");
EventData with_id(EventData event, Uuid id);
// `n` JSON events with types `type` and data {"i":<k>}, k from `first`.
std::vector<EventData> numbered_events(size_t n, const std::string& type = "Numbered",
                                       int first = 0);

// ---- Comparing ----

std::string describe(const RecordedEvent& event);
// The content an append sent (id, type, data, metadata, content types) matches the event read.
testing::AssertionResult same_content(const EventData& sent, const RecordedEvent& read);
// Every field of every event is equal, in order.
testing::AssertionResult same_events(const std::vector<RecordedEvent>& actual,
                                     const std::vector<RecordedEvent>& expected);
std::vector<uint64_t> revisions_of(const std::vector<RecordedEvent>& events);
std::vector<uint64_t> positions_of(const std::vector<RecordedEvent>& events);
// Parses both as JSON and compares the values.
testing::AssertionResult same_json(std::string_view actual, std::string_view expected);
int64_t now_micros();

// ---- Subscriptions ----

// What a subscription delivered, in order.
struct Received {
  std::vector<RecordedEvent> events;
  size_t caught_up = 0;                      // CaughtUp messages
  std::optional<Position> caught_up_head;    // from the first CaughtUp
  size_t events_before_caught_up = 0;
  std::vector<Position> checkpoints;
  std::vector<size_t> events_before_checkpoint;  // one per checkpoint
  std::optional<Error> error;                // next() failed (the subscription is over)
};

// Calls next() until `done(received)` holds, next() fails, or `timeout` passes. Returns whether
// `done` holds.
bool receive_until(Subscription& subscription, Received& received,
                   const std::function<bool(const Received&)>& done,
                   std::chrono::milliseconds timeout = std::chrono::seconds(30));
// Keeps receiving for `quiet` and returns true when nothing more arrived.
bool nothing_more(Subscription& subscription, Received& received,
                  std::chrono::milliseconds quiet = std::chrono::milliseconds(200));

// ---- The fixture ----

class StoreConformance : public testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override;
  void TearDown() override;

  Store& store() { return *store_; }
  const std::string& dir() const { return dir_.path(); }
  // Closes the store and opens it again on the same directory. Call through REOPEN_OR_SKIP().
  void reopen();
  bool supports_reopen() const { return GetParam().supports_reopen; }
  // Destroys the store (subscriptions must report kStopped afterwards).
  void close() { store_.reset(); }

  // Appends and asserts success (ADD_FAILURE and a zero result otherwise).
  AppendResult append_ok(std::string_view stream, ExpectedRevision expected,
                         std::vector<EventData> events);
  // Every event of the stream, forwards; empty (with a failure) on error.
  std::vector<RecordedEvent> read_stream_ok(std::string_view stream, ReadStreamOptions options = {});
  std::vector<RecordedEvent> read_all_ok(ReadAllOptions options = {});
  uint64_t event_count();  // stats().events
  // The revisions read_stream returns, forwards or backwards.
  std::vector<uint64_t> revisions(std::string_view stream,
                                  Direction direction = Direction::kForwards);
  // Checks that `read` holds exactly `sent`, in order, as revisions 0.. of `stream`.
  void expect_stream_holds(const std::vector<RecordedEvent>& read, std::string_view stream,
                           const std::vector<EventData>& sent);
  // `n` appends of `events_per_append` events, each committed strictly later than the one
  // before; `stream_of(i)` names the stream of the i-th.
  std::vector<AppendResult> appends_at_increasing_times(
      size_t n, size_t events_per_append,
      const std::function<std::string(size_t)>& stream_of = [](size_t) { return "s"; });
  // Appends one JSON event to `stream` once the clock has passed `after`, so that its
  // timestamp is strictly later than `after` on any store with µs timestamps.
  AppendResult append_later_than(Timestamp after, std::string_view stream,
                                 std::vector<EventData> events);

 private:
  test::TempDir dir_{"conformance"};
  std::unique_ptr<Store> store_;
};

#define REOPEN_OR_SKIP()                                                  \
  do {                                                                    \
    if (!supports_reopen()) GTEST_SKIP() << "backend cannot be reopened"; \
    ASSERT_NO_FATAL_FAILURE(reopen());                                    \
  } while (0)

// Asserts that `result` (a Result<T>) failed with `code`.
#define EXPECT_ERROR_CODE(result, expected_code)                                         \
  do {                                                                                   \
    const auto& r_ = (result);                                                           \
    if (r_) {                                                                            \
      ADD_FAILURE() << #result " succeeded; expected " << error_code_name(expected_code); \
    } else {                                                                             \
      EXPECT_EQ(r_.error().code, expected_code) << r_.error().to_string();               \
    }                                                                                    \
  } while (0)

#define ASSERT_OK(result)                                                    \
  do {                                                                       \
    const auto& r_ = (result);                                               \
    ASSERT_TRUE(r_.has_value()) << #result ": " << r_.error().to_string();   \
  } while (0)

}  // namespace mnemos::conformance
