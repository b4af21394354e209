// Semantic 1: append 1..N events atomically with an expected revision.
#include <atomic>
#include <set>
#include <thread>

#include "store_conformance.h"

namespace mnemos::conformance {
namespace {

void expect_revisions(const AppendResult& r, uint64_t first, uint64_t last) {
  EXPECT_EQ(r.first_revision.value, first);
  EXPECT_EQ(r.last_revision.value, last);
}

TEST_P(StoreConformance, AppendToNewStreamWithAnyStartsAtRevisionZero) {
  AppendResult r = append_ok("cart-1", ExpectedRevision::any(), numbered_events(3));
  expect_revisions(r, 0, 2);
  EXPECT_EQ(revisions("cart-1"), (std::vector<uint64_t>{0, 1, 2}));
}

TEST_P(StoreConformance, AppendWithAnyToExistingStreamContinuesRevisions) {
  append_ok("cart-1", ExpectedRevision::any(), numbered_events(2));
  AppendResult r = append_ok("cart-1", ExpectedRevision::any(), numbered_events(3));
  expect_revisions(r, 2, 4);
}

TEST_P(StoreConformance, AppendWithNoStreamCreatesStream) {
  AppendResult r = append_ok("cart-1", ExpectedRevision::no_stream(), numbered_events(2));
  expect_revisions(r, 0, 1);
}

// Checks that a rejected append wrote nothing: same head, same events, same stream.
void expect_rejected(Store& store, std::string_view stream, ExpectedRevision expected, int64_t actual) {
  const Position head = store.head();
  const auto before = store.read_stream(stream, {});
  auto result = store.append(stream, expected, numbered_events(2, "Rejected"));
  ASSERT_FALSE(result) << "append with " << expected.to_string() << " succeeded";
  EXPECT_EQ(result.error().code, ErrorCode::kWrongExpectedRevision) << result.error().to_string();
  ASSERT_TRUE(result.error().actual_revision.has_value()) << result.error().to_string();
  EXPECT_EQ(*result.error().actual_revision, actual);
  EXPECT_EQ(store.head(), head) << "a rejected append moved the head";
  const auto after = store.read_stream(stream, {});
  ASSERT_EQ(before.has_value(), after.has_value());
  if (before) {
    EXPECT_TRUE(same_events(after->events, before->events));
  }
  auto all = store.read_all({});
  ASSERT_TRUE(all) << all.error().to_string();
  for (const auto& e : all->events) EXPECT_NE(e.type, "Rejected") << describe(e);
}

TEST_P(StoreConformance, AppendWithNoStreamToExistingStreamFailsWithActualRevision) {
  append_ok("cart-1", ExpectedRevision::any(), numbered_events(3));
  expect_rejected(store(), "cart-1", ExpectedRevision::no_stream(), 2);
}

TEST_P(StoreConformance, AppendWithStreamExistsToExistingStreamSucceeds) {
  append_ok("cart-1", ExpectedRevision::any(), numbered_events(1));
  AppendResult r = append_ok("cart-1", ExpectedRevision::stream_exists(), numbered_events(2));
  expect_revisions(r, 1, 2);
}

TEST_P(StoreConformance, AppendWithStreamExistsToMissingStreamFailsWithMinusOne) {
  append_ok("other", ExpectedRevision::any(), numbered_events(1));
  expect_rejected(store(), "cart-1", ExpectedRevision::stream_exists(), -1);
  EXPECT_ERROR_CODE(store().read_stream("cart-1", {}), ErrorCode::kNotFound);
}

TEST_P(StoreConformance, AppendWithExactRevisionSucceedsWhenItIsTheLastRevision) {
  append_ok("cart-1", ExpectedRevision::any(), numbered_events(3));
  AppendResult r =
      append_ok("cart-1", ExpectedRevision::exact(Revision{2}), numbered_events(1));
  expect_revisions(r, 3, 3);
}

TEST_P(StoreConformance, AppendWithStaleExactRevisionFailsWithActualRevision) {
  append_ok("cart-1", ExpectedRevision::any(), numbered_events(3));
  expect_rejected(store(), "cart-1", ExpectedRevision::exact(Revision{1}), 2);
  expect_rejected(store(), "cart-1", ExpectedRevision::exact(Revision{3}), 2);
}

TEST_P(StoreConformance, AppendWithExactRevisionToMissingStreamFailsWithMinusOne) {
  expect_rejected(store(), "cart-1", ExpectedRevision::exact(Revision{0}), -1);
  EXPECT_EQ(store().head().value, 0u);
}

TEST_P(StoreConformance, AppendIsAtomicAndGivesEachEventItsOwnRevisionAndPosition) {
  auto events = numbered_events(5, "Batch");
  AppendResult r = append_ok("batch", ExpectedRevision::no_stream(), events);
  auto read = read_stream_ok("batch");
  expect_stream_holds(read, "batch", events);
  ASSERT_EQ(read.size(), 5u);
  for (size_t i = 1; i < read.size(); ++i) EXPECT_GT(read[i].position, read[i - 1].position);
  EXPECT_EQ(read.back().position, r.position) << "AppendResult.position is the last event's";
  EXPECT_EQ(store().head(), r.position);
}

TEST_P(StoreConformance, EventIdsAreGeneratedWhenAbsentAndKeptWhenGiven) {
  const Uuid given = Uuid::random();
  std::vector<EventData> events = numbered_events(3);
  events[1].id = given;
  append_ok("ids", ExpectedRevision::any(), events);
  auto read = read_stream_ok("ids");
  ASSERT_EQ(read.size(), 3u);
  EXPECT_EQ(read[1].id, given);
  EXPECT_FALSE(read[0].id.is_nil());
  EXPECT_FALSE(read[2].id.is_nil());
  std::set<std::string> ids;
  for (const auto& e : read) ids.insert(e.id.to_string());
  EXPECT_EQ(ids.size(), 3u) << "generated ids must be distinct";
}

TEST_P(StoreConformance, RevisionsAreContiguousPerStream) {
  for (int i = 0; i < 10; ++i) {
    append_ok("a", ExpectedRevision::any(), numbered_events(static_cast<size_t>(i % 3 + 1)));
    append_ok("b", ExpectedRevision::any(), numbered_events(1));
  }
  auto a = read_stream_ok("a");
  auto b = read_stream_ok("b");
  ASSERT_EQ(a.size(), 19u);
  ASSERT_EQ(b.size(), 10u);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].revision.value, i);
  for (size_t i = 0; i < b.size(); ++i) EXPECT_EQ(b[i].revision.value, i);
}

