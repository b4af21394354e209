#include "json/base64.h"

#include <gtest/gtest.h>

namespace mnemos::json {
namespace {

TEST(Base64, EncodesRfc4648TestVectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

TEST(Base64, DecodesWhatItEncodes) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (size_t n = 0; n <= all.size(); n += 7) {
    auto decoded = base64_decode(base64_encode(all.substr(0, n)));
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(*decoded, all.substr(0, n));
  }
}

TEST(Base64, RejectsMalformedInput) {
  EXPECT_FALSE(base64_decode("Zg=").has_value());     // not a multiple of 4
  EXPECT_FALSE(base64_decode("Z===").has_value());    // too much padding
  EXPECT_FALSE(base64_decode("Zg==Zg==").has_value());  // padding in the middle
  EXPECT_FALSE(base64_decode("Zm9v!A==").has_value());  // outside the alphabet
  EXPECT_FALSE(base64_decode("Zm 9").has_value());      // whitespace
}

}  // namespace
}  // namespace mnemos::json
