#include "nats/subject.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace mnemos::nats {
namespace {

bool is_safe_token(const std::string& token) {
  if (token.empty()) return false;
  for (char c : token) {
    if (c == '.' || c == '*' || c == '>' || c <= ' ' || static_cast<unsigned char>(c) >= 0x7F) {
      return false;
    }
  }
  return true;
}

TEST(SubjectToken, OddNamesRoundTripAndAreSafeTokens) {
  std::vector<std::string> names = {
      "order-123",  "",          "~",          "a.b.c",       "*",         ">",
      "$all",       "$$ce-cart", "with space", "tab\there",   "~41",       "caf\xc3\xa9",
      "line\nfeed", ".",         "..",         std::string("nul\0in", 6), "UPPER_lower-09",
      "\xff\xfe",   "a~b~~c"};
  for (const auto& name : names) {
    std::string token = encode_subject_token(name);
    EXPECT_TRUE(is_safe_token(token)) << "name '" << name << "' -> '" << token << "'";
    auto back = decode_subject_token(token);
    ASSERT_TRUE(back.has_value()) << token << ": " << back.error().to_string();
    EXPECT_EQ(*back, name);
  }
}

TEST(SubjectToken, PlainNamesAreUnchangedAndOthersEscaped) {
  EXPECT_EQ(encode_subject_token("cart-42_x"), "cart-42_x");
  EXPECT_EQ(encode_subject_token("a.b"), "a~2Eb");
  EXPECT_EQ(encode_subject_token("~"), "~7E");
  EXPECT_EQ(encode_subject_token(""), "~");
  EXPECT_EQ(stream_subject("mnemos", "$all"), "mnemos.~24all");
}

TEST(SubjectToken, RandomBytesRoundTrip) {
  std::mt19937 rng(12345);  // fixed seed: 12345
  for (int i = 0; i < 2000; ++i) {
    std::string name(rng() % 40, '\0');
    for (auto& c : name) c = static_cast<char>(rng() & 0xFF);
    std::string token = encode_subject_token(name);
    ASSERT_TRUE(is_safe_token(token));
    auto back = decode_subject_token(token);
    ASSERT_TRUE(back.has_value());
    ASSERT_EQ(*back, name);
  }
}

TEST(SubjectToken, DecodeRefusesWhatEncodeCannotProduce) {
  for (const char* bad : {"", "a.b", "~2e", "~4", "~41", "a~zz", "sp ace", "~~"}) {
    EXPECT_FALSE(decode_subject_token(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace mnemos::nats
