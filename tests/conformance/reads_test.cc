// Semantic 3: read a stream forwards or backwards from a revision with a limit; read $all
// forwards or backwards from a position with a limit, filtered on the engine side.
#include <algorithm>

#include "store_conformance.h"

namespace mnemos::conformance {
namespace {

ReadStreamOptions stream_options(Direction direction, std::optional<uint64_t> from,
                                 uint64_t limit = std::numeric_limits<uint64_t>::max()) {
  ReadStreamOptions o;
  o.direction = direction;
  if (from) o.from = Revision{*from};
  o.limit = limit;
  return o;
}

ReadAllOptions all_options(Direction direction, std::optional<Position> from = std::nullopt,
                           uint64_t limit = std::numeric_limits<uint64_t>::max()) {
  ReadAllOptions o;
  o.direction = direction;
  o.from = from;
  o.limit = limit;
  return o;
}

std::vector<uint64_t> range(uint64_t first, uint64_t last_inclusive, bool down = false) {
  std::vector<uint64_t> out;
  for (uint64_t v = first; v <= last_inclusive; ++v) out.push_back(v);
  if (down) std::reverse(out.begin(), out.end());
  return out;
}

// Reads page after page, starting with `o` and following `next`; each page respects the limit.
// Returns the events of every page and how many pages it took.
template <class Options, class ReadPage>
std::pair<std::vector<RecordedEvent>, int> read_pages(Options o, ReadPage read_page) {
  std::vector<RecordedEvent> events;
  int pages = 0;
  while (pages < 100) {
    auto page = read_page(o);
    if (!page) {
      ADD_FAILURE() << "page " << pages << ": " << page.error().to_string();
      break;
    }
    ++pages;
    EXPECT_LE(page->events.size(), o.limit);
    events.insert(events.end(), page->events.begin(), page->events.end());
    if (!page->next) break;
    o.from = page->next;
  }
  return {events, pages};
}

TEST_P(StoreConformance, ReadStreamForwardsReturnsAllEventsInRevisionOrder) {
  auto events = numbered_events(10);
  append_ok("s", ExpectedRevision::any(), {events.begin(), events.begin() + 4});
  append_ok("other", ExpectedRevision::any(), numbered_events(2));
  append_ok("s", ExpectedRevision::any(), {events.begin() + 4, events.end()});
  expect_stream_holds(read_stream_ok("s"), "s", events);
}

TEST_P(StoreConformance, ReadStreamFromRevisionWithLimitReturnsThatPage) {
  append_ok("s", ExpectedRevision::any(), numbered_events(10));
  auto page = store().read_stream("s", stream_options(Direction::kForwards, 3, 4));
  ASSERT_OK(page);
  EXPECT_EQ(revisions_of(page->events), range(3, 6));
  ASSERT_TRUE(page->next.has_value()) << "more events follow";
  EXPECT_EQ(page->next->value, 7u);
}

TEST_P(StoreConformance, ReadStreamForwardsPagesWithNextUntilTheEnd) {
  append_ok("s", ExpectedRevision::any(), numbered_events(11));
  auto [events, pages] = read_pages(stream_options(Direction::kForwards, 0, 3), [&](auto& o) {
    return store().read_stream("s", o);
  });
  EXPECT_EQ(revisions_of(events), range(0, 10));
  EXPECT_LE(pages, 5);
}

TEST_P(StoreConformance, ReadStreamBackwardsStartsAtTheLastEvent) {
  append_ok("s", ExpectedRevision::any(), numbered_events(6));
  auto read = read_stream_ok("s", stream_options(Direction::kBackwards, std::nullopt));
  EXPECT_EQ(revisions_of(read), range(0, 5, /*down=*/true));
  auto last = store().read_stream("s", stream_options(Direction::kBackwards, std::nullopt, 1));
  ASSERT_OK(last);
  ASSERT_EQ(last->events.size(), 1u);
  EXPECT_EQ(last->events[0].revision.value, 5u);
  ASSERT_TRUE(last->next.has_value());
  EXPECT_EQ(last->next->value, 4u);
}

TEST_P(StoreConformance, ReadStreamBackwardsFromRevisionPagesDownToZero) {
  append_ok("s", ExpectedRevision::any(), numbered_events(10));
  auto [events, pages] = read_pages(stream_options(Direction::kBackwards, 7, 3), [&](auto& o) {
    return store().read_stream("s", o);
  });
  EXPECT_EQ(revisions_of(events), range(0, 7, /*down=*/true));
  EXPECT_LE(pages, 4);
}

// One long commit, read from any revision in both directions: a store may index it in pieces
// (the embedded engine splits runs at 128 events), and every piece boundary must be seamless.
TEST_P(StoreConformance, ReadStreamInsideOneLongCommitFromAnyRevision) {
  append_ok("other", ExpectedRevision::any(), numbered_events(3));
  append_ok("long", ExpectedRevision::any(), numbered_events(300));
  append_ok("other", ExpectedRevision::any(), numbered_events(3));
  for (uint64_t from : {0u, 1u, 127u, 128u, 129u, 255u, 256u, 299u}) {
    auto up = store().read_stream("long", stream_options(Direction::kForwards, from, 130));
    ASSERT_OK(up);
    EXPECT_EQ(revisions_of(up->events), range(from, std::min<uint64_t>(from + 129, 299))) << from;
    auto down = store().read_stream("long", stream_options(Direction::kBackwards, from, 130));
    ASSERT_OK(down);
    EXPECT_EQ(revisions_of(down->events), range(from < 129 ? 0 : from - 129, from, true)) << from;
  }
  auto last = store().read_stream("long", stream_options(Direction::kBackwards, std::nullopt, 1));
  ASSERT_OK(last);
  EXPECT_EQ(revisions_of(last->events), range(299, 299));
}

TEST_P(StoreConformance, ReadStreamPastTheEndIsEmptyWithoutNext) {
  append_ok("s", ExpectedRevision::any(), numbered_events(3));
  auto page = store().read_stream("s", stream_options(Direction::kForwards, 3));
  ASSERT_OK(page);
  EXPECT_TRUE(page->events.empty());
  EXPECT_FALSE(page->next.has_value());
  auto whole = store().read_stream("s", stream_options(Direction::kForwards, 0, 100));
  ASSERT_OK(whole);
  EXPECT_EQ(whole->events.size(), 3u);
  EXPECT_FALSE(whole->next.has_value()) << "the read reached the end of the stream";
}

TEST_P(StoreConformance, ReadStreamOfMissingStreamIsNotFound) {
  append_ok("present", ExpectedRevision::any(), numbered_events(1));
  EXPECT_ERROR_CODE(store().read_stream("absent", {}), ErrorCode::kNotFound);
  EXPECT_ERROR_CODE(store().read_stream("presen", {}), ErrorCode::kNotFound);
  EXPECT_ERROR_CODE(store().read_stream("present2", {}), ErrorCode::kNotFound);
}

TEST_P(StoreConformance, ReadAllOnEmptyStoreIsEmpty) {
  auto all = store().read_all({});
  ASSERT_OK(all);
  EXPECT_TRUE(all->events.empty());
  EXPECT_EQ(store().head().value, 0u);
}

// Writes 20 events to 3 streams, interleaved; returns them as read_all sees them.
std::vector<RecordedEvent> write_interleaved(Store& store) {
  for (int i = 0; i < 10; ++i) {
    const char* stream = i % 3 == 0 ? "cart-1" : i % 3 == 1 ? "cart-2" : "order-1";
    const char* type = i % 2 == 0 ? "ItemAdded" : "ItemRemoved";
    auto r = store.append(stream, ExpectedRevision::any(),
                          {json_event(type, "{\"i\":" + std::to_string(i) + "}"),
                           json_event(i % 2 == 0 ? "PriceSet" : "ItemAdded", "{}")});
    EXPECT_TRUE(r) << r.error().to_string();
  }
  auto all = store.read_all({});
  EXPECT_TRUE(all);
  return all ? all->events : std::vector<RecordedEvent>{};
}

TEST_P(StoreConformance, ReadAllForwardsReturnsEveryEventInPositionOrder) {
  auto all = write_interleaved(store());
  ASSERT_EQ(all.size(), 20u);
  for (size_t i = 1; i < all.size(); ++i) EXPECT_GT(all[i].position, all[i - 1].position);
  EXPECT_EQ(all.back().position, store().head());
  // The same events as the stream reads, merged.
  size_t from_streams = 0;
  for (const char* s : {"cart-1", "cart-2", "order-1"}) {
    for (const auto& e : read_stream_ok(s)) {
      auto it = std::find_if(all.begin(), all.end(),
                             [&](const RecordedEvent& a) { return a.position == e.position; });
      ASSERT_NE(it, all.end()) << describe(e);
      EXPECT_TRUE(same_events({*it}, {e}));
      ++from_streams;
    }
  }
  EXPECT_EQ(from_streams, all.size());
}

TEST_P(StoreConformance, ReadAllFromPositionIsInclusive) {
  auto all = write_interleaved(store());
  ASSERT_EQ(all.size(), 20u);
  auto tail = read_all_ok(all_options(Direction::kForwards, all[7].position));
  EXPECT_TRUE(same_events(tail, {all.begin() + 7, all.end()}));
}

TEST_P(StoreConformance, ReadAllForwardsPagesWithNext) {
  auto all = write_interleaved(store());
  auto [events, pages] = read_pages(all_options(Direction::kForwards, std::nullopt, 6),
                                    [&](auto& o) { return store().read_all(o); });
  EXPECT_TRUE(same_events(events, all));
  EXPECT_LE(pages, 5);
}

TEST_P(StoreConformance, ReadAllBackwardsStartsAtHeadAndPagesDown) {
  auto all = write_interleaved(store());
  std::vector<RecordedEvent> reversed(all.rbegin(), all.rend());
  EXPECT_TRUE(same_events(read_all_ok(all_options(Direction::kBackwards)), reversed));
  auto [events, pages] = read_pages(all_options(Direction::kBackwards, std::nullopt, 7),
                                    [&](auto& o) { return store().read_all(o); });
  EXPECT_TRUE(same_events(events, reversed));
  EXPECT_LE(pages, 4);
}

TEST_P(StoreConformance, ReadAllBackwardsFromPositionIsInclusive) {
  auto all = write_interleaved(store());
  auto read = read_all_ok(all_options(Direction::kBackwards, all[5].position, 3));
  EXPECT_TRUE(same_events(read, {all[5], all[4], all[3]}));
}

TEST_P(StoreConformance, ReadAllWithLimitReturnsFirstEvents) {
  auto all = write_interleaved(store());
  auto read = store().read_all(all_options(Direction::kForwards, std::nullopt, 4));
  ASSERT_OK(read);
  EXPECT_TRUE(same_events(read->events, {all.begin(), all.begin() + 4}));
  EXPECT_TRUE(read->next.has_value()) << "more events follow";
}

std::vector<RecordedEvent> matching(const std::vector<RecordedEvent>& all, const EventFilter& f) {
  std::vector<RecordedEvent> out;
  for (const auto& e : all) {
    if (f.matches(e.stream, e.type)) out.push_back(e);
  }
  return out;
}

TEST_P(StoreConformance, ReadAllFiltersByEventTypePrefix) {
  auto all = write_interleaved(store());
  ReadAllOptions o;
  o.filter.type_prefix = "Item";
  EXPECT_EQ(matching(all, o.filter).size(), 15u);
  EXPECT_TRUE(same_events(read_all_ok(o), matching(all, o.filter)));
}

TEST_P(StoreConformance, ReadAllFiltersByStreamPrefix) {
  auto all = write_interleaved(store());
  ReadAllOptions o;
  o.filter.stream_prefix = "cart-";
  EXPECT_EQ(matching(all, o.filter).size(), 14u);
  EXPECT_TRUE(same_events(read_all_ok(o), matching(all, o.filter)));
}

TEST_P(StoreConformance, ReadAllCombinesFiltersAndLimitCountsMatchingEvents) {
  auto all = write_interleaved(store());
  ReadAllOptions o;
  o.filter.stream_prefix = "cart-";
  o.filter.type_prefix = "ItemRem";
  auto expected = matching(all, o.filter);
  ASSERT_EQ(expected.size(), 4u);
  EXPECT_TRUE(same_events(read_all_ok(o), expected));
  // Limit 2 over a filter: the first 2 matching events, then the rest through `next`.
  o.limit = 2;
  auto page = store().read_all(o);
  ASSERT_OK(page);
  EXPECT_TRUE(same_events(page->events, {expected[0], expected[1]}));
  ASSERT_TRUE(page->next.has_value());
  o.from = page->next;
  auto rest = store().read_all(o);
  ASSERT_OK(rest);
  EXPECT_TRUE(same_events(rest->events, {expected[2], expected[3]}));
  // Backwards, filtered.
  o.from.reset();
  o.limit = std::numeric_limits<uint64_t>::max();
  o.direction = Direction::kBackwards;
  EXPECT_TRUE(same_events(read_all_ok(o), {expected.rbegin(), expected.rend()}));
}

TEST_P(StoreConformance, ReadAllFilterMatchingNothingIsEmpty) {
  write_interleaved(store());
  ReadAllOptions o;
  o.filter.type_prefix = "Nope";
  EXPECT_TRUE(read_all_ok(o).empty());
}

// scan_all hands out the very events and `next` of read_all, for every kind of page.
TEST_P(StoreConformance, ScanAllSeesWhatReadAllReturns) {
  auto all = write_interleaved(store());
  std::vector<ReadAllOptions> cases;
  cases.push_back(all_options(Direction::kForwards));
  cases.push_back(all_options(Direction::kForwards, all[3].position, 5));
  cases.push_back(all_options(Direction::kBackwards, all[12].position, 4));
  ReadAllOptions filtered = all_options(Direction::kForwards, std::nullopt, 3);
  filtered.filter.stream_prefix = "cart-";
  filtered.filter.type_prefix = "Item";
  cases.push_back(filtered);
  ReadAllOptions bounded = all_options(Direction::kForwards);
  bounded.as_of.position = all[9].position;
  cases.push_back(bounded);
  cases.push_back(all_options(Direction::kForwards, std::nullopt, 0));
  for (const ReadAllOptions& o : cases) {
    SCOPED_TRACE(testing::Message() << "from " << (o.from ? o.from->value : 0) << " limit " << o.limit);
    auto read = store().read_all(o);
    ASSERT_OK(read);
    std::vector<RecordedEvent> scanned;
    auto scan = store().scan_all(o, [&](const RecordedEventView& e) { scanned.push_back(e.to_recorded()); });
    ASSERT_OK(scan);
    EXPECT_EQ(scan->events, scanned.size());
    EXPECT_TRUE(same_events(scanned, read->events));
    EXPECT_EQ(scan->next, read->next);
  }
}

}  // namespace
}  // namespace mnemos::conformance
