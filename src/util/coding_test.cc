#include "util/coding.h"

#include <gtest/gtest.h>

#include <limits>

namespace mnemos::coding {
namespace {

TEST(Coding, VarintRoundTripsBoundaryValues) {
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{127}, uint64_t{128}, uint64_t{16383},
                     uint64_t{16384}, uint64_t{1} << 62, std::numeric_limits<uint64_t>::max()}) {
    std::string buf;
    put_varint(buf, v);
    EXPECT_EQ(buf.size(), varint_length(v));
    std::string_view in = buf;
    uint64_t out = 0;
    ASSERT_TRUE(get_varint(in, out));
    EXPECT_EQ(out, v);
    EXPECT_TRUE(in.empty());
  }
}

TEST(Coding, TruncatedVarintIsRejected) {
  std::string buf;
  put_varint(buf, 1u << 20);
  std::string_view in(buf.data(), buf.size() - 1);
  uint64_t out;
  EXPECT_FALSE(get_varint(in, out));
}

TEST(Coding, OverlongVarintIsRejected) {
  std::string buf(11, '\xff');
  std::string_view in = buf;
  uint64_t out;
  EXPECT_FALSE(get_varint(in, out));
}

TEST(Coding, LengthPrefixedBeyondInputIsRejected) {
  std::string buf;
  put_varint(buf, 10);
  buf += "abc";
  std::string_view in = buf, out;
  EXPECT_FALSE(get_length_prefixed(in, out));
}

TEST(Coding, BigEndianSortsNumerically) {
  std::string a, b;
  put_big_endian64(a, 255);
  put_big_endian64(b, 256);
  EXPECT_LT(a, b);
  EXPECT_EQ(get_big_endian64(b.data()), 256u);
}

}  // namespace
}  // namespace mnemos::coding
