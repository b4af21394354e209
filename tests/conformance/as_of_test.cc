// Semantic 4: any read can be bounded by a position or a time ("the stream as it was at T").
#include "store_conformance.h"

namespace mnemos::conformance {
namespace {

AsOf at_position(Position p) { return AsOf{p, std::nullopt}; }
AsOf at_time(Timestamp t) { return AsOf{std::nullopt, t}; }

ReadStreamOptions stream_as_of(AsOf as_of, Direction direction = Direction::kForwards) {
  ReadStreamOptions o;
  o.as_of = as_of;
  o.direction = direction;
  return o;
}

ReadAllOptions all_as_of(AsOf as_of, Direction direction = Direction::kForwards) {
  ReadAllOptions o;
  o.as_of = as_of;
  o.direction = direction;
  return o;
}

TEST_P(StoreConformance, ReadStreamAsOfPositionSeesOnlyEventsUpToIt) {
  AppendResult first = append_ok("cart", ExpectedRevision::any(), numbered_events(3));
  append_ok("other", ExpectedRevision::any(), numbered_events(1));
  append_ok("cart", ExpectedRevision::any(), numbered_events(2));
  EXPECT_EQ(revisions_of(read_stream_ok("cart", stream_as_of(at_position(first.position)))),
            (std::vector<uint64_t>{0, 1, 2}));
  EXPECT_EQ(revisions_of(read_stream_ok(
                "cart", stream_as_of(at_position(first.position), Direction::kBackwards))),
            (std::vector<uint64_t>{2, 1, 0}));
  // A position between two events of the stream bounds it the same way.
  EXPECT_EQ(read_stream_ok("cart", stream_as_of(at_position(store().head()))).size(), 5u);
}

TEST_P(StoreConformance, ReadAllAsOfPositionIsInclusive) {
  for (int i = 0; i < 6; ++i) append_ok("s" + std::to_string(i % 2), ExpectedRevision::any(),
                                        numbered_events(2));
  auto all = read_all_ok();
  ASSERT_EQ(all.size(), 12u);
  auto bounded = read_all_ok(all_as_of(at_position(all[6].position)));
  EXPECT_TRUE(same_events(bounded, {all.begin(), all.begin() + 7}));
  auto backwards = read_all_ok(all_as_of(at_position(all[6].position), Direction::kBackwards));
  EXPECT_TRUE(same_events(backwards, {all.rend() - 7, all.rend()}));
}

TEST_P(StoreConformance, ResolveTimeGivesTheLastPositionCommittedAtOrBeforeIt) {
  auto results = appends_at_increasing_times(4, 2);
  for (const auto& r : results) {
    auto p = store().resolve_time(r.timestamp);
    ASSERT_OK(p);
    EXPECT_EQ(*p, r.position) << "at the commit time of an append";
    auto just_before = store().resolve_time(Timestamp{r.timestamp.micros - 1});
    ASSERT_OK(just_before);
    EXPECT_LT(*just_before, r.position) << "one µs before the commit";
  }
  auto before_all = store().resolve_time(Timestamp{results[0].timestamp.micros - 1});
  ASSERT_OK(before_all);
  EXPECT_EQ(before_all->value, 0u);
  auto future = store().resolve_time(Timestamp{results.back().timestamp.micros + 3'600'000'000});
  ASSERT_OK(future);
  EXPECT_EQ(*future, store().head());
}

TEST_P(StoreConformance, ReadStreamAsOfTimeIsTheStreamAsItWas) {
  Timestamp last{0};
  std::vector<AppendResult> cart;
  for (size_t k = 0; k < 3; ++k) {
    cart.push_back(append_later_than(last, "cart", numbered_events(k == 2 ? 1 : 2)));
    last = cart.back().timestamp;
    last = append_later_than(last, "other", numbered_events(1)).timestamp;
  }
  EXPECT_EQ(revisions_of(read_stream_ok("cart", stream_as_of(at_time(cart[0].timestamp)))),
            (std::vector<uint64_t>{0, 1}));
  EXPECT_EQ(revisions_of(read_stream_ok("cart", stream_as_of(at_time(cart[1].timestamp)))),
            (std::vector<uint64_t>{0, 1, 2, 3}));
  EXPECT_EQ(revisions_of(read_stream_ok(
                "cart", stream_as_of(at_time(cart[1].timestamp), Direction::kBackwards))),
            (std::vector<uint64_t>{3, 2, 1, 0}));
  // Before the stream existed, it is not found.
  EXPECT_ERROR_CODE(store().read_stream("cart", stream_as_of(at_time(
                                                    Timestamp{cart[0].timestamp.micros - 1}))),
                    ErrorCode::kNotFound);
}

TEST_P(StoreConformance, ReadAllAsOfTimeStopsAtThatTime) {
  auto results =
      appends_at_increasing_times(4, 2, [](size_t i) { return "s" + std::to_string(i); });
  auto read = read_all_ok(all_as_of(at_time(results[1].timestamp)));
  ASSERT_EQ(read.size(), 4u);
  EXPECT_EQ(read.back().position, results[1].position);
  for (const auto& e : read) EXPECT_LE(e.timestamp, results[1].timestamp);
}

TEST_P(StoreConformance, AsOfWithBothPositionAndTimeUsesTheEarlier) {
  auto results = appends_at_increasing_times(4, 1);
  AsOf time_earlier{results[2].position, results[1].timestamp};
  EXPECT_EQ(revisions_of(read_stream_ok("s", stream_as_of(time_earlier))),
            (std::vector<uint64_t>{0, 1}));
  AsOf position_earlier{results[0].position, results[3].timestamp};
  EXPECT_EQ(revisions_of(read_stream_ok("s", stream_as_of(position_earlier))),
            (std::vector<uint64_t>{0}));
  EXPECT_EQ(read_all_ok(all_as_of(position_earlier)).size(), 1u);
}

TEST_P(StoreConformance, StreamDeletedAfterTimeReadsFineAsOfThatTime) {
  AppendResult written = append_ok("cart", ExpectedRevision::any(), numbered_events(3));
  auto deleted = append_later_than(written.timestamp, "unrelated", numbered_events(1));
  ASSERT_OK(store().delete_stream("cart", ExpectedRevision::any()));
  EXPECT_ERROR_CODE(store().read_stream("cart", {}), ErrorCode::kNotFound);
  auto as_it_was = read_stream_ok("cart", stream_as_of(at_time(written.timestamp)));
  EXPECT_EQ(revisions_of(as_it_was), (std::vector<uint64_t>{0, 1, 2}));
  auto by_position = read_stream_ok("cart", stream_as_of(at_position(deleted.position)));
  EXPECT_EQ(by_position.size(), 3u);
}

TEST_P(StoreConformance, MetadataSetAfterTimeDoesNotApplyAsOfThatTime) {
  AppendResult written = append_ok("cart", ExpectedRevision::any(), numbered_events(5));
  append_later_than(written.timestamp, "unrelated", numbered_events(1));
  ASSERT_OK(store().set_metadata("cart", R"({"$maxCount":2})", ExpectedRevision::any()));
  EXPECT_EQ(revisions_of(read_stream_ok("cart")), (std::vector<uint64_t>{3, 4}));
  EXPECT_EQ(revisions_of(read_stream_ok("cart", stream_as_of(at_time(written.timestamp)))),
            (std::vector<uint64_t>{0, 1, 2, 3, 4}));
}

}  // namespace
}  // namespace mnemos::conformance