TEST_P(StoreConformance, PositionsArePositiveAndStrictlyIncreasingAcrossStreams) {
  Position previous{0};
  for (int i = 0; i < 12; ++i) {
    std::string stream = "s" + std::to_string(i % 4);
    AppendResult r = append_ok(stream, ExpectedRevision::any(), numbered_events(2));
    EXPECT_GT(r.position, previous);
    previous = r.position;
    EXPECT_EQ(store().head(), r.position);
  }
  auto all = read_all_ok();
  ASSERT_EQ(all.size(), 24u);
  EXPECT_GT(all[0].position.value, 0u);
  for (size_t i = 1; i < all.size(); ++i) EXPECT_GT(all[i].position, all[i - 1].position);
}

TEST_P(StoreConformance, CommitTimestampsAreNonDecreasingAndNearNow) {
  const int64_t before = now_micros();
  std::vector<AppendResult> results;
  for (int i = 0; i < 20; ++i) {
    results.push_back(append_ok("t" + std::to_string(i % 3), ExpectedRevision::any(),
                                numbered_events(static_cast<size_t>(i % 2 + 1))));
  }
  const int64_t after = now_micros();
  for (size_t i = 1; i < results.size(); ++i) {
    EXPECT_GE(results[i].timestamp, results[i - 1].timestamp);
  }
  const int64_t slack = 5'000'000;  // clocks of another machine (server backends)
  EXPECT_GE(results.front().timestamp.micros, before - slack) << "timestamps are µs since epoch";
  EXPECT_LE(results.back().timestamp.micros, after + slack);
  auto all = read_all_ok();
  ASSERT_EQ(all.size(), 30u);
  for (size_t i = 1; i < all.size(); ++i) EXPECT_GE(all[i].timestamp, all[i - 1].timestamp);
  // Every event of an append carries the append's commit timestamp.
  for (const auto& e : all) {
    bool found = false;
    for (const auto& r : results) {
      if (e.position.value <= r.position.value) {
        EXPECT_EQ(e.timestamp, r.timestamp) << describe(e);
        found = true;
        break;
      }
    }
    EXPECT_TRUE(found) << describe(e);
  }
}

