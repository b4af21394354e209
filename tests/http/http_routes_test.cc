// The routes of docs/HTTP.md with good input: what each answers, with which status.
#include "http_fixture.h"

namespace mnemos::test {
namespace {

constexpr const char* kTwoEvents =
    R"([{"type":"ItemAdded","data":{"sku":"A1"}},{"type":"ItemAdded","data":{"sku":"B7"},"metadata":{"by":"me"}}])";

TEST_F(HttpTest, AppendAnswers201WithRevisionsAndPosition) {
  auto r = post("/streams/cart-1", kTwoEvents, "no_stream");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201) << r->body;
  Json ack = body_of(r);
  EXPECT_EQ(ack["stream"], "cart-1");
  EXPECT_EQ(ack["first_revision"], 0);
  EXPECT_EQ(ack["last_revision"], 1);
  EXPECT_EQ(ack["position"], store_->head().value);
}

TEST_F(HttpTest, ExpectedRevisionComesFromHeaderOrQuery) {
  ASSERT_EQ(post("/streams/s", kTwoEvents, "no_stream")->status, 201);
  EXPECT_EQ(post("/streams/s?expected=1", R"([{"type":"T"}])")->status, 201);
  EXPECT_EQ(post("/streams/s", R"([{"type":"T"}])", "2")->status, 201);
  EXPECT_EQ(post("/streams/s?expected=exists", R"([{"type":"T"}])")->status, 201);
  EXPECT_EQ(post("/streams/s?expected=any", R"([{"type":"T"}])")->status, 201);
  EXPECT_EQ(post("/streams/other", R"([{"type":"T"}])", "exists")->status, 409);
}

TEST_F(HttpTest, WrongExpectedRevisionIs409WithActualRevisionAndWritesNothing) {
  ASSERT_EQ(post("/streams/s", kTwoEvents)->status, 201);
  const Position head = store_->head();
  auto r = post("/streams/s", R"([{"type":"T"}])", "0");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 409);
  Json body = body_of(r);
  EXPECT_EQ(body["error"]["code"], "wrong_expected_revision");
  EXPECT_EQ(body["error"]["actual_revision"], 1);
  EXPECT_EQ(store_->head(), head);
}

TEST_F(HttpTest, AppendToTombstonedStreamIs410) {
  ASSERT_EQ(post("/streams/gone", kTwoEvents)->status, 201);
  ASSERT_EQ(client().Delete("/streams/gone?hard=true")->status, 204);
  auto r = post("/streams/gone", R"([{"type":"T"}])");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 410);
  EXPECT_EQ(body_of(r)["error"]["code"], "stream_deleted");
}

TEST_F(HttpTest, ReadStreamReturnsEventsAsTheCliPrintsThem) {
  ASSERT_EQ(post("/streams/cart-1", kTwoEvents)->status, 201);
  auto r = get("/streams/cart-1");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  Json body = body_of(r);
  EXPECT_EQ(body["stream"], "cart-1");
  ASSERT_EQ(body["events"].size(), 2u);
  const Json& e = body["events"][1];
  EXPECT_EQ(e["stream"], "cart-1");
  EXPECT_EQ(e["revision"], 1);
  EXPECT_EQ(e["type"], "ItemAdded");
  EXPECT_EQ(e["data"], Json::parse(R"({"sku":"B7"})"));
  EXPECT_EQ(e["metadata"], Json::parse(R"({"by":"me"})"));
  EXPECT_EQ(e["position"], store_->head().value);
  EXPECT_EQ(e["id"].get<std::string>().size(), 36u);
  EXPECT_TRUE(e["timestamp"].get<std::string>().ends_with("Z"));
  EXPECT_TRUE(body["next"].is_null());
}

TEST_F(HttpTest, AppendKeepsGivenIdsAndBinaryPayloads) {
  auto r = post("/streams/b", R"([{"id":"0c4f5a52-5f0e-4c1c-9a57-1b2ad6f3e9a1","type":"T",)"
                              R"("data":"AP8Q","data_encoding":"base64"}])");
  ASSERT_EQ(r->status, 201) << r->body;
  Json e = body_of(get("/streams/b"))["events"][0];
  EXPECT_EQ(e["id"], "0c4f5a52-5f0e-4c1c-9a57-1b2ad6f3e9a1");
  EXPECT_EQ(e["data"], "AP8Q");
  EXPECT_EQ(e["data_encoding"], "base64");
}

