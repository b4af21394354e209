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

TEST(WriteCommand, EveryFlippedByteAndEveryTruncationIsCorruption) {
  const std::string bytes = encode_command(sample());
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string damaged = bytes;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x10);
    auto got = decode_command(damaged);
    ASSERT_FALSE(got.has_value()) << "flip at " << i;
    EXPECT_EQ(got.error().code, ErrorCode::kCorruption);
  }
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto got = decode_command(std::string_view(bytes).substr(0, n));
    ASSERT_FALSE(got.has_value()) << "cut at " << n;
    EXPECT_EQ(got.error().code, ErrorCode::kCorruption);
  }
}

TEST(WriteCommand, ForeignPayloadIsCorruptionNamingIt) {
  auto got = decode_command("hello, JetStream");
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().code, ErrorCode::kCorruption);
  EXPECT_NE(got.error().message.find("not a Mnemos write command"), std::string::npos);
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
