// Semantic 12: bad requests get clear errors, and the store keeps working after each one.
#include "store_conformance.h"

namespace mnemos::conformance {
namespace {

// Sends a bad append, checks its error code (one of `codes`), that nothing was written, and
// that a good append right after works.
void expect_bad_append(Store& store, std::string_view stream, std::vector<EventData> events,
                       std::initializer_list<ErrorCode> codes) {
  const Position head = store.head();
  auto r = store.append(stream, ExpectedRevision::any(), std::move(events));
  ASSERT_FALSE(r) << "bad append to '" << stream.substr(0, 40) << "' succeeded";
  bool expected = false;
  for (ErrorCode c : codes) expected |= r.error().code == c;
  EXPECT_TRUE(expected) << "unexpected error " << r.error().to_string();
  EXPECT_FALSE(r.error().message.empty()) << "errors say what is wrong";
  EXPECT_EQ(store.head(), head) << "a rejected append wrote something";
  auto good = store.append("good", ExpectedRevision::any(), numbered_events(1));
  ASSERT_TRUE(good) << "the store stopped working after a bad request: "
                    << good.error().to_string();
  auto read = store.read_stream("good", {});
  ASSERT_TRUE(read);
  EXPECT_EQ(read->events.back().position, good->position);
}

TEST_P(StoreConformance, EmptyStreamNameIsInvalidArgument) {
  expect_bad_append(store(), "", numbered_events(1), {ErrorCode::kInvalidArgument});
}

TEST_P(StoreConformance, OverLongStreamNameIsRejected) {
  expect_bad_append(store(), std::string(1 << 20, 's'), numbered_events(1),
                    {ErrorCode::kInvalidArgument, ErrorCode::kTooLarge});
}

TEST_P(StoreConformance, EmptyEventTypeIsInvalidArgument) {
  expect_bad_append(store(), "s", {json_event("")}, {ErrorCode::kInvalidArgument});
  // One bad event makes the whole append fail: none of its events are written.
  expect_bad_append(store(), "s", {json_event("Ok"), json_event("")},
                    {ErrorCode::kInvalidArgument});
  EXPECT_ERROR_CODE(store().read_stream("s", {}), ErrorCode::kNotFound);
}

TEST_P(StoreConformance, OverLongEventTypeIsRejected) {
  expect_bad_append(store(), "s", {json_event(std::string(1 << 20, 't'))},
                    {ErrorCode::kInvalidArgument, ErrorCode::kTooLarge});
}

TEST_P(StoreConformance, InvalidUtf8InStreamNameIsInvalidArgument) {
  for (std::string bad : {std::string("cart-\xff"), std::string("\xc3\x28"),
                          std::string("a\xed\xa0\x80" "b"), std::string("\xc0\xaf")}) {
    expect_bad_append(store(), bad, numbered_events(1), {ErrorCode::kInvalidArgument});
  }
}

TEST_P(StoreConformance, InvalidUtf8InEventTypeIsInvalidArgument) {
  expect_bad_append(store(), "s", {json_event("Type\xfe")}, {ErrorCode::kInvalidArgument});
}

TEST_P(StoreConformance, Utf8NamesAreAccepted) {
  const std::string stream = "panier-Zoë-🛒";
  const std::string type = "ArticleAjouté";
  append_ok(stream, ExpectedRevision::no_stream(), {json_event(type)});
  auto read = read_stream_ok(stream);
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0].stream, stream);
  EXPECT_EQ(read[0].type, type);
}

TEST_P(StoreConformance, AppendingToAllIsInvalidArgument) {
  expect_bad_append(store(), "$all", numbered_events(1), {ErrorCode::kInvalidArgument});
}

TEST_P(StoreConformance, AppendOfZeroEventsIsInvalidArgument) {
  expect_bad_append(store(), "s", {}, {ErrorCode::kInvalidArgument});
}

TEST_P(StoreConformance, EventAboveMaxEventSizeIsTooLarge) {
  const uint64_t max = GetParam().max_event_size;
  expect_bad_append(store(), "s", {binary_event("Big", std::string(max + 1, 'x'))},
                    {ErrorCode::kTooLarge});
  // Metadata counts too.
  EventData meta = binary_event("Big", "", std::string(max + 1, 'm'));
  expect_bad_append(store(), "s", {meta}, {ErrorCode::kTooLarge});
  // Well under the limit is fine, and round-trips.
  EventData fits = binary_event("Fits", std::string(max / 2, 'y'));
  append_ok("s", ExpectedRevision::no_stream(), {fits});
  auto read = read_stream_ok("s");
  ASSERT_EQ(read.size(), 1u);
  EXPECT_TRUE(same_content(fits, read[0]));
}

TEST_P(StoreConformance, JsonFlaggedDataThatIsNotJsonIsInvalidArgument) {
  for (const char* bad : {"{", "not json", "{\"a\":}", "[1,2", "\xff"}) {
    expect_bad_append(store(), "s", {json_event("T", bad)}, {ErrorCode::kInvalidArgument});
  }
  expect_bad_append(store(), "s", {json_event("T", "{}", "{oops")},
                    {ErrorCode::kInvalidArgument});
  // The same bytes flagged binary are fine.
  append_ok("s", ExpectedRevision::any(), {binary_event("T", "{", "{oops")});
}

TEST_P(StoreConformance, JsonScalarsAndEmptyPayloadsAreAccepted) {
  append_ok("s", ExpectedRevision::any(),
            {json_event("T", "42"), json_event("T", "\"text\""), json_event("T", "null"),
             json_event("T", ""), json_event("T", " [ ] ")});
  EXPECT_EQ(read_stream_ok("s").size(), 5u);
}

TEST_P(StoreConformance, InvalidNamesAreRejectedByReadsAndDeletesToo) {
  EXPECT_ERROR_CODE(store().read_stream("", {}), ErrorCode::kInvalidArgument);
  EXPECT_ERROR_CODE(store().delete_stream("", ExpectedRevision::any()),
                    ErrorCode::kInvalidArgument);
  EXPECT_ERROR_CODE(store().tombstone_stream("\xff", ExpectedRevision::any()),
                    ErrorCode::kInvalidArgument);
  EXPECT_ERROR_CODE(store().set_metadata("", "{}", ExpectedRevision::any()),
                    ErrorCode::kInvalidArgument);
  append_ok("s", ExpectedRevision::any(), numbered_events(1));
}

}  // namespace
}  // namespace mnemos::conformance
