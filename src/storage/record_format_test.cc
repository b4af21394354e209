#include "storage/record_format.h"

#include <gtest/gtest.h>

#include "util/coding.h"
#include "util/crc32c.h"

namespace mnemos::storage {
namespace {

std::array<uint8_t, 16> sample_id() {
  std::array<uint8_t, 16> id{};
  for (uint8_t i = 0; i < 16; ++i) id[i] = static_cast<uint8_t>(i * 7 + 1);
  return id;
}

std::string encode_sample(bool commit_end) {
  std::string out;
  auto id = sample_id();
  encode_event_record(out, {.revision = 41,
                            .timestamp_micros = 1'764'064'800'000'001,
                            .id = id,
                            .content_flags = kMetadataBinary,
                            .stream = "cart-7",
                            .type = "ItemAdded",
                            .data = R"({"sku":"A1","qty":2})",
                            .metadata = std::string("\x00\x01\x02", 3),
                            .commit_end = commit_end});
  return out;
}

TEST(RecordFormat, EventRoundTrips) {
  std::string bytes = encode_sample(true);
  Decoded d = decode_record(bytes);
  ASSERT_EQ(d.status, DecodeStatus::kOk);
  EXPECT_EQ(d.size, bytes.size());
  EXPECT_EQ(d.event.revision, 41u);
  EXPECT_EQ(d.event.timestamp_micros, 1'764'064'800'000'001);
  EXPECT_EQ(d.event.id, sample_id());
  EXPECT_EQ(d.event.stream, "cart-7");
  EXPECT_EQ(d.event.type, "ItemAdded");
  EXPECT_EQ(d.event.data, R"({"sku":"A1","qty":2})");
  EXPECT_EQ(d.event.metadata, std::string("\x00\x01\x02", 3));
  EXPECT_EQ(d.event.content_flags, kMetadataBinary);
  EXPECT_TRUE(d.event.commit_end);
}

TEST(RecordFormat, EncodedSizeIsExact) {
  auto id = sample_id();
  const std::string data(200, 'x');
  EventRecordInput in{.revision = 300, .timestamp_micros = 5, .id = id, .content_flags = 0,
                      .stream = "s", .type = "t", .data = data, .metadata = "",
                      .commit_end = false};
  std::string out;
  EXPECT_EQ(encode_event_record(out, in), encoded_event_size(in));
  EXPECT_EQ(out.size(), encoded_event_size(in));
}

TEST(RecordFormat, ZeroesAreEndOfLog) {
  std::string zeros(64, '\0');
  EXPECT_EQ(decode_record(zeros).status, DecodeStatus::kEndOfLog);
  EXPECT_EQ(decode_record(std::string_view(zeros).substr(0, 4)).status, DecodeStatus::kEndOfLog);
}

TEST(RecordFormat, TornRecordIsIncomplete) {
  std::string bytes = encode_sample(true);
  for (size_t cut : {size_t{3}, size_t{9}, bytes.size() - 1}) {
    Decoded d = decode_record(std::string_view(bytes).substr(0, cut));
    EXPECT_EQ(d.status, DecodeStatus::kIncomplete) << cut;
  }
}

TEST(RecordFormat, AnyFlippedBitIsDetected) {
  std::string bytes = encode_sample(false);
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string damaged = bytes;
      damaged[i] = static_cast<char>(damaged[i] ^ (1 << bit));
      Decoded d = decode_record(damaged);
      EXPECT_NE(d.status, DecodeStatus::kOk) << "byte " << i << " bit " << bit;
    }
  }
}

TEST(RecordFormat, UnknownRecordTypeIsSkippableOnlyWithSafeToIgnore) {
  std::string bytes = encode_sample(false);
  auto reseal = [](std::string& b) {
    uint32_t len = coding::get_fixed32(b.data() + 4);
    coding::put_fixed32(b.data(), crc32c::mask(crc32c::value(b.data() + 4, len + 5)));
  };
  std::string ignorable = bytes;
  ignorable[8] = static_cast<char>(0x3e | kSafeToIgnore);
  reseal(ignorable);
  Decoded skip = decode_record(ignorable);
  EXPECT_EQ(skip.status, DecodeStatus::kSkippable);
  EXPECT_EQ(skip.size, bytes.size());

  std::string unknown = bytes;
  unknown[8] = static_cast<char>(0x3e);
  reseal(unknown);
  EXPECT_EQ(decode_record(unknown).status, DecodeStatus::kMalformed);
}

}  // namespace
}  // namespace mnemos::storage
