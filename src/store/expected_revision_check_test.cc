#include "store/expected_revision_check.h"

#include <gtest/gtest.h>

namespace mnemos::store {
namespace {

constexpr StreamFacts kNoStream{-1, false, false};
constexpr StreamFacts kAtThree{3, false, false};
constexpr StreamFacts kSoftDeletedAtThree{3, true, true};
constexpr StreamFacts kOnlyMetadata{-1, false, true};

ErrorCode code_of(ExpectedRevision e, const StreamFacts& f) {
  auto s = check_expected_revision("s", e, f);
  return s ? ErrorCode{0} : s.error().code;
}

TEST(ExpectedRevisionCheck, AnyAlwaysHolds) {
  for (const auto& f : {kNoStream, kAtThree, kSoftDeletedAtThree, kOnlyMetadata}) {
    EXPECT_TRUE(check_expected_revision("s", ExpectedRevision::any(), f));
  }
}

TEST(ExpectedRevisionCheck, NoStreamHoldsForMissingOrSoftDeletedStreams) {
  EXPECT_TRUE(check_expected_revision("s", ExpectedRevision::no_stream(), kNoStream));
  EXPECT_TRUE(check_expected_revision("s", ExpectedRevision::no_stream(), kSoftDeletedAtThree));
  auto r = check_expected_revision("s", ExpectedRevision::no_stream(), kAtThree);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kWrongExpectedRevision);
  EXPECT_EQ(r.error().actual_revision, 3);
}

TEST(ExpectedRevisionCheck, StreamExistsNeedsEventsOrMetadataAndFailsOnSoftDelete) {
  EXPECT_TRUE(check_expected_revision("s", ExpectedRevision::stream_exists(), kAtThree));
  EXPECT_TRUE(check_expected_revision("s", ExpectedRevision::stream_exists(), kOnlyMetadata));
  EXPECT_EQ(code_of(ExpectedRevision::stream_exists(), kNoStream),
            ErrorCode::kWrongExpectedRevision);
  EXPECT_EQ(code_of(ExpectedRevision::stream_exists(), kSoftDeletedAtThree),
            ErrorCode::kStreamDeleted);
}

TEST(ExpectedRevisionCheck, ExactMatchesTheLastRevisionEvenWhenSoftDeleted) {
  EXPECT_TRUE(check_expected_revision("s", ExpectedRevision::exact(Revision{3}), kAtThree));
  EXPECT_TRUE(
      check_expected_revision("s", ExpectedRevision::exact(Revision{3}), kSoftDeletedAtThree));
  auto r = check_expected_revision("cart", ExpectedRevision::exact(Revision{2}), kAtThree);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().actual_revision, 3);
  EXPECT_NE(r.error().message.find("cart"), std::string::npos);
  EXPECT_EQ(code_of(ExpectedRevision::exact(Revision{0}), kNoStream),
            ErrorCode::kWrongExpectedRevision);
}

}  // namespace
}  // namespace mnemos::store
