// Semantic 6: soft delete, tombstone, stream metadata ($maxCount, $maxAge, $tb) applied on read,
// following the KurrentDB conventions ($$stream metastreams, $streamDeleted).
#include <nlohmann/json.hpp>

#include "store_conformance.h"
#include "support/wait.h"

namespace mnemos::conformance {
namespace {

using namespace std::chrono_literals;

std::optional<StreamSummary> summary_of(Store& store, const std::string& name) {
  auto list = store.list_streams(ListStreamsOptions{name, "", 1000});
  if (!list) {
    ADD_FAILURE() << "list_streams: " << list.error().to_string();
    return std::nullopt;
  }
  for (const auto& s : *list) {
    if (s.name == name) return s;
  }
  return std::nullopt;
}

// ---- Soft delete ----

TEST_P(StoreConformance, SoftDeletedStreamReadsAsNotFound) {
  AppendResult written = append_ok("cart", ExpectedRevision::any(), numbered_events(3));
  append_ok("other", ExpectedRevision::any(), numbered_events(1));
  auto deleted = store().delete_stream("cart", ExpectedRevision::any());
  ASSERT_OK(deleted);
  EXPECT_GT(deleted->position, written.position);
  EXPECT_EQ(store().head(), deleted->position) << "the delete wrote a $metadata record";
  EXPECT_ERROR_CODE(store().read_stream("cart", {}), ErrorCode::kNotFound);
  EXPECT_EQ(read_stream_ok("other").size(), 1u) << "other streams are untouched";
  auto summary = summary_of(store(), "cart");
  ASSERT_TRUE(summary.has_value());
  EXPECT_EQ(summary->state, StreamState::kSoftDeleted);
}

TEST_P(StoreConformance, SoftDeleteWritesTruncateBeforeToTheMetastream) {
  append_ok("cart", ExpectedRevision::any(), numbered_events(2));
  auto deleted = store().delete_stream("cart", ExpectedRevision::any());
  ASSERT_OK(deleted);
  auto meta = store().get_metadata("cart");
  ASSERT_OK(meta);
  auto json = nlohmann::json::parse(meta->json, nullptr, false);
  ASSERT_FALSE(json.is_discarded()) << meta->json;
  ASSERT_TRUE(json.contains("$tb")) << meta->json;
  EXPECT_EQ(json["$tb"].get<uint64_t>(), kSoftDeletedTruncateBefore);
  auto metastream = read_stream_ok("$$cart");
  ASSERT_FALSE(metastream.empty());
  EXPECT_EQ(metastream.back().type, "$metadata");
  EXPECT_EQ(metastream.back().position, deleted->position);
}

TEST_P(StoreConformance, AppendWithAnyRecreatesSoftDeletedStreamAndContinuesRevisions) {
  append_ok("cart", ExpectedRevision::any(), numbered_events(3, "Old"));
  ASSERT_OK(store().delete_stream("cart", ExpectedRevision::any()));
  AppendResult r = append_ok("cart", ExpectedRevision::any(), numbered_events(2, "New"));
  EXPECT_EQ(r.first_revision.value, 3u) << "revisions continue after a soft delete";
  EXPECT_EQ(r.last_revision.value, 4u);
  auto read = read_stream_ok("cart");
  EXPECT_EQ(revisions_of(read), (std::vector<uint64_t>{3, 4})) << "old events stay hidden";
  for (const auto& e : read) EXPECT_EQ(e.type, "New");
  auto summary = summary_of(store(), "cart");
  ASSERT_TRUE(summary.has_value());
  EXPECT_EQ(summary->state, StreamState::kLive);
}

TEST_P(StoreConformance, AppendWithNoStreamRecreatesSoftDeletedStream) {
  append_ok("cart", ExpectedRevision::any(), numbered_events(2, "Old"));
  ASSERT_OK(store().delete_stream("cart", ExpectedRevision::exact(Revision{1})));
  AppendResult r = append_ok("cart", ExpectedRevision::no_stream(), numbered_events(1, "New"));
  EXPECT_EQ(r.first_revision.value, 2u);
  EXPECT_EQ(revisions("cart"), (std::vector<uint64_t>{2}));
  // And the stream goes on as usual.
  append_ok("cart", ExpectedRevision::exact(Revision{2}), numbered_events(1, "New"));
  EXPECT_EQ(revisions("cart"), (std::vector<uint64_t>{2, 3}));
}

TEST_P(StoreConformance, DeleteWithWrongExpectedRevisionFailsAndKeepsTheStream) {
  append_ok("cart", ExpectedRevision::any(), numbered_events(3));
  auto r = store().delete_stream("cart", ExpectedRevision::exact(Revision{1}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kWrongExpectedRevision);
  EXPECT_EQ(r.error().actual_revision, std::optional<int64_t>(2));
  EXPECT_EQ(read_stream_ok("cart").size(), 3u);
}

TEST_P(StoreConformance, DeleteOfStreamThatNeverExistedIsWrongExpectedRevision) {
  append_ok("other", ExpectedRevision::any(), numbered_events(1));
  const Position head = store().head();
  auto r = store().delete_stream("never", ExpectedRevision::any());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kWrongExpectedRevision) << r.error().to_string();
  EXPECT_EQ(r.error().actual_revision, std::optional<int64_t>(-1));
  EXPECT_EQ(store().head(), head) << "nothing written";
}

// ---- Tombstone ----

TEST_P(StoreConformance, TombstonedStreamRejectsReadsAppendsAndDeletes) {
  append_ok("cart", ExpectedRevision::any(), numbered_events(2));
  ASSERT_OK(store().tombstone_stream("cart", ExpectedRevision::exact(Revision{1})));
  EXPECT_ERROR_CODE(store().read_stream("cart", {}), ErrorCode::kStreamDeleted);
  for (ExpectedRevision e : {ExpectedRevision::any(), ExpectedRevision::no_stream(),
                             ExpectedRevision::stream_exists(),
                             ExpectedRevision::exact(Revision{1})}) {
    EXPECT_ERROR_CODE(store().append("cart", e, numbered_events(1)), ErrorCode::kStreamDeleted);
  }
  EXPECT_ERROR_CODE(store().delete_stream("cart", ExpectedRevision::any()),
                    ErrorCode::kStreamDeleted);
  EXPECT_ERROR_CODE(store().tombstone_stream("cart", ExpectedRevision::any()),
                    ErrorCode::kStreamDeleted);
  auto summary = summary_of(store(), "cart");
  ASSERT_TRUE(summary.has_value());
  EXPECT_EQ(summary->state, StreamState::kTombstoned);
  // Other streams still work.
  append_ok("cart-2", ExpectedRevision::no_stream(), numbered_events(1));
}

TEST_P(StoreConformance, TombstoneIsAStreamDeletedRecordVisibleInAll) {
  append_ok("cart", ExpectedRevision::any(), numbered_events(2));
  auto tombstoned = store().tombstone_stream("cart", ExpectedRevision::any());
  ASSERT_OK(tombstoned);
  EXPECT_EQ(store().head(), tombstoned->position);
  auto all = read_all_ok();
  ASSERT_EQ(all.size(), 3u);
  const RecordedEvent& t = all.back();
  EXPECT_EQ(t.stream, "cart");
  EXPECT_EQ(t.type, "$streamDeleted");
  EXPECT_EQ(t.revision.value, kTombstoneRevision);
  EXPECT_EQ(t.position, tombstoned->position);
  EXPECT_TRUE(t.data.empty());
}

TEST_P(StoreConformance, TombstoneWithWrongExpectedRevisionFails) {
  append_ok("cart", ExpectedRevision::any(), numbered_events(2));
  auto r = store().tombstone_stream("cart", ExpectedRevision::no_stream());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kWrongExpectedRevision);
  EXPECT_EQ(r.error().actual_revision, std::optional<int64_t>(1));
  EXPECT_EQ(read_stream_ok("cart").size(), 2u);
}

TEST_P(StoreConformance, StreamThatNeverExistedCanBeTombstoned) {
  ASSERT_OK(store().tombstone_stream("reserved", ExpectedRevision::no_stream()));
  EXPECT_ERROR_CODE(store().append("reserved", ExpectedRevision::any(), numbered_events(1)),
                    ErrorCode::kStreamDeleted);
}

TEST_P(StoreConformance, SoftDeletedStreamCanBeTombstoned) {
  append_ok("cart", ExpectedRevision::any(), numbered_events(2));
  ASSERT_OK(store().delete_stream("cart", ExpectedRevision::any()));
  ASSERT_OK(store().tombstone_stream("cart", ExpectedRevision::any()));
  EXPECT_ERROR_CODE(store().read_stream("cart", {}), ErrorCode::kStreamDeleted);
  EXPECT_ERROR_CODE(store().append("cart", ExpectedRevision::any(), numbered_events(1)),
                    ErrorCode::kStreamDeleted);
}

// ---- Metadata ----

TEST_P(StoreConformance, MetadataOfStreamWithoutAnyIsEmptyObject) {
  append_ok("cart", ExpectedRevision::any(), numbered_events(1));
  for (const char* stream : {"cart", "never"}) {
    auto meta = store().get_metadata(stream);
    ASSERT_OK(meta);
    EXPECT_TRUE(same_json(meta->json, "{}"));
    EXPECT_FALSE(meta->revision.has_value());
  }
}

TEST_P(StoreConformance, SetMetadataIsReadBackLatestFirst) {
  append_ok("cart", ExpectedRevision::any(), numbered_events(1));
  auto first = store().set_metadata("cart", R"({"$maxCount":10,"owner":"alice"})",
                                    ExpectedRevision::no_stream());
  ASSERT_OK(first);
  EXPECT_EQ(first->first_revision.value, 0u);
  auto meta = store().get_metadata("cart");
  ASSERT_OK(meta);
  EXPECT_TRUE(same_json(meta->json, R"({"$maxCount":10,"owner":"alice"})"));
  EXPECT_EQ(meta->revision, std::optional(Revision{0}));

  auto second = store().set_metadata("cart", R"({"owner":"bob"})",
                                     ExpectedRevision::exact(Revision{0}));
  ASSERT_OK(second);
  meta = store().get_metadata("cart");
  ASSERT_OK(meta);
  EXPECT_TRUE(same_json(meta->json, R"({"owner":"bob"})")) << "the latest replaces the whole";
  EXPECT_EQ(meta->revision, std::optional(Revision{1}));
  // It lives in $$cart, as $metadata events.
  auto metastream = read_stream_ok("$$cart");
  ASSERT_EQ(metastream.size(), 2u);
  EXPECT_EQ(metastream[1].type, "$metadata");
  EXPECT_TRUE(same_json(metastream[1].data, R"({"owner":"bob"})"));
  // The stream itself is unchanged.
  EXPECT_EQ(read_stream_ok("cart").size(), 1u);
}

TEST_P(StoreConformance, SetMetadataWithWrongExpectedRevisionFails) {
  ASSERT_OK(store().set_metadata("cart", R"({"a":1})", ExpectedRevision::any()));
  auto r = store().set_metadata("cart", R"({"a":2})", ExpectedRevision::no_stream());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kWrongExpectedRevision);
  EXPECT_EQ(r.error().actual_revision, std::optional<int64_t>(0));
  auto meta = store().get_metadata("cart");
  ASSERT_OK(meta);
  EXPECT_TRUE(same_json(meta->json, R"({"a":1})"));
}

