// Durability across close and open: everything acknowledged is there after a reopen.
#include "store_conformance.h"

namespace mnemos::conformance {
namespace {

TEST_P(StoreConformance, ReopenKeepsHeadRevisionsAndReads) {
  std::string binary("\x00\x01\xfe\xff", 4);
  append_ok("cart-1", ExpectedRevision::no_stream(), numbered_events(3));
  append_ok("cart-2", ExpectedRevision::any(), {binary_event("Bin", binary, binary)});
  append_ok("cart-1", ExpectedRevision::exact(Revision{2}), numbered_events(2));
  ASSERT_OK(store().set_metadata("cart-2", R"({"owner":"zoe"})", ExpectedRevision::any()));
  append_ok("gone", ExpectedRevision::any(), numbered_events(2));
  ASSERT_OK(store().delete_stream("gone", ExpectedRevision::any()));
  append_ok("dead", ExpectedRevision::any(), numbered_events(1));
  ASSERT_OK(store().tombstone_stream("dead", ExpectedRevision::any()));
  const Position head = store().head();
  const auto all = read_all_ok();
  const auto cart1 = read_stream_ok("cart-1");
  auto stats = store().stats();
  ASSERT_OK(stats);

  REOPEN_OR_SKIP();
  EXPECT_EQ(store().head(), head);
  EXPECT_TRUE(same_events(read_all_ok(), all));
  EXPECT_TRUE(same_events(read_stream_ok("cart-1"), cart1));
  auto after = store().stats();
  ASSERT_OK(after);
  EXPECT_EQ(after->events, stats->events);
  EXPECT_EQ(after->streams, stats->streams);
  auto meta = store().get_metadata("cart-2");
  ASSERT_OK(meta);
  EXPECT_TRUE(same_json(meta->json, R"({"owner":"zoe"})"));
  EXPECT_ERROR_CODE(store().read_stream("gone", {}), ErrorCode::kNotFound);
  EXPECT_ERROR_CODE(store().read_stream("dead", {}), ErrorCode::kStreamDeleted);
  EXPECT_ERROR_CODE(store().append("dead", ExpectedRevision::any(), numbered_events(1)),
                    ErrorCode::kStreamDeleted);

  // Writing goes on where it stopped.
  AppendResult next = append_ok("cart-1", ExpectedRevision::exact(Revision{4}), numbered_events(1));
  EXPECT_EQ(next.first_revision.value, 5u);
  EXPECT_GT(next.position, head);
  EXPECT_GE(next.timestamp, all.back().timestamp);
  AppendResult again = append_ok("gone", ExpectedRevision::any(), numbered_events(1));
  EXPECT_EQ(again.first_revision.value, 2u);
  auto wrong = store().append("cart-1", ExpectedRevision::no_stream(), numbered_events(1));
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().actual_revision, std::optional<int64_t>(5));
}

TEST_P(StoreConformance, ReopenOfEmptyStoreIsEmpty) {
  REOPEN_OR_SKIP();
  EXPECT_EQ(store().head().value, 0u);
  EXPECT_TRUE(read_all_ok().empty());
  AppendResult r = append_ok("s", ExpectedRevision::no_stream(), numbered_events(1));
  EXPECT_GT(r.position.value, 0u);
}

TEST_P(StoreConformance, ManyMegabytesReadBackAcrossReopen) {
  // Several MiB: on a backend with small log segments this crosses segment boundaries.
  std::string payload(10'000, '\0');
  std::vector<AppendResult> results;
  for (int i = 0; i < 400; ++i) {
    for (size_t k = 0; k < payload.size(); k += 97) payload[k] = static_cast<char>(i + k);
    std::vector<EventData> events;
    events.push_back(binary_event("Blob", payload, std::to_string(i)));
    results.push_back(append_ok("blob-" + std::to_string(i % 4), ExpectedRevision::any(),
                                std::move(events)));
  }
  const auto before = read_all_ok();
  ASSERT_EQ(before.size(), 400u);
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(before[i].position, results[i].position);
    EXPECT_EQ(before[i].metadata, std::to_string(i));
    EXPECT_EQ(static_cast<uint8_t>(before[i].data[97]), static_cast<uint8_t>(i + 97));
  }
  REOPEN_OR_SKIP();
  EXPECT_TRUE(same_events(read_all_ok(), before));
  ReadAllOptions backwards;
  backwards.direction = Direction::kBackwards;
  EXPECT_TRUE(same_events(read_all_ok(backwards), {before.rbegin(), before.rend()}));
  EXPECT_EQ(read_stream_ok("blob-3").size(), 100u);
  auto r = store().read_stream("blob-1", ReadStreamOptions{Direction::kForwards, Revision{50}, 3});
  ASSERT_OK(r);
  ASSERT_EQ(r->events.size(), 3u);
  EXPECT_EQ(r->events[0].position, results[201].position);
}

}  // namespace
}  // namespace mnemos::conformance
