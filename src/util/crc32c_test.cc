#include "util/crc32c.h"

#include <gtest/gtest.h>

#include <string>

namespace mnemos::crc32c {
namespace {

TEST(Crc32c, MatchesStandardCheckValue) {
  // The CRC-32C check value of "123456789" (RFC 3720, appendix B.4).
  EXPECT_EQ(value("123456789", 9), 0xe3069283u);
}

TEST(Crc32c, MatchesRfc3720TestVectors) {
  std::string zeros(32, '\0');
  EXPECT_EQ(value(zeros.data(), zeros.size()), 0x8a9136aau);
  std::string ones(32, '\xff');
  EXPECT_EQ(value(ones.data(), ones.size()), 0x62a8ab43u);
}

TEST(Crc32c, ExtendEqualsWholeValue) {
  std::string s = "hello event sourcing world, with some length to it";
  uint32_t whole = value(s.data(), s.size());
  uint32_t part = extend(value(s.data(), 13), s.data() + 13, s.size() - 13);
  EXPECT_EQ(whole, part);
}

TEST(Crc32c, MaskRoundTripsAndDiffers) {
  uint32_t c = value("foo", 3);
  EXPECT_NE(mask(c), c);
  EXPECT_EQ(unmask(mask(c)), c);
}

}  // namespace
}  // namespace mnemos::crc32c