TEST_P(StoreConformance, SetMetadataRejectsInvalidJson) {
  EXPECT_ERROR_CODE(store().set_metadata("cart", "{not json", ExpectedRevision::any()),
                    ErrorCode::kInvalidArgument);
  auto meta = store().get_metadata("cart");
  ASSERT_OK(meta);
  EXPECT_FALSE(meta->revision.has_value());
}

TEST_P(StoreConformance, MetadataAppendedToMetastreamDirectlyIsHonoured) {
  append_ok("cart", ExpectedRevision::any(), numbered_events(4));
  append_ok("$$cart", ExpectedRevision::any(), {json_event("$metadata", R"({"$maxCount":1})")});
  auto meta = store().get_metadata("cart");
  ASSERT_OK(meta);
  EXPECT_TRUE(same_json(meta->json, R"({"$maxCount":1})"));
  EXPECT_EQ(revisions("cart"), (std::vector<uint64_t>{3}));
}

TEST_P(StoreConformance, MaxCountKeepsOnlyTheLastEventsOnRead) {
  append_ok("cart", ExpectedRevision::any(), numbered_events(5));
  ASSERT_OK(store().set_metadata("cart", R"({"$maxCount":2})", ExpectedRevision::any()));
  EXPECT_EQ(revisions("cart"), (std::vector<uint64_t>{3, 4}));
  EXPECT_EQ(revisions("cart", Direction::kBackwards), (std::vector<uint64_t>{4, 3}));
  append_ok("cart", ExpectedRevision::any(), numbered_events(1));
  EXPECT_EQ(revisions("cart"), (std::vector<uint64_t>{4, 5}));
  // Reading from an hidden revision starts at the first visible one.
  ReadStreamOptions from_zero;
  from_zero.from = Revision{0};
  EXPECT_EQ(revisions_of(read_stream_ok("cart", from_zero)), (std::vector<uint64_t>{4, 5}));
}

