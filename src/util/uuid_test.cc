#include "mnemos/uuid.h"

#include <gtest/gtest.h>

#include <set>

namespace mnemos {
namespace {

TEST(Uuid, ParsesAndPrintsCanonicalForm) {
  auto u = Uuid::parse("0F8FAD5B-D9CB-469F-A165-70867728950E");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->to_string(), "0f8fad5b-d9cb-469f-a165-70867728950e");
}

TEST(Uuid, RandomIsVersion4AndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    Uuid u = Uuid::random();
    EXPECT_EQ(u.bytes[6] >> 4, 4);
    EXPECT_EQ(u.bytes[8] >> 6, 2);
    seen.insert(u.to_string());
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(Uuid, RejectsMalformedText) {
  for (const char* bad : {"", "not-a-uuid", "0f8fad5b-d9cb-469f-a165-70867728950",
                          "0f8fad5bxd9cb-469f-a165-70867728950e",
                          "0f8fad5b-d9cb-469f-a165-70867728950g"}) {
    auto u = Uuid::parse(bad);
    ASSERT_FALSE(u) << bad;
    EXPECT_EQ(u.error().code, ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace mnemos
