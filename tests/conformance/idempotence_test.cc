// Semantic 2: re-sending an append whose event ids were already written at the same place
// returns the original result and writes nothing.
#include "store_conformance.h"

namespace mnemos::conformance {
namespace {

std::vector<EventData> events_with_ids(size_t n, const std::string& type) {
  std::vector<EventData> events = numbered_events(n, type);
  for (auto& e : events) e.id = Uuid::random();
  return events;
}

void expect_same_result(const AppendResult& actual, const AppendResult& original) {
  EXPECT_EQ(actual.first_revision, original.first_revision);
  EXPECT_EQ(actual.last_revision, original.last_revision);
  EXPECT_EQ(actual.position, original.position);
  EXPECT_EQ(actual.timestamp, original.timestamp);
}

// Re-sends `events` with `expected` and checks that the original result comes back and that
// the store did not change.
#define EXPECT_IDEMPOTENT(stream, expected, events, original)                    \
  do {                                                                            \
    const Position head_ = store().head();                                        \
    const uint64_t count_ = event_count();                                        \
    auto again_ = store().append(stream, expected, events);                       \
    ASSERT_TRUE(again_.has_value()) << "re-send: " << again_.error().to_string(); \
    expect_same_result(*again_, original);                                        \
    EXPECT_EQ(store().head(), head_) << "the re-send wrote something";            \
    EXPECT_EQ(event_count(), count_) << "the re-send wrote something";            \
  } while (0)

TEST_P(StoreConformance, ResendWithNoStreamReturnsOriginalResultAndWritesNothing) {
  auto events = events_with_ids(3, "Created");
  AppendResult original = append_ok("order-1", ExpectedRevision::no_stream(), events);
  EXPECT_IDEMPOTENT("order-1", ExpectedRevision::no_stream(), events, original);
  EXPECT_EQ(read_stream_ok("order-1").size(), 3u);
}

TEST_P(StoreConformance, ResendWithSameExactRevisionReturnsOriginalResultAndWritesNothing) {
  append_ok("order-1", ExpectedRevision::no_stream(), numbered_events(2));
  auto events = events_with_ids(2, "Paid");
  AppendResult original =
      append_ok("order-1", ExpectedRevision::exact(Revision{1}), events);
  EXPECT_EQ(original.first_revision.value, 2u);
  EXPECT_IDEMPOTENT("order-1", ExpectedRevision::exact(Revision{1}), events, original);
  auto read = read_stream_ok("order-1");
  ASSERT_EQ(read.size(), 4u);
  EXPECT_EQ(read[2].id, *events[0].id);
  EXPECT_EQ(read[3].id, *events[1].id);
}

TEST_P(StoreConformance, ResendOfLastAppendWithAnyReturnsOriginalResult) {
  append_ok("order-1", ExpectedRevision::any(), numbered_events(1));
  auto events = events_with_ids(2, "Shipped");
  AppendResult original = append_ok("order-1", ExpectedRevision::any(), events);
  EXPECT_IDEMPOTENT("order-1", ExpectedRevision::any(), events, original);
  EXPECT_EQ(read_stream_ok("order-1").size(), 3u);
}

TEST_P(StoreConformance, ResendWithExactRevisionAfterLaterAppendsReturnsOriginalResult) {
  // A client that timed out retries after other writers went on: the ids are at the place its
  // expected revision implies, so it gets its original result rather than a conflict.
  append_ok("order-1", ExpectedRevision::no_stream(), numbered_events(1));
  auto events = events_with_ids(2, "Paid");
  AppendResult original =
      append_ok("order-1", ExpectedRevision::exact(Revision{0}), events);
  append_ok("order-1", ExpectedRevision::any(), numbered_events(3, "Later"));
  append_ok("elsewhere", ExpectedRevision::any(), numbered_events(1));
  EXPECT_IDEMPOTENT("order-1", ExpectedRevision::exact(Revision{0}), events, original);
  EXPECT_EQ(read_stream_ok("order-1").size(), 6u);
}

TEST_P(StoreConformance, ResendWithNoStreamSurvivesReopen) {
  auto events = events_with_ids(2, "Created");
  AppendResult original = append_ok("order-1", ExpectedRevision::no_stream(), events);
  REOPEN_OR_SKIP();
  EXPECT_IDEMPOTENT("order-1", ExpectedRevision::no_stream(), events, original);
}

TEST_P(StoreConformance, ResendOfLastAppendWithAnySurvivesReopen) {
  // After a reopen the writer remembers no append: the ids are found in the log instead.
  append_ok("order-1", ExpectedRevision::any(), numbered_events(2));
  auto events = events_with_ids(1, "Shipped");
  AppendResult original = append_ok("order-1", ExpectedRevision::any(), events);
  REOPEN_OR_SKIP();
  EXPECT_IDEMPOTENT("order-1", ExpectedRevision::any(), events, original);
  auto other = events_with_ids(1, "Shipped");
  AppendResult next = append_ok("order-1", ExpectedRevision::any(), other);
  EXPECT_EQ(next.first_revision.value, 3u) << "a new event of the same size is not a resend";
}

TEST_P(StoreConformance, SameIdsAtADifferentPlaceAreNotTakenForAResend) {
  auto events = events_with_ids(1, "Created");
  append_ok("order-1", ExpectedRevision::no_stream(), events);
  append_ok("order-1", ExpectedRevision::any(), numbered_events(1));
  // Expected revision 5 implies revision 6 for the event, but its id is at revision 0.
  auto r = store().append("order-1", ExpectedRevision::exact(Revision{5}), events);
  ASSERT_FALSE(r) << "a stale exact revision with known ids must still be rejected";
  EXPECT_EQ(r.error().code, ErrorCode::kWrongExpectedRevision);
  EXPECT_EQ(r.error().actual_revision, std::optional<int64_t>(1));
  EXPECT_EQ(read_stream_ok("order-1").size(), 2u);
}

}  // namespace
}  // namespace mnemos::conformance