TEST_F(HttpTest, ReadPagesFollowTheNextLink) {
  for (int i = 0; i < 5; ++i) append_direct("paged", "T", "{\"i\":" + std::to_string(i) + "}");
  std::string url = "/streams/paged?limit=2";
  std::vector<int> seen;
  for (int pages = 0; pages < 10 && !url.empty(); ++pages) {
    Json body = body_of(get(url));
    for (const Json& e : body["events"]) seen.push_back(e["data"]["i"].get<int>());
    url = body["next"].is_null() ? "" : body["next"].get<std::string>();
  }
  EXPECT_EQ(seen, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST_F(HttpTest, ReadBackwardsFromARevision) {
  for (int i = 0; i < 4; ++i) append_direct("back", "T", "{\"i\":" + std::to_string(i) + "}");
  Json body = body_of(get("/streams/back?direction=backwards&from=2&limit=2"));
  ASSERT_EQ(body["events"].size(), 2u);
  EXPECT_EQ(body["events"][0]["revision"], 2);
  EXPECT_EQ(body["events"][1]["revision"], 1);
  EXPECT_FALSE(body["next"].is_null());
}

TEST_F(HttpTest, ReadAsOfAPositionOrATime) {
  append_direct("tt", "T", R"({"i":0})");
  const Position first = store_->head();
  append_direct("tt", "T", R"({"i":1})");
  Json by_position = body_of(get("/streams/tt?as_of=" + std::to_string(first.value)));
  EXPECT_EQ(by_position["events"].size(), 1u);
  const std::string time = body_of(get("/streams/tt"))["events"][0]["timestamp"];
  Json by_time = body_of(get("/streams/tt?as_of=" + time));
  EXPECT_GE(by_time["events"].size(), 1u);
  EXPECT_EQ(by_time["events"][0]["revision"], 0);
  Json before = body_of(get("/streams/tt?as_of=2000-01-01T00:00:00Z"));
  EXPECT_EQ(before["events"].size(), 0u) << before.dump();
}

TEST_F(HttpTest, MissingOrDeletedStreamIs404) {
  EXPECT_EQ(get("/streams/never")->status, 404);
  EXPECT_EQ(body_of(get("/streams/never"))["error"]["code"], "not_found");
  append_direct("soft", "T");
  ASSERT_EQ(client().Delete("/streams/soft")->status, 204);
  EXPECT_EQ(get("/streams/soft")->status, 404);
  append_direct("hard", "T");
  ASSERT_EQ(client().Delete("/streams/hard?hard=true")->status, 204);
  auto r = get("/streams/hard");
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(body_of(r)["error"]["code"], "stream_deleted");
}

TEST_F(HttpTest, DeleteWithWrongExpectedRevisionIs409) {
  append_direct("d", "T");
  EXPECT_EQ(client().Delete("/streams/d?expected=5")->status, 409);
  EXPECT_EQ(get("/streams/d")->status, 200);
}

TEST_F(HttpTest, StreamNamesArePercentEncoded) {
  ASSERT_EQ(post("/streams/a%2Fb%20c", R"([{"type":"T"}])")->status, 201);
  Json body = body_of(get("/streams/a%2Fb%20c"));
  EXPECT_EQ(body["stream"], "a/b c");
  EXPECT_EQ(body["events"].size(), 1u);
  auto metadata = get("/streams/a%2Fb%20c/metadata");
  EXPECT_EQ(metadata->status, 200);
}

TEST_F(HttpTest, ReadAllWithFiltersAndPages) {
  append_direct("cart-1", "ItemAdded");
  append_direct("order-1", "OrderPlaced");
  append_direct("cart-2", "ItemRemoved");
  Json all = body_of(get("/all"));
  EXPECT_EQ(all["events"].size(), 3u);
  EXPECT_TRUE(all["next"].is_null());
  Json carts = body_of(get("/all?stream_prefix=cart-"));
  EXPECT_EQ(carts["events"].size(), 2u);
  Json added = body_of(get("/all?type_prefix=ItemA"));
  ASSERT_EQ(added["events"].size(), 1u);
  EXPECT_EQ(added["events"][0]["stream"], "cart-1");
  Json page = body_of(get("/all?limit=2&stream_prefix=cart-"));
  ASSERT_EQ(page["events"].size(), 1u + 1u);
  Json back = body_of(get("/all?direction=backwards&limit=1"));
  ASSERT_EQ(back["events"].size(), 1u);
  EXPECT_EQ(back["events"][0]["stream"], "cart-2");
  ASSERT_TRUE(back["next"].is_string());
  Json rest = body_of(get(back["next"].get<std::string>()));
  ASSERT_EQ(rest["events"].size(), 1u);
  EXPECT_EQ(rest["events"][0]["stream"], "order-1");
}

TEST_F(HttpTest, MetadataGetAndPut) {
  Json none = body_of(get("/streams/m/metadata"));
  EXPECT_EQ(none["stream"], "m");
  EXPECT_TRUE(none["revision"].is_null());
  auto put = client().Put("/streams/m/metadata", R"({"$maxCount":2,"owner":"ann"})", "application/json");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 200) << put->body;
  EXPECT_EQ(body_of(put)["stream"], "$$m");
  Json got = body_of(get("/streams/m/metadata"));
  EXPECT_EQ(got["metadata"]["$maxCount"], 2);
  EXPECT_EQ(got["metadata"]["owner"], "ann");
  EXPECT_EQ(got["revision"], 0);
  for (int i = 0; i < 3; ++i) append_direct("m", "T");
  EXPECT_EQ(body_of(get("/streams/m"))["events"].size(), 2u);  // $maxCount holds
}

TEST_F(HttpTest, ListStreamsByPrefixWithPaging) {
  for (const char* s : {"cart-1", "cart-2", "cart-3", "order-1"}) append_direct(s, "T");
  Json page = body_of(get("/streams?prefix=cart-&limit=2"));
  ASSERT_EQ(page["streams"].size(), 2u);
  EXPECT_EQ(page["streams"][0]["name"], "cart-1");
  EXPECT_EQ(page["streams"][0]["last_revision"], 0);
  EXPECT_EQ(page["streams"][0]["state"], "live");
  ASSERT_TRUE(page["next"].is_string());
  Json rest = body_of(get(page["next"].get<std::string>()));
  ASSERT_EQ(rest["streams"].size(), 1u);
  EXPECT_EQ(rest["streams"][0]["name"], "cart-3");
  EXPECT_TRUE(rest["next"].is_null());
}

}  // namespace
}  // namespace mnemos::test
