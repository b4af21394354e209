#include "replicated/write_command.h"

#include <gtest/gtest.h>

namespace mnemos::replicated {
namespace {

WriteCommand sample() {
  WriteCommand c;
  c.kind = store::WriteRequest::Kind::kAppend;
  c.stream = "cart-1/ü.*>";
  c.expected = ExpectedRevision::exact(Revision{41});
  c.marker_id = Uuid::random();
  EventData json{Uuid::random(), "ItemAdded", R"({"sku":"A","qty":2})", R"({"by":"u"})"};
  EventData binary{Uuid::random(), "Blob", std::string("\0\xff\x01", 3), "", ContentType::kBinary,
                   ContentType::kBinary};
  EventData empty{Uuid::random(), "Empty", "", ""};
  c.events = {json, binary, empty};
  return c;
}

TEST(WriteCommand, RoundTripsEveryField) {
  const WriteCommand sent = sample();
  auto got = decode_command(encode_command(sent));
  ASSERT_TRUE(got.has_value()) << got.error().to_string();
  EXPECT_EQ(got->kind, sent.kind);
  EXPECT_EQ(got->stream, sent.stream);
  EXPECT_EQ(got->expected, sent.expected);
  EXPECT_EQ(got->marker_id, sent.marker_id);
  ASSERT_EQ(got->events.size(), sent.events.size());
  for (size_t i = 0; i < sent.events.size(); ++i) {
    EXPECT_EQ(got->events[i].id, sent.events[i].id);
    EXPECT_EQ(got->events[i].type, sent.events[i].type);
    EXPECT_EQ(got->events[i].data, sent.events[i].data);
    EXPECT_EQ(got->events[i].metadata, sent.events[i].metadata);
    EXPECT_EQ(got->events[i].data_type, sent.events[i].data_type);
    EXPECT_EQ(got->events[i].metadata_type, sent.events[i].metadata_type);
  }
}

TEST(WriteCommand, EveryExpectedRevisionAndKindRoundTrips) {
  for (auto expected : {ExpectedRevision::any(), ExpectedRevision::no_stream(),
                        ExpectedRevision::stream_exists(), ExpectedRevision::exact(Revision{0})}) {
    for (auto kind : {store::WriteRequest::Kind::kDelete, store::WriteRequest::Kind::kTombstone}) {
      WriteCommand c;
      c.kind = kind;
      c.stream = "s";
      c.expected = expected;
      auto got = decode_command(encode_command(c));
      ASSERT_TRUE(got.has_value()) << got.error().to_string();
      EXPECT_EQ(got->expected, expected);
      EXPECT_EQ(got->kind, kind);
      EXPECT_TRUE(got->events.empty());
    }
  }
}

// Every flipped byte (XOR `flip`) and every truncation of `bytes` is corruption for `decode`.
template <typename Decode>
void expect_every_damage_is_corruption(const std::string& bytes, char flip, Decode decode) {
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string damaged = bytes;
    damaged[i] = static_cast<char>(damaged[i] ^ flip);
    auto got = decode(damaged);
    ASSERT_FALSE(got.has_value()) << "flip at " << i;
    EXPECT_EQ(got.error().code, ErrorCode::kCorruption);
  }
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto got = decode(std::string_view(bytes).substr(0, n));
    ASSERT_FALSE(got.has_value()) << "cut at " << n;
    EXPECT_EQ(got.error().code, ErrorCode::kCorruption);
  }
}

TEST(WriteCommand, EveryFlippedByteAndEveryTruncationIsCorruption) {
  expect_every_damage_is_corruption(encode_command(sample()), 0x10,
                                    [](std::string_view b) { return decode_command(b); });
}

TEST(WriteCommand, ForeignPayloadIsCorruptionNamingIt) {
  auto got = decode_command("hello, JetStream");
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().code, ErrorCode::kCorruption);
  EXPECT_NE(got.error().message.find("not a Mnemos write command"), std::string::npos);
}

TEST(WriteCommand, MessageOfOneCommandIsThatCommand) {
  const WriteCommand sent = sample();
  auto got = decode_message(encode_command(sent));
  ASSERT_TRUE(got.has_value()) << got.error().to_string();
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].stream, sent.stream);
  EXPECT_EQ((*got)[0].events.size(), 3u);
}

std::vector<std::string> three_commands() {
  std::vector<std::string> encoded;
  for (int i = 0; i < 3; ++i) {
    WriteCommand c = sample();
    c.stream = "s-" + std::to_string(i);
    c.expected = ExpectedRevision::exact(Revision{static_cast<uint64_t>(i)});
    encoded.push_back(encode_command(c));
  }
  return encoded;
}

TEST(WriteCommand, BatchKeepsItsWritesInOrder) {
  auto got = decode_message(encode_batch(three_commands()));
  ASSERT_TRUE(got.has_value()) << got.error().to_string();
  ASSERT_EQ(got->size(), 3u);
  for (uint64_t i = 0; i < 3; ++i) {
    EXPECT_EQ((*got)[i].stream, "s-" + std::to_string(i));
    EXPECT_EQ((*got)[i].expected, ExpectedRevision::exact(Revision{i}));
    EXPECT_EQ((*got)[i].events.size(), 3u);
  }
  auto empty = decode_message(encode_batch({}));
  ASSERT_TRUE(empty.has_value()) << empty.error().to_string();
  EXPECT_TRUE(empty->empty());
}

TEST(WriteCommand, DamagedBatchYieldsNoWriteAtAll) {
  expect_every_damage_is_corruption(encode_batch(three_commands()), 0x04,
                                    [](std::string_view b) { return decode_message(b); });
}

TEST(WriteCommand, AnUnknownMnemosFormatIsTakenForANewerVersionNotForForeign) {
  EXPECT_TRUE(from_newer_version("MNW2 whatever follows"));
  EXPECT_TRUE(from_newer_version("MNX1"));
  EXPECT_FALSE(from_newer_version(encode_command(sample())));
  EXPECT_FALSE(from_newer_version(encode_batch(three_commands())));
  EXPECT_FALSE(from_newer_version("hello, JetStream"));
  EXPECT_FALSE(from_newer_version("MN"));
}

TEST(WriteCommand, RequestCarriesCommitTimeAndMarkerId) {
  WriteCommand c = sample();
  const Uuid marker = c.marker_id;
  auto request = to_request(std::move(c), 1'780'000'000'000'000);
  EXPECT_EQ(request->commit_time, 1'780'000'000'000'000);
  EXPECT_EQ(request->marker_id, marker);
  EXPECT_EQ(request->events.size(), 3u);
  EXPECT_EQ(request->expected, ExpectedRevision::exact(Revision{41}));
}

}  // namespace
}  // namespace mnemos::replicated
