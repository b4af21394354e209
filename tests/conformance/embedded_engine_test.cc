// What only the embedded engine has: one owner per directory, recovery of a torn log tail,
// detection of damage in the middle of the log, verify and reindex.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "embedded_test_util.h"
#include "storage/record_format.h"
#include "store_conformance.h"
#include "support/child_process.h"
#include "support/files.h"
#include "support/temp_dir.h"
#include "support/test_random.h"
#include "support/wait.h"

namespace mnemos::embedded {
namespace {

using namespace std::chrono_literals;

using conformance::numbered_events;
using conformance::same_events;

class EmbeddedEngine : public testing::Test {
 protected:
  std::unique_ptr<Store> open(const Options& options = test_options()) {
    return open_or_fail(dir_.path(), options);
  }
  const std::string& dir() const { return dir_.path(); }

  // Appends and fails the test on error.
  static AppendResult append(Store& store, std::string_view stream, size_t n,
                             const std::string& type = "E") {
    auto r = store.append(stream, ExpectedRevision::any(), numbered_events(n, type));
    EXPECT_TRUE(r) << r.error().to_string();
    return r ? *r : AppendResult{};
  }

  static std::vector<RecordedEvent> read_all(Store& store) {
    auto r = store.read_all({});
    EXPECT_TRUE(r) << r.error().to_string();
    return r ? r->events : std::vector<RecordedEvent>{};
  }

 private:
  test::TempDir dir_{"engine"};
};

// Runs this test binary as `--open-probe DIR` and returns what it printed.
std::string open_from_another_process(const std::string& dir) {
  test::ChildProcess probe({test::ChildProcess::self_path(), "--open-probe", dir});
  std::string output = probe.read_to_end();
  probe.wait();
  return output;
}

// ---- One owner ----

TEST_F(EmbeddedEngine, SecondOpenInTheSameProcessFailsWithLockedNamingThePid) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  auto second = open_embedded(dir(), test_options());
  ASSERT_FALSE(second) << "two stores opened on one directory";
  EXPECT_EQ(second.error().code, ErrorCode::kLocked) << second.error().to_string();
  EXPECT_NE(second.error().message.find(std::to_string(::getpid())), std::string::npos)
      << "the message names the owner: " << second.error().message;
}

TEST_F(EmbeddedEngine, OpenFromAnotherProcessFailsWithLockedNamingTheOwner) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  append(*store, "s", 1);
  const std::string output = open_from_another_process(dir());
  EXPECT_TRUE(output.starts_with("locked\n")) << output;
  EXPECT_NE(output.find(std::to_string(::getpid())), std::string::npos)
      << "the message names the owner pid " << ::getpid() << ": " << output;
}

TEST_F(EmbeddedEngine, LockIsReleasedWhenTheStoreCloses) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  store.reset();
  EXPECT_EQ(open_from_another_process(dir()), "opened\n");
  auto again = open();
  ASSERT_NE(again, nullptr);
}

// ---- Torn tail ----

enum class Tear {
  kInsideFirstRecordHeader,  // the last append's first record is cut in its header
  kAtRecordBoundary,         // complete records, but the one with kCommitEnd is missing
  kInsideLastRecord,         // the last record is cut in its payload
  kLastByteMissing,
  kGarbageFromSecondRecord,  // random bytes over the end of the last append
  kZerosFromSecondRecord,    // as if the last append's end never reached the disk
};

std::string tear_name(const testing::TestParamInfo<Tear>& info) {
  switch (info.param) {
    case Tear::kInsideFirstRecordHeader: return "InsideFirstRecordHeader";
    case Tear::kAtRecordBoundary: return "AtRecordBoundary";
    case Tear::kInsideLastRecord: return "InsideLastRecord";
    case Tear::kLastByteMissing: return "LastByteMissing";
    case Tear::kGarbageFromSecondRecord: return "GarbageFromSecondRecord";
    case Tear::kZerosFromSecondRecord: return "ZerosFromSecondRecord";
  }
  return "?";
}

class TornTail : public EmbeddedEngine, public testing::WithParamInterface<Tear> {};