TEST_P(StoreConformance, TruncateBeforeHidesEarlierRevisionsOnRead) {
  append_ok("cart", ExpectedRevision::any(), numbered_events(6));
  ASSERT_OK(store().set_metadata("cart", R"({"$tb":4})", ExpectedRevision::any()));
  EXPECT_EQ(revisions("cart"), (std::vector<uint64_t>{4, 5}));
  EXPECT_EQ(revisions("cart", Direction::kBackwards), (std::vector<uint64_t>{5, 4}));
  append_ok("cart", ExpectedRevision::any(), numbered_events(1));
  EXPECT_EQ(revisions("cart"), (std::vector<uint64_t>{4, 5, 6}));
}

TEST_P(StoreConformance, MaxAgeHidesEventsOlderThanItOnRead) {
  append_ok("cart", ExpectedRevision::any(), numbered_events(3, "Old"));
  ASSERT_OK(store().set_metadata("cart", R"({"$maxAge":3600})", ExpectedRevision::any()));
  EXPECT_EQ(read_stream_ok("cart").size(), 3u) << "an hour has not passed";
  ASSERT_OK(store().set_metadata("cart", R"({"$maxAge":1})", ExpectedRevision::any()));
  // Wait (with a deadline) until the events are more than a second old.
  bool hidden = test::wait_until(
      [&] {
        auto r = store().read_stream("cart", {});
        return (r && r->events.empty()) || (!r && r.error().code == ErrorCode::kNotFound);
      },
      20s);
  EXPECT_TRUE(hidden) << "events older than $maxAge are still returned";
  AppendResult fresh = append_ok("cart", ExpectedRevision::any(), numbered_events(1, "New"));
  if (now_micros() - fresh.timestamp.micros < 900'000) {  // still younger than $maxAge
    auto read = read_stream_ok("cart");
    ASSERT_EQ(read.size(), 1u);
    EXPECT_EQ(read[0].revision.value, 3u);
  }
}

