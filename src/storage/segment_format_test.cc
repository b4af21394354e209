#include "storage/segment_format.h"

#include <gtest/gtest.h>

namespace mnemos::storage {
namespace {

TEST(SegmentFormat, HeaderRoundTrips) {
  SegmentHeader h;
  h.base = 123456789;
  for (uint8_t i = 0; i < 16; ++i) h.store_id[i] = i;
  h.created_micros = 42;
  std::string bytes = encode_segment_header(h);
  ASSERT_EQ(bytes.size(), kSegmentHeaderSize);
  auto back = decode_segment_header(bytes);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->base, h.base);
  EXPECT_EQ(back->store_id, h.store_id);
  EXPECT_EQ(back->created_micros, 42);
}

TEST(SegmentFormat, DamagedHeaderIsCorruption) {
  std::string bytes = encode_segment_header(SegmentHeader{});
  bytes[20] ^= 1;
  auto r = decode_segment_header(bytes);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kCorruption);
  EXPECT_FALSE(decode_segment_header(std::string(64, 'x')));
}

TEST(SegmentFormat, FileNamesSortInLogOrder) {
  EXPECT_EQ(segment_file_name(0), "00000000000000000000.seg");
  EXPECT_LT(segment_file_name(999), segment_file_name(1000));
  EXPECT_EQ(parse_segment_file_name(segment_file_name(77)), 77u);
  EXPECT_FALSE(parse_segment_file_name("0000000000000000000x.seg"));
  EXPECT_FALSE(parse_segment_file_name("LOCK"));
}

}  // namespace
}  // namespace mnemos::storage