TEST_P(TornTail, ReopenDropsThePartialAppendAndKeepsTheRest) {
  std::vector<RecordedEvent> before;
  std::vector<RecordedEvent> last_append;  // its events, as read back
  AppendResult kept;
  {
    auto store = open();
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < 5; ++i) append(*store, "s" + std::to_string(i % 2), 2);
    kept = append(*store, "s", 3);
    before = read_all(*store);
    append(*store, "s", 3, "Torn");
    auto all = read_all(*store);
    last_append.assign(all.end() - 3, all.end());
  }
  const FileOffset first = locate(dir(), last_append[0].position);
  const FileOffset second = locate(dir(), last_append[1].position);
  const FileOffset last = locate(dir(), last_append[2].position);
  ASSERT_EQ(first.path, last.path) << "an append stays in one segment";
  const uint64_t end = last.offset + record_size(last_append[2]);
  test::TestRandom random("TornTail");
  switch (GetParam()) {
    case Tear::kInsideFirstRecordHeader:
      test::truncate_file(first.path, first.offset + 5);
      break;
    case Tear::kAtRecordBoundary:
      test::truncate_file(first.path, last.offset);
      break;
    case Tear::kInsideLastRecord:
      test::truncate_file(first.path, last.offset + record_size(last_append[2]) / 2);
      break;
    case Tear::kLastByteMissing:
      test::truncate_file(first.path, end - 1);
      break;
    case Tear::kGarbageFromSecondRecord:
      test::write_at(first.path, second.offset + 3, random.bytes(end - second.offset - 3));
      break;
    case Tear::kZerosFromSecondRecord:
      test::write_at(first.path, second.offset, std::string(end - second.offset, '\0'));
      break;
  }

  auto store = open();
  ASSERT_NE(store, nullptr) << "a torn tail is not fatal";
  EXPECT_EQ(store->head(), kept.position);
  EXPECT_TRUE(same_events(read_all(*store), before)) << "the partial append is gone entirely";
  auto s = store->read_stream("s", {});
  ASSERT_TRUE(s) << s.error().to_string();
  EXPECT_EQ(s->events.back().position, kept.position);
  EXPECT_EQ(s->events.back().revision, kept.last_revision);

  // Writing goes on from the last complete append, and survives another reopen.
  auto next = store->append("s", ExpectedRevision::exact(kept.last_revision),
                            numbered_events(2, "After"));
  ASSERT_TRUE(next) << next.error().to_string();
  EXPECT_EQ(next->first_revision.value, kept.last_revision.value + 1);
  EXPECT_GT(next->position, kept.position);
  auto after = read_all(*store);
  store.reset();
  store = open();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(same_events(read_all(*store), after));
}

INSTANTIATE_TEST_SUITE_P(Tears, TornTail,
                         testing::Values(Tear::kInsideFirstRecordHeader, Tear::kAtRecordBoundary,
                                         Tear::kInsideLastRecord, Tear::kLastByteMissing,
                                         Tear::kGarbageFromSecondRecord,
                                         Tear::kZerosFromSecondRecord),
                         tear_name);

// ---- Damage in the middle of the log ----

// Where the damaged record lies: in the segment being written, close to the end of the log, or
// in an older, sealed segment.
enum class DamageIn { kTailSegment, kSealedSegment };

class MidLogCorruption : public EmbeddedEngine, public testing::WithParamInterface<DamageIn> {};

