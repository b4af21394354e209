// Bad input: a 4xx status, a JSON error whose message says what is wrong, and nothing written.
#include "http_fixture.h"

namespace mnemos::test {
namespace {

class HttpBadInputTest : public HttpTest {
 protected:
  // Checks `r` is `status` with error `code` and a message containing `says`, and that the
  // store's head did not move.
  void expect_refused(const httplib::Result& r, int status, const std::string& code,
                      const std::string& says) {
    ASSERT_TRUE(r) << "no answer";
    EXPECT_EQ(r->status, status) << r->body;
    Json body = body_of(r);
    EXPECT_EQ(body["error"]["code"], code) << r->body;
    EXPECT_NE(body["error"]["message"].get<std::string>().find(says), std::string::npos)
        << "message: " << body["error"]["message"];
    EXPECT_EQ(store_->head().value, 0u) << "something was written";
  }
};

TEST_F(HttpBadInputTest, MalformedJsonIs400) {
  expect_refused(post("/streams/s", R"([{"type":"T",)"), 400, "invalid_argument", "not valid JSON");
}

TEST_F(HttpBadInputTest, EmptyBodyIs400) {
  expect_refused(post("/streams/s", ""), 400, "invalid_argument", "empty");
}

TEST_F(HttpBadInputTest, BodyThatIsNotAnArrayIs400) {
  expect_refused(post("/streams/s", R"({"type":"T"})"), 400, "invalid_argument", "array");
  expect_refused(post("/streams/s", "[]"), 400, "invalid_argument", "non-empty");
}

TEST_F(HttpBadInputTest, EventWithoutTypeIs400AndNamesTheEvent) {
  expect_refused(post("/streams/s", R"([{"type":"T"},{"data":{}}])"), 400, "invalid_argument",
                 "events[1]");
}

TEST_F(HttpBadInputTest, BadUuidIs400) {
  expect_refused(post("/streams/s", R"([{"id":"not-a-uuid","type":"T"}])"), 400,
                 "invalid_argument", "\"id\"");
}

TEST_F(HttpBadInputTest, BadExpectedRevisionIs400) {
  expect_refused(post("/streams/s", R"([{"type":"T"}])", "soon"), 400, "invalid_argument",
                 "Expected-Revision");
  expect_refused(post("/streams/s?expected=-5", R"([{"type":"T"}])"), 400, "invalid_argument",
                 "expected");
}

TEST_F(HttpBadInputTest, OversizeBodyIs413) {
  std::string big = R"([{"type":"T","data":")" + std::string(100 << 10, 'x') + R"("}])";
  expect_refused(post("/streams/s", big), 413, "too_large", "limit");
}

TEST_F(HttpBadInputTest, BadAsOfIs400) {
  append_direct("s", "T");
  auto r = get("/streams/s?as_of=yesterday");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(body_of(r)["error"]["message"].get<std::string>().find("as_of"), std::string::npos);
  EXPECT_EQ(get("/all?as_of=2026-13-45T99:00:00Z")->status, 400);
}

TEST_F(HttpBadInputTest, BadPagingParametersAre400) {
  for (const char* url : {"/streams/s?from=abc", "/streams/s?limit=0", "/streams/s?limit=-1",
                          "/all?direction=sideways", "/all?from=1.5", "/streams?limit=x"}) {
    auto r = get(url);
    ASSERT_TRUE(r) << url;
    EXPECT_EQ(r->status, 400) << url << ": " << r->body;
    EXPECT_EQ(body_of(r)["error"]["code"], "invalid_argument") << url;
  }
}

TEST_F(HttpBadInputTest, BadStreamNameIs400) {
  expect_refused(post("/streams/%zz", R"([{"type":"T"}])"), 400, "invalid_argument", "percent");
}

TEST_F(HttpBadInputTest, MetadataThatIsNotAnObjectIs400) {
  auto r = client().Put("/streams/m/metadata", "[1,2]", "application/json");
  expect_refused(r, 400, "invalid_argument", "JSON object");
}

TEST_F(HttpBadInputTest, BadHardFlagIs400) {
  append_direct("d", "T");
  auto r = client().Delete("/streams/d?hard=maybe");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(get("/streams/d")->status, 200);
}

TEST_F(HttpBadInputTest, UnknownRoutesAre404WithAJsonError) {
  for (const char* url : {"/nope", "/streams/s/other", "/all/extra"}) {
    auto r = get(url);
    ASSERT_TRUE(r) << url;
    EXPECT_EQ(r->status, 404) << url;
    EXPECT_EQ(body_of(r)["error"]["code"], "not_found") << url;
  }
  expect_refused(post("/nope", "[]"), 404, "not_found", "no route");
  expect_refused(post("/streams/s/metadata", R"([{"type":"T"}])"), 404, "not_found", "no route");
}

}  // namespace
}  // namespace mnemos::test
