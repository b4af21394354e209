#include "util/time_format.h"

#include <gtest/gtest.h>

namespace mnemos {
namespace {

TEST(TimeFormat, FormatsUtcWithMicroseconds) {
  EXPECT_EQ(format_rfc3339(Timestamp{0}), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(format_rfc3339(Timestamp{1'764'064'800'123'456}), "2025-11-25T10:00:00.123456Z");
}

TEST(TimeFormat, ParsesZuluOffsetsAndFractions) {
  auto z = parse_rfc3339("2026-11-25T10:00:00Z");
  ASSERT_TRUE(z);
  EXPECT_EQ(format_rfc3339(*z), "2026-11-25T10:00:00.000000Z");
  auto frac = parse_rfc3339("2026-11-25T10:00:00.5+01:00");
  ASSERT_TRUE(frac);
  EXPECT_EQ(format_rfc3339(*frac), "2026-11-25T09:00:00.500000Z");
  auto nanos = parse_rfc3339("2026-11-25T10:00:00.123456789-05:30");
  ASSERT_TRUE(nanos);
  EXPECT_EQ(format_rfc3339(*nanos), "2026-11-25T15:30:00.123456Z");
}

TEST(TimeFormat, RoundTrips) {
  Timestamp t{1'800'000'000'654'321};
  auto back = parse_rfc3339(format_rfc3339(t));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, t);
}

TEST(TimeFormat, RejectsGarbageWithClearError) {
  for (const char* bad : {"", "yesterday", "2026-13-01T00:00:00Z", "2026-11-25T10:00:00",
                          "2026-11-25T10:00Z", "2026-11-25T10:00:00.Z"}) {
    auto r = parse_rfc3339(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message.find("RFC 3339"), std::string::npos);
  }
}

}  // namespace
}  // namespace mnemos
