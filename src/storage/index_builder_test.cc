#include "storage/index_builder.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "mnemos/types.h"

namespace mnemos::storage {
namespace {

class IndexBuilderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("mnemos-index-builder-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    auto index = Index::open(dir_.string(), 1 << 20);
    ASSERT_TRUE(index) << index.error().to_string();
    index_ = std::move(*index);
  }
  void TearDown() override {
    index_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Indexes one commit of `records` (stream, revision) at positions from `next_position_`, and
  // returns how many entries its batch wrote.
  size_t commit(std::initializer_list<std::pair<std::string_view, uint64_t>> records) {
    IndexBuilder builder(*index_, counters_, last_boundary_);
    for (const auto& [stream, revision] : records) {
      EXPECT_TRUE(builder.add(IndexedRecord{stream, revision, next_position_, 1, false}));
      next_position_ += 100;
    }
    builder.end_commit(next_position_);
    IndexBatch batch;
    builder.drain(batch);
    const size_t entries = batch.count();
    EXPECT_TRUE(index_->write(batch));
    return entries;
  }

  int64_t last_revision(std::string_view stream) {
    auto info = index_->stream(stream);
    EXPECT_TRUE(info);
    EXPECT_TRUE(info && *info);
    return info && *info ? (*info)->last_revision : -2;
  }

  std::filesystem::path dir_;
  std::unique_ptr<Index> index_;
  IndexCounters counters_;
  uint64_t last_boundary_ = 0;
  uint64_t next_position_ = 4096;
};

TEST_F(IndexBuilderTest, AnAppendToAKnownStreamWritesItsRunAloneAndTheStreamStillReadsRight) {
  // New streams: a stream entry and a run each, and the counters.
  EXPECT_EQ(commit({{"a", 0}, {"b", 0}}), 2u + 2u + 1u);
  EXPECT_EQ(last_revision("a"), 0);
  // Known streams: their runs and the counters only.
  EXPECT_EQ(commit({{"a", 1}, {"a", 2}, {"b", 1}}), 2u + 1u);
  EXPECT_EQ(last_revision("a"), 2);
  EXPECT_EQ(last_revision("b"), 1);
  EXPECT_EQ(counters_.streams, 2u);

  // After a reopen (memtable flushed or not), the same.
  ASSERT_TRUE(index_->flush());
  EXPECT_EQ(commit({{"b", 2}}), 1u + 1u);
  index_.reset();
  auto reopened = Index::open(dir_.string(), 1 << 20);
  ASSERT_TRUE(reopened);
  index_ = std::move(*reopened);
  EXPECT_EQ(last_revision("a"), 2);
  EXPECT_EQ(last_revision("b"), 2);

  auto listed = index_->list_streams("", "", 10);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].name, "a");
  EXPECT_EQ((*listed)[0].info.last_revision, 2);
  EXPECT_EQ((*listed)[1].name, "b");
  EXPECT_EQ((*listed)[1].info.last_revision, 2);
}

TEST_F(IndexBuilderTest, ATombstoneRewritesTheStreamEntry) {
  commit({{"gone", 0}, {"gone", 1}});
  EXPECT_EQ(commit({{"gone", kTombstoneRevision}}), 1u + 1u);
  auto info = index_->stream("gone");
  ASSERT_TRUE(info && *info);
  EXPECT_NE((*info)->tombstone_position, 0u);
  EXPECT_EQ((*info)->last_revision, 1);
}

TEST_F(IndexBuilderTest, AStreamWithoutEventsHasNoLastRevision) {
  commit({{"empty", kTombstoneRevision}});
  auto info = index_->stream("empty");
  ASSERT_TRUE(info && *info);
  EXPECT_EQ((*info)->last_revision, -1);
  auto missing = index_->stream("never");
  ASSERT_TRUE(missing);
  EXPECT_FALSE(*missing);
}

}  // namespace
}  // namespace mnemos::storage
