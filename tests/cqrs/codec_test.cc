// Event codecs: names, JSON both ways, unknown types as an error or skipped, bad payloads.
#include "mnemos/cqrs/codec.h"

#include <gtest/gtest.h>

#include "cart.h"

namespace {

using mnemos::ContentType;
using mnemos::ErrorCode;
using mnemos::RecordedEvent;
using mnemos::cqrs::Codec;
using mnemos::cqrs::UnknownEvents;

RecordedEvent recorded(std::string type, std::string data) {
  RecordedEvent r;
  r.stream = "cart-1";
  r.revision = mnemos::Revision{7};
  r.type = std::move(type);
  r.data = std::move(data);
  return r;
}

TEST(CqrsCodec, NamesAreTheDeclaredOnes) {
  EXPECT_EQ(mnemos::cqrs::event_type_name<cart::ItemAdded>(), "cart.item-added");
  EXPECT_EQ(mnemos::cqrs::event_type_name<cart::CheckedOut>(), "cart.checked-out");
  EXPECT_TRUE(Codec<cart::Event>::knows("cart.quantity-changed"));
  EXPECT_FALSE(Codec<cart::Event>::knows("ItemAdded"));
}

TEST(CqrsCodec, EncodeGivesTypeAndJson) {
  auto data = mnemos::cqrs::encode(cart::Event{cart::ItemAdded{"apple", 3}});
  ASSERT_TRUE(data) << data.error().to_string();
  EXPECT_EQ(data->type, "cart.item-added");
  EXPECT_EQ(data->data_type, ContentType::kJson);
  EXPECT_EQ(nlohmann::json::parse(data->data), (nlohmann::json{{"sku", "apple"}, {"quantity", 3}}));
  EXPECT_TRUE(data->metadata.empty());
  EXPECT_FALSE(data->id.has_value());
}

TEST(CqrsCodec, DecodeRoundTripsEveryAlternative) {
  const std::vector<cart::Event> events{cart::ItemAdded{"apple", 3}, cart::ItemRemoved{"pear"},
                                        cart::QuantityChanged{"apple", 5}, cart::CheckedOut{5}};
  for (const cart::Event& event : events) {
    auto data = mnemos::cqrs::encode(event);
    ASSERT_TRUE(data);
    auto decoded = mnemos::cqrs::decode<cart::Event>(recorded(data->type, data->data));
    ASSERT_TRUE(decoded) << decoded.error().to_string();
    ASSERT_TRUE(decoded->has_value());
    EXPECT_EQ(**decoded, event);
  }
}

TEST(CqrsCodec, UnknownTypeIsAnErrorByDefault) {
  auto decoded = mnemos::cqrs::decode<cart::Event>(recorded("cart.renamed", R"({"name":"x"})"));
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(decoded.error().message.find("cart.renamed"), std::string::npos);
  EXPECT_NE(decoded.error().message.find("cart-1"), std::string::npos);
}

TEST(CqrsCodec, UnknownTypeIsSkippedWhenAsked) {
  auto decoded =
      mnemos::cqrs::decode<cart::Event>(recorded("cart.renamed", "{}"), UnknownEvents::kSkip);
  ASSERT_TRUE(decoded);
  EXPECT_FALSE(decoded->has_value());
}

TEST(CqrsCodec, BadPayloadsAreErrorsEvenWhenSkippingUnknownTypes) {
  for (const char* payload : {"not json", R"({"sku":"apple"})", R"({"sku":1,"quantity":2})"}) {
    auto decoded = mnemos::cqrs::decode<cart::Event>(recorded("cart.item-added", payload),
                                                     UnknownEvents::kSkip);
    ASSERT_FALSE(decoded) << payload;
    EXPECT_EQ(decoded.error().code, ErrorCode::kInvalidArgument) << payload;
  }
  RecordedEvent binary = recorded("cart.item-removed", R"({"sku":"a"})");
  binary.data_type = ContentType::kBinary;
  EXPECT_FALSE(mnemos::cqrs::decode<cart::Event>(binary));
}

TEST(CqrsCodec, EncodeReportsValuesThatAreNotJson) {
  auto data = mnemos::cqrs::encode(cart::Event{cart::ItemRemoved{std::string("\xff\xfe")}});
  ASSERT_FALSE(data);
  EXPECT_EQ(data.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