// ---- Listing and stats ----

TEST_P(StoreConformance, ListStreamsFiltersByPrefixAndPagesWithAfter) {
  for (const char* s : {"b/2", "a", "b/1", "c", "b/3"}) {
    append_ok(s, ExpectedRevision::any(), numbered_events(s[0] == 'b' ? 2 : 1));
  }
  auto b = store().list_streams(ListStreamsOptions{"b/", "", 100});
  ASSERT_OK(b);
  std::vector<std::string> names;
  for (const auto& s : *b) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"b/1", "b/2", "b/3"}));
  for (const auto& s : *b) {
    EXPECT_EQ(s.last_revision, std::optional(Revision{1})) << s.name;
    EXPECT_EQ(s.state, StreamState::kLive);
  }
  auto after = store().list_streams(ListStreamsOptions{"b/", "b/1", 100});
  ASSERT_OK(after);
  ASSERT_EQ(after->size(), 2u);
  EXPECT_EQ((*after)[0].name, "b/2");
  auto limited = store().list_streams(ListStreamsOptions{"", "a", 2});
  ASSERT_OK(limited);
  ASSERT_EQ(limited->size(), 2u);
  EXPECT_EQ((*limited)[0].name, "b/1");
  EXPECT_EQ((*limited)[1].name, "b/2");
}

TEST_P(StoreConformance, StatsCountEventsStreamsAndHead) {
  auto empty = store().stats();
  ASSERT_OK(empty);
  EXPECT_EQ(empty->events, 0u);
  EXPECT_EQ(empty->streams, 0u);
  EXPECT_EQ(empty->head.value, 0u);
  append_ok("a", ExpectedRevision::any(), numbered_events(3));
  append_ok("b", ExpectedRevision::any(), numbered_events(2));
  AppendResult last = append_ok("c", ExpectedRevision::any(), numbered_events(2));
  auto stats = store().stats();
  ASSERT_OK(stats);
  EXPECT_EQ(stats->events, 7u);
  EXPECT_EQ(stats->streams, 3u);
  EXPECT_EQ(stats->head, last.position);
  EXPECT_GT(stats->log_bytes, 0u);
  EXPECT_GE(stats->segments, 1u);
  EXPECT_GE(stats->appends, 3u);
}

}  // namespace
}  // namespace mnemos::conformance