TEST_P(StoreConformance, JsonAndBinaryPayloadsRoundTripByteExact) {
  std::string all_bytes;
  for (int c = 0; c < 256; ++c) all_bytes.push_back(static_cast<char>(c));
  std::vector<EventData> events = {
      json_event("Json", R"({"name":"Zoë","emoji":"🛒","n":[1,2.5,null,true]})",
                 R"({"correlation":"abc"})"),
      binary_event("Binary", all_bytes, std::string("\0\xff\0", 3)),
      json_event("Empty", "", ""),
      [&] {
        EventData e = json_event("Mixed", R"({"k":1})", all_bytes);
        e.metadata_type = ContentType::kBinary;
        return e;
      }(),
      [&] {
        EventData e = json_event("Mixed2", std::string(1000, '\0'), R"([1,2])");
        e.data_type = ContentType::kBinary;
        return e;
      }(),
  };
  append_ok("payloads", ExpectedRevision::any(), events);
  auto read = read_stream_ok("payloads");
  ASSERT_EQ(read.size(), events.size());
  for (size_t i = 0; i < events.size(); ++i) EXPECT_TRUE(same_content(events[i], read[i]));
  auto all = read_all_ok();
  ASSERT_EQ(all.size(), events.size());
  EXPECT_TRUE(same_events(all, read)) << "read_all and read_stream return the same events";
}

TEST_P(StoreConformance, AppendAsyncFromOneThreadCompletesInSubmissionOrder) {
  std::vector<std::future<Result<AppendResult>>> futures;
  for (int i = 0; i < 50; ++i) {
    futures.push_back(store().append_async("async-" + std::to_string(i % 5),
                                           ExpectedRevision::any(), numbered_events(1)));
  }
  Position previous{0};
  for (auto& f : futures) {
    auto r = f.get();
    ASSERT_OK(r);
    EXPECT_GT(r->position, previous) << "appends submitted later commit later";
    previous = r->position;
  }
  EXPECT_EQ(store().head(), previous);
  EXPECT_EQ(read_all_ok().size(), 50u);
}

// Appends queued with append_async and then one with append, from one thread, while other
// threads append too: each exact expected revision holds only if they commit in the order the
// thread submitted them, whichever thread ends up writing them.
TEST_P(StoreConformance, AppendAsyncThenAppendFromOneThreadCommitInSubmissionOrder) {
  std::atomic<bool> stop{false};
  std::vector<std::thread> others;
  for (int t = 0; t < 3; ++t) {
    others.emplace_back([&, t] {
      while (!stop.load()) {
        auto r = store().append("other-" + std::to_string(t), ExpectedRevision::any(),
                                numbered_events(1));
        if (!r) break;
      }
    });
  }
  uint64_t next = 0;  // the revision the next append to "mixed" gets
  for (int round = 0; round < 30; ++round) {
    std::vector<std::future<Result<AppendResult>>> futures;
    for (int k = 0; k < 3; ++k, ++next) {
      auto expected = next == 0 ? ExpectedRevision::no_stream()
                                : ExpectedRevision::exact(Revision{next - 1});
      futures.push_back(store().append_async("mixed", expected, numbered_events(1)));
    }
    auto last = store().append("mixed", ExpectedRevision::exact(Revision{next - 1}),
                               numbered_events(1));
    ++next;
    ASSERT_OK(last);
    Position previous{0};
    for (auto& f : futures) {
      auto r = f.get();
      ASSERT_OK(r);
      EXPECT_GT(r->position, previous);
      previous = r->position;
    }
    EXPECT_GT(last->position, previous) << "the append after the async ones commits after them";
  }
  stop = true;
  for (auto& t : others) t.join();
  EXPECT_EQ(read_stream_ok("mixed").size(), next);
}

TEST_P(StoreConformance, AppendAsyncReportsWrongExpectedRevision) {
  append_ok("cart-1", ExpectedRevision::any(), numbered_events(1));
  auto r = store().append_async("cart-1", ExpectedRevision::no_stream(), numbered_events(1)).get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kWrongExpectedRevision);
  EXPECT_EQ(r.error().actual_revision, std::optional<int64_t>(0));
}

}  // namespace
}  // namespace mnemos::conformance
