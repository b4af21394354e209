// append --stdin: NDJSON requests in, one acknowledgement or error line out for each, in order.
#include <csignal>
#include <string>

#include "cli/cli_fixture.h"

namespace mnemos::cli_test {
namespace {

using CliStdin = CliTest;

TEST_F(CliStdin, AcknowledgesEachRequestInOrderAndSkipsMalformedLines) {
  const std::string input =
      R"({"stream":"a","expected":"no_stream","events":[{"type":"X","data":{"n":1}},{"type":"Y"}]})"
      "\n"
      R"({"stream":"b","events":[{"type":"X","metadata":{"m":true}}]})"
      "\n"
      "this is not json\n"
      "\n"  // blank lines are no requests
      R"({"stream":"a","events":[]})"
      "\n"
      R"({"stream":"a","expected":1,"events":[{"type":"Z","id":"6a0f4a2e-63a8-4e22-8a54-31b1c59c4e90"}]})"
      "\n"
      R"({"stream":"c","expected":"exists","events":[{"type":"X"}]})";  // no final newline
  RunResult r = mnemos({"append", "--stdin"}, input);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = r.lines();
  ASSERT_EQ(lines.size(), 6u) << r.out;
  EXPECT_EQ(lines[0], Json::parse(R"({"stream":"a","first_revision":0,"last_revision":1,
                                      "position":)" + lines[0]["position"].dump() + "}"));
  EXPECT_EQ(keys_of(lines[0]),
            (std::vector<std::string>{"stream", "first_revision", "last_revision", "position"}));
  EXPECT_EQ(lines[1]["stream"], "b");
  EXPECT_EQ(lines[1]["first_revision"], 0);
  EXPECT_EQ(lines[2]["error"]["code"], "invalid_argument");
  EXPECT_NE(lines[2]["error"]["message"].get<std::string>().find("line 3"), std::string::npos);
  EXPECT_EQ(lines[3]["error"]["code"], "invalid_argument");  // empty "events"
  EXPECT_EQ(lines[4]["stream"], "a");
  EXPECT_EQ(lines[4]["first_revision"], 2);
  EXPECT_GT(lines[4]["position"].get<uint64_t>(), lines[1]["position"].get<uint64_t>());
  EXPECT_EQ(lines[5]["error"]["code"], "wrong_expected_revision");

  auto a = read("a");
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0]["data"], Json::parse(R"({"n":1})"));
  EXPECT_EQ(a[2]["id"], "6a0f4a2e-63a8-4e22-8a54-31b1c59c4e90");
  EXPECT_EQ(read("b")[0]["metadata"], Json::parse(R"({"m":true})"));
}

TEST_F(CliStdin, WrongExpectedRevisionCarriesTheActualRevision) {
  append("cart-1", "A");
  append("cart-1", "B");
  RunResult r = mnemos({"append", "--stdin"},
                       R"({"stream":"cart-1","expected":5,"events":[{"type":"C"}]})"
                       "\n"
                       R"({"stream":"fresh","expected":0,"events":[{"type":"C"}]})"
                       "\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;  // per-request errors are lines, not the exit code
  auto lines = r.lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(keys_of(lines[0]), std::vector<std::string>{"error"});
  EXPECT_EQ(lines[0]["error"]["code"], "wrong_expected_revision");
  EXPECT_EQ(lines[0]["error"]["actual_revision"], 1);
  EXPECT_FALSE(lines[0]["error"]["message"].get<std::string>().empty());
  EXPECT_EQ(lines[1]["error"]["actual_revision"], -1);  // no such stream
}

TEST_F(CliStdin, EachAcknowledgementIsFlushedWithoutWaitingForMoreInput) {
  BackgroundMnemos session({"--db", db(), "append", "--stdin"}, BackgroundMnemos::Input::kPipe);
  session.write_input(R"({"stream":"chat","events":[{"type":"Said","data":"hi"}]})" "\n");
  auto first = session.read_line();  // stdin is still open: the tool must not wait for EOF
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(Json::parse(*first)["last_revision"], 0);
  session.write_input("oops\n");
  auto second = session.read_line();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(Json::parse(*second)["error"]["code"], "invalid_argument");
  session.write_input(R"({"stream":"chat","expected":0,"events":[{"type":"Said"}]})" "\n");
  auto third = session.read_line();
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(Json::parse(*third)["last_revision"], 1);
  session.close_input();
  EXPECT_FALSE(session.read_line().has_value());  // EOF: nothing more
  EXPECT_EQ(session.stop(SIGTERM), 0);            // it had exited 0 already
}

TEST_F(CliStdin, ManyRequestsArePipelinedAndStayInOrder) {
  std::string input;
  const int kRequests = 2000;
  for (int i = 0; i < kRequests; ++i) {
    input += R"({"stream":"s-)" + std::to_string(i % 7) + R"(","events":[{"type":"T","data":{"i":)" +
             std::to_string(i) + "}}]}\n";
  }
  RunResult r = mnemos({"append", "--stdin"}, input);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = r.lines();
  ASSERT_EQ(lines.size(), static_cast<size_t>(kRequests));
  uint64_t last_position = 0;
  for (int i = 0; i < kRequests; ++i) {
    ASSERT_EQ(lines[i]["stream"], "s-" + std::to_string(i % 7)) << i;
    EXPECT_EQ(lines[i]["first_revision"], i / 7) << i;
    EXPECT_GT(lines[i]["position"].get<uint64_t>(), last_position) << i;
    last_position = lines[i]["position"].get<uint64_t>();
  }
}

TEST_F(CliStdin, BinaryPayloadsInBase64AreAccepted) {
  RunResult r = mnemos({"append", "--stdin"},
                       R"({"stream":"bin","events":[{"type":"Blob","data":"AAEC/w==",)"
                       R"("data_encoding":"base64"}]})"
                       "\n"
                       R"({"stream":"bin","events":[{"type":"Blob","data":"!!",)"
                       R"("data_encoding":"base64"}]})"
                       "\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = r.lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["last_revision"], 0);
  EXPECT_EQ(lines[1]["error"]["code"], "invalid_argument");
  auto events = read("bin");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["data"], "AAEC/w==");
  EXPECT_EQ(events[0]["data_encoding"], "base64");
}

}  // namespace
}  // namespace mnemos::cli_test