TEST_P(MidLogCorruption, IsReportedWithItsPositionNeverAsData) {
  Position damaged;
  std::string damaged_stream;
  size_t written = 0;
  {
    auto store = open();
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < 10; ++i) append(*store, "s" + std::to_string(i % 3), 2);
    if (GetParam() == DamageIn::kSealedSegment) {
      for (int i = 0; i < 30; ++i) {  // 3 MiB: the damaged record's segment gets sealed
        ASSERT_TRUE(store->append(
            "filler", ExpectedRevision::any(),
            {conformance::binary_event("Fill", std::string(100 << 10, 'f'))}));
      }
    }
    append(*store, "untouched", 1);
    auto all = read_all(*store);
    written = all.size();
    damaged = all[4].position;
    damaged_stream = all[4].stream;
    ASSERT_NE(damaged_stream, "s1") << "s1 must stay clean for this test";
  }
  const FileOffset at = locate(dir(), damaged);
  test::flip_byte(at.path, at.offset + storage::kRecordHeaderSize + 20);

  auto store = open_embedded(dir(), test_options());
  if (!store) {
    // Refusing to open is allowed, if it says where.
    EXPECT_EQ(store.error().code, ErrorCode::kCorruption) << store.error().to_string();
    EXPECT_EQ(store.error().position, std::optional(damaged.value)) << store.error().to_string();
  } else {
    auto all = (*store)->read_all({});
    ASSERT_FALSE(all) << "read_all returned " << all->events.size() << " of the " << written
                      << " events written, across a damaged record at " << damaged.value
                      << "; head " << (*store)->head().value;
    EXPECT_EQ(all.error().code, ErrorCode::kCorruption) << all.error().to_string();
    EXPECT_EQ(all.error().position, std::optional(damaged.value)) << all.error().to_string();
    auto stream = (*store)->read_stream(damaged_stream, {});
    ASSERT_FALSE(stream) << "read_stream returned data across a damaged record";
    EXPECT_EQ(stream.error().code, ErrorCode::kCorruption) << stream.error().to_string();
    EXPECT_EQ(stream.error().position, std::optional(damaged.value));
    auto clean = (*store)->read_stream("untouched", {});
    EXPECT_TRUE(clean) << "a stream away from the damage still reads: "
                       << clean.error().to_string();
    store->reset();
  }
  auto verified = verify_embedded(dir());
  ASSERT_FALSE(verified) << "verify did not notice the damage";
  EXPECT_EQ(verified.error().code, ErrorCode::kCorruption);
  EXPECT_EQ(verified.error().position, std::optional(damaged.value))
      << verified.error().to_string();
  EXPECT_NE(verified.error().message.find(std::to_string(damaged.value)), std::string::npos)
      << "the message names the position: " << verified.error().message;
}

INSTANTIATE_TEST_SUITE_P(Places, MidLogCorruption,
                         testing::Values(DamageIn::kTailSegment, DamageIn::kSealedSegment),
                         [](const testing::TestParamInfo<DamageIn>& p) {
                           return p.param == DamageIn::kTailSegment ? "InTheTailSegment"
                                                                    : "InASealedSegment";
                         });

TEST_F(EmbeddedEngine, DamagedSegmentHeaderIsCorruption) {
  {
    auto store = open();
    ASSERT_NE(store, nullptr);
    append(*store, "s", 3);
  }
  const auto segments = segment_files(dir());
  ASSERT_FALSE(segments.empty());
  test::flip_byte(segments[0].path, 20);  // inside the base position
  auto store = open_embedded(dir(), test_options());
  if (store) {
    EXPECT_FALSE((*store)->read_all({})) << "events read from a segment with a bad header";
    store->reset();
  } else {
    EXPECT_EQ(store.error().code, ErrorCode::kCorruption) << store.error().to_string();
  }
  auto verified = verify_embedded(dir());
  ASSERT_FALSE(verified);
  EXPECT_EQ(verified.error().code, ErrorCode::kCorruption);
}

// ---- Verify, reindex, a lost index ----

TEST_F(EmbeddedEngine, VerifyCountsRecordsAndCommitsOfAHealthyStore) {
  {
    auto store = open();
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < 7; ++i) append(*store, "s" + std::to_string(i % 2), 3);
    ASSERT_TRUE(store->tombstone_stream("s0", ExpectedRevision::any()));
  }
  uint64_t calls = 0;
  auto report = verify_embedded(dir(), [&](uint64_t done, uint64_t total) {
    EXPECT_LE(done, total);
    ++calls;
  });
  ASSERT_TRUE(report) << report.error().to_string();
  EXPECT_EQ(report->records, 22u) << "21 events and a tombstone";
  EXPECT_EQ(report->commits, 8u);
  EXPECT_GT(report->bytes, 0u);
  EXPECT_GT(report->index_entries_checked, 0u);
}

TEST_F(EmbeddedEngine, ReindexRebuildsTheSameReads) {
  std::vector<RecordedEvent> all;
  Result<StreamReadResult> s3;
  {
    auto store = open();
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < 30; ++i) append(*store, "s" + std::to_string(i % 4), 1 + i % 3);
    ASSERT_TRUE(store->delete_stream("s1", ExpectedRevision::any()));
    ASSERT_TRUE(store->set_metadata("s2", R"({"$maxCount":3})", ExpectedRevision::any()));
    all = read_all(*store);
    s3 = store->read_stream("s3", {});
    ASSERT_TRUE(s3);
  }
  ASSERT_TRUE(reindex_embedded(dir()));
  auto store = open();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(same_events(read_all(*store), all));
  EXPECT_EQ(store->read_stream("s1", {}).error().code, ErrorCode::kNotFound);
  auto s2 = store->read_stream("s2", {});
  ASSERT_TRUE(s2);
  EXPECT_EQ(s2->events.size(), 3u);
  auto s3_after = store->read_stream("s3", {});
  ASSERT_TRUE(s3_after);
  EXPECT_TRUE(same_events(s3_after->events, s3->events));
}

