// read, read-all and tail: directions, limits, filters, as-of bounds, binary payloads.
#include <csignal>
#include <string>

#include "cli/cli_fixture.h"

namespace mnemos::cli_test {
namespace {

using CliRead = CliTest;

std::vector<uint64_t> revisions(const std::vector<Json>& events) {
  std::vector<uint64_t> out;
  for (const Json& e : events) out.push_back(e["revision"].get<uint64_t>());
  return out;
}

TEST_F(CliRead, ReadsForwardsBackwardsFromAndWithALimit) {
  for (int i = 0; i < 5; ++i) append("s", "T" + std::to_string(i));
  EXPECT_EQ(revisions(read("s")), (std::vector<uint64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(revisions(read("s", {"--from", "2"})), (std::vector<uint64_t>{2, 3, 4}));
  EXPECT_EQ(revisions(read("s", {"--backwards"})), (std::vector<uint64_t>{4, 3, 2, 1, 0}));
  EXPECT_EQ(revisions(read("s", {"--backwards", "--from", "3", "--limit", "2"})),
            (std::vector<uint64_t>{3, 2}));
  EXPECT_EQ(revisions(read("s", {"--limit", "1"})), (std::vector<uint64_t>{0}));
}

TEST_F(CliRead, AsOfReadsSeeTheStoreAsItWas) {
  append("cart-1", "ItemAdded");
  append("cart-1", "ItemAdded");
  append("cart-1", "CheckedOut");
  auto events = read("cart-1");
  ASSERT_EQ(events.size(), 3u);
  const std::string second_time = events[1]["timestamp"];
  EXPECT_EQ(revisions(read("cart-1", {"--as-of", second_time})), (std::vector<uint64_t>{0, 1}));
  EXPECT_EQ(revisions(read("cart-1", {"--until-position", events[0]["position"].dump()})),
            (std::vector<uint64_t>{0}));
  EXPECT_EQ(mnemos({"read", "--stream", "cart-1", "--as-of", "2000-01-01T00:00:00Z"}).exit_code,
            4);  // the stream did not exist then

  RunResult all = mnemos({"read-all", "--as-of", second_time});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_EQ(all.lines().size(), 2u);
  // With both bounds, the earlier wins.
  all = mnemos({"read-all", "--as-of", second_time, "--until-position",
                events[0]["position"].dump()});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_EQ(all.lines().size(), 1u);
  // Offsets are accepted: the same instant written with one, and a later time in another zone.
  const std::string with_offset = second_time.substr(0, second_time.size() - 1) + "+00:00";
  EXPECT_EQ(revisions(read("cart-1", {"--as-of", with_offset})), (std::vector<uint64_t>{0, 1}));
  EXPECT_EQ(read("cart-1", {"--as-of", "2999-01-01T10:00:00.5-05:30"}).size(), 3u);
}

TEST_F(CliRead, ReadAllFiltersPagesAndGoesBackwards) {
  std::string input;
  const int kEvents = 2500;  // more than a page
  for (int i = 0; i < kEvents; ++i) {
    input += R"({"stream":")" + std::string(i % 2 ? "order-" : "cart-") + std::to_string(i % 5) +
             R"(","events":[{"type":")" + (i % 3 ? "Item" : "Checked") + R"(Out"}]})" + "\n";
  }
  ASSERT_EQ(mnemos({"append", "--stdin"}, input).exit_code, 0);

  RunResult all = mnemos({"read-all"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  auto events = all.lines();
  ASSERT_EQ(events.size(), static_cast<size_t>(kEvents));
  for (size_t i = 1; i < events.size(); ++i) {
    ASSERT_LT(events[i - 1]["position"].get<uint64_t>(), events[i]["position"].get<uint64_t>());
  }

  RunResult carts = mnemos({"read-all", "--stream-prefix", "cart-", "--type-prefix", "Checked"});
  ASSERT_EQ(carts.exit_code, 0) << carts.err;
  size_t expected = 0;
  for (int i = 0; i < kEvents; ++i) expected += (i % 2 == 0 && i % 3 == 0);
  auto filtered = carts.lines();
  EXPECT_EQ(filtered.size(), expected);
  for (const Json& e : filtered) {
    EXPECT_TRUE(e["stream"].get<std::string>().starts_with("cart-"));
    EXPECT_TRUE(e["type"].get<std::string>().starts_with("Checked"));
  }

  RunResult back = mnemos({"read-all", "--backwards", "--limit", "1500"});
  ASSERT_EQ(back.exit_code, 0) << back.err;
  auto backwards = back.lines();
  ASSERT_EQ(backwards.size(), 1500u);
  EXPECT_EQ(backwards[0], events.back());
  EXPECT_EQ(backwards[1499], events[kEvents - 1500]);

  RunResult from = mnemos({"read-all", "--from", events[10]["position"].dump(), "--limit", "3"});
  ASSERT_EQ(from.exit_code, 0) << from.err;
  auto page = from.lines();
  ASSERT_EQ(page.size(), 3u);
  EXPECT_EQ(page[0], events[10]);
}

TEST_F(CliRead, BinaryPayloadsPrintAsBase64) {
  RunResult imported = mnemos(
      {"import"},
      R"({"stream":"bin","revision":0,"id":"3d9b1f40-5f0e-4a8e-9d36-0c3f3f4f5e6a","type":"Blob",)"
      R"("data":"AP8Q","data_encoding":"base64","metadata":"bWV0YQ==","metadata_encoding":"base64"})"
      "\n");
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  auto events = read("bin");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(keys_of(events[0]),
            (std::vector<std::string>{"stream", "revision", "position", "id", "type", "timestamp",
                                      "data", "data_encoding", "metadata", "metadata_encoding"}));
  EXPECT_EQ(events[0]["data"], "AP8Q");
  EXPECT_EQ(events[0]["data_encoding"], "base64");
  EXPECT_EQ(events[0]["metadata"], "bWV0YQ==");
  EXPECT_EQ(events[0]["metadata_encoding"], "base64");
}

TEST_F(CliRead, TailPrintsEventsAsTheyComeAndExitsZeroOnSigterm) {
  append("cart-1", "ItemAdded", R"({"n":1})");
  append("other", "Noise");
  append("cart-1", "CheckedOut", R"({"n":2})");
  BackgroundMnemos tail({"--db", db(), "tail", "--stream", "cart-1", "--from", "0"});
  auto first = tail.read_line();
  ASSERT_TRUE(first.has_value());
  Json event = Json::parse(*first);
  EXPECT_EQ(event["stream"], "cart-1");
  EXPECT_EQ(event["data"], Json::parse(R"({"n":1})"));
  auto second = tail.read_line();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(Json::parse(*second)["type"], "CheckedOut");
  EXPECT_EQ(tail.stop(SIGTERM), 0);
  EXPECT_EQ(tail.stderr_text(), "");
}

TEST_F(CliRead, TailOfAllAppliesFiltersAndStopsOnSigint) {
  append("cart-1", "ItemAdded");
  append("order-1", "ItemAdded");
  append("cart-2", "CheckedOut");
  BackgroundMnemos tail({"--db", db(), "tail", "--from", "0", "--stream-prefix", "cart-",
                         "--type-prefix", "Checked"});
  auto line = tail.read_line();
  ASSERT_TRUE(line.has_value());
  EXPECT_EQ(Json::parse(*line)["stream"], "cart-2");
  EXPECT_EQ(tail.stop(SIGINT), 0);
}

}  // namespace
}  // namespace mnemos::cli_test