TEST_F(EmbeddedEngine, LostIndexIsRebuiltFromTheLogOnOpen) {
  std::vector<RecordedEvent> all;
  {
    auto store = open();
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < 20; ++i) append(*store, "s" + std::to_string(i % 3), 2);
    all = read_all(*store);
  }
  std::filesystem::remove_all(dir() + "/index");
  auto store = open();
  ASSERT_NE(store, nullptr) << "the index is derived: losing it is not fatal";
  EXPECT_TRUE(same_events(read_all(*store), all));
  auto s0 = store->read_stream("s0", {});
  ASSERT_TRUE(s0);
  EXPECT_EQ(s0->events.size(), 14u);
  auto r = store->append("s0", ExpectedRevision::exact(Revision{13}), numbered_events(1));
  EXPECT_TRUE(r) << r.error().to_string();
}

// ---- Sizes ----

TEST_F(EmbeddedEngine, AppendAboveMaxAppendSizeIsTooLarge) {
  Options o = test_options();
  o.max_event_size = 64 << 10;
  auto store = open(o);
  ASSERT_NE(store, nullptr);
  std::vector<EventData> events;
  for (int i = 0; i < 20; ++i) {  // 20 × 60 KiB > 1 MiB, each under the event limit
    events.push_back(conformance::binary_event("Chunk", std::string(60 << 10, 'c')));
  }
  auto r = store->append("s", ExpectedRevision::any(), events);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kTooLarge) << r.error().to_string();
  EXPECT_EQ(store->head().value, 0u);
  events.resize(10);
  EXPECT_TRUE(store->append("s", ExpectedRevision::any(), events));
}

TEST_F(EmbeddedEngine, AppendsFillSegmentsAndRollOver) {
  std::vector<RecordedEvent> all;
  {
    auto store = open();
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < 12; ++i) {  // 12 × 500 KiB over 2 MiB segments
      std::vector<EventData> events;
      for (int k = 0; k < 5; ++k) {
        events.push_back(conformance::binary_event("Chunk", std::string(100 << 10, 'a' + k)));
      }
      ASSERT_TRUE(store->append("big", ExpectedRevision::any(), events));
    }
    auto stats = store->stats();
    ASSERT_TRUE(stats);
    EXPECT_GE(stats->segments, 3u);
    all = read_all(*store);
  }
  const auto segments = segment_files(dir());
  EXPECT_GE(segments.size(), 3u);
  for (size_t i = 1; i < segments.size(); ++i) EXPECT_GT(segments[i].base, segments[i - 1].base);
  auto store = open();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(same_events(read_all(*store), all));
}

// Segment space is reserved (zeros written and synced) ahead of the writes by a thread of its
// own. Appends that cross several reservations must all read back intact, before and after a
// reopen: a reservation never zeroes what was written.
TEST_F(EmbeddedEngine, AppendsAcrossReservationsOfSegmentSpaceReadBackIntact) {
  Options options = test_options();
  options.segment_size = 64ull << 20;  // one segment, reserved 4 MiB at a time
  std::vector<RecordedEvent> all;
  {
    auto store = open(options);
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < 150; ++i) {  // 150 × 100 KiB, and small appends between them
      ASSERT_TRUE(store->append("big", ExpectedRevision::any(),
                                {conformance::binary_event("Chunk", std::string(100 << 10, 'a' + i % 26))}));
      append(*store, "small-" + std::to_string(i % 7), 3);
    }
    all = read_all(*store);
    ASSERT_EQ(all.size(), 150u * 4);
    const auto segments = segment_files(dir());
    ASSERT_EQ(segments.size(), 1u);
    // The file holds space beyond what is written, reserved before it was needed.
    auto stats = store->stats();
    ASSERT_TRUE(stats);
    EXPECT_TRUE(test::wait_until(
        [&] { return std::filesystem::file_size(segments[0].path) > stats->log_bytes; }, 10s));
  }
  auto store = open(options);
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(same_events(read_all(*store), all));
  append(*store, "small-0", 1);  // and writing goes on where it stopped
  EXPECT_EQ(read_all(*store).size(), all.size() + 1);
}

}  // namespace
}  // namespace mnemos::embedded
