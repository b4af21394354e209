// The CLI contract: output shapes and key order, exit codes, --help, the global --db option.
#include <algorithm>
#include <csignal>
#include <regex>

#include "cli/cli_fixture.h"

namespace mnemos::cli_test {
namespace {

const std::vector<std::string> kEventKeys{"stream", "revision", "position", "id",
                                          "type",   "timestamp", "data",    "metadata"};
const std::vector<std::string> kAckKeys{"stream", "first_revision", "last_revision", "position"};

using CliContract = CliTest;

TEST_F(CliContract, EveryCommandHasHelpAndExitsZero) {
  for (std::string command :
       {"", "append", "read", "read-all", "tail", "delete", "metadata", "streams", "stats",
        "verify", "reindex", "export", "import", "bench"}) {
    std::vector<std::string> args;
    if (!command.empty()) args.push_back(command);
    args.push_back("--help");
    RunResult r = run_mnemos(args);
    EXPECT_EQ(r.exit_code, 0) << command << ": " << r.err;
    EXPECT_NE(r.out.find("--help"), std::string::npos) << command << ": " << r.out;
  }
}

TEST_F(CliContract, AppendPrintsTheAcknowledgementInContractOrder) {
  Json ack = append("cart-1", "ItemAdded", R"({"sku":"A1","qty":1})");
  EXPECT_EQ(keys_of(ack), kAckKeys);
  EXPECT_EQ(ack["stream"], "cart-1");
  EXPECT_EQ(ack["first_revision"], 0);
  EXPECT_EQ(ack["last_revision"], 0);
  EXPECT_GT(ack["position"].get<uint64_t>(), 0u);
  Json second = append("cart-1", "ItemAdded", "{}");
  EXPECT_EQ(second["first_revision"], 1);
  EXPECT_GT(second["position"].get<uint64_t>(), ack["position"].get<uint64_t>());
}

TEST_F(CliContract, ReadPrintsEventsInContractShape) {
  const std::string id = "0b5e3f3c-8e7a-4d4e-9c59-3f0c2f1d6a11";
  Json ack = append("cart-1", "ItemAdded", R"({"sku":"A1","qty":2,"b":[1,2]})",
                    {"--metadata", R"({"user":"ann"})", "--id", id});
  append("cart-1", "CheckedOut", "");
  auto events = read("cart-1");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(keys_of(events[0]), kEventKeys);
  EXPECT_EQ(events[0]["stream"], "cart-1");
  EXPECT_EQ(events[0]["revision"], 0);
  EXPECT_EQ(events[0]["position"], ack["position"]);
  EXPECT_EQ(events[0]["id"], id);
  EXPECT_EQ(events[0]["type"], "ItemAdded");
  EXPECT_TRUE(std::regex_match(events[0]["timestamp"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)")))
      << events[0]["timestamp"];
  EXPECT_EQ(events[0]["data"].dump(), R"({"sku":"A1","qty":2,"b":[1,2]})");  // keys keep order
  EXPECT_EQ(events[0]["metadata"], Json::parse(R"({"user":"ann"})"));
  EXPECT_TRUE(events[1]["data"].is_null());  // empty payload
  EXPECT_TRUE(events[1]["metadata"].is_null());
  EXPECT_EQ(events[1]["revision"], 1);
}

TEST_F(CliContract, DbIsAcceptedBeforeOrAfterTheCommand) {
  RunResult before = run_mnemos({"--db", db(), "append", "--stream", "s", "--type", "T"});
  ASSERT_EQ(before.exit_code, 0) << before.err;
  RunResult after = run_mnemos({"read", "--stream", "s", "--db", db()});
  ASSERT_EQ(after.exit_code, 0) << after.err;
  EXPECT_EQ(after.lines().size(), 1u);
}

TEST_F(CliContract, UsageErrorsExitTwoWithOneLineOnStderr) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {},                                        // no command
           {"frobnicate"},                            // unknown command
           {"read"},                                  // missing --stream
           {"read", "--stream", "s", "--limit", "x"},  // not a number
           {"append", "--type", "T"},                 // missing --stream
           {"append", "--stdin", "--stream", "s"},    // requests name their streams
           {"append", "--stdin", "--expected", "0"},  // ... and their expected revisions
           {"append", "--stream", "s", "--type", "T", "--expected", "sometimes"},
           {"append", "--stream", "s", "--type", "T", "--id", "not-a-uuid"},
           {"read", "--stream", "s", "--as-of", "yesterday"},
           {"read", "--stream", "s", "--as-of", "2026-01-01T00:00:00Z", "--until-position", "5"},
       }) {
    RunResult r = mnemos(args);
    EXPECT_EQ(r.exit_code, 2) << testing::PrintToString(args) << ": " << r.err;
    EXPECT_TRUE(r.err.starts_with("mnemos: ")) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
}

TEST_F(CliContract, InvalidDataJsonExitsTwoAndWritesNothing) {
  RunResult r = mnemos({"append", "--stream", "s", "--type", "T", "--data", "{not json"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--data is not valid JSON"), std::string::npos) << r.err;
  r = mnemos({"append", "--stream", "s", "--type", "T", "--metadata", "[1,"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--metadata"), std::string::npos) << r.err;
  EXPECT_EQ(mnemos({"read", "--stream", "s"}).exit_code, 4);  // nothing was written
}

TEST_F(CliContract, WrongExpectedRevisionExitsThreeNamingTheCause) {
  append("cart-1", "A");
  append("cart-1", "B");
  RunResult r = mnemos({"append", "--stream", "cart-1", "--type", "C", "--expected", "0"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_TRUE(r.err.starts_with("mnemos: wrong_expected_revision: ")) << r.err;
  EXPECT_TRUE(r.out.empty());
  EXPECT_EQ(mnemos({"append", "--stream", "cart-1", "--type", "C", "--expected", "no_stream"})
                .exit_code,
            3);
  EXPECT_EQ(mnemos({"append", "--stream", "new", "--type", "C", "--expected", "exists"})
                .exit_code,
            3);
  Json ack = append("cart-1", "C", "{}", {"--expected", "1"});
  EXPECT_EQ(ack["first_revision"], 2);
}

TEST_F(CliContract, NotFoundAndDeletedExitFour) {
  RunResult r = mnemos({"read", "--stream", "nope"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_TRUE(r.err.starts_with("mnemos: not_found: ")) << r.err;

  append("soft", "A");
  ASSERT_EQ(mnemos({"delete", "--stream", "soft"}).exit_code, 0);
  EXPECT_EQ(mnemos({"read", "--stream", "soft"}).exit_code, 4);

  append("hard", "A");
  ASSERT_EQ(mnemos({"delete", "--stream", "hard", "--hard"}).exit_code, 0);
  EXPECT_EQ(mnemos({"read", "--stream", "hard"}).exit_code, 4);
  r = mnemos({"append", "--stream", "hard", "--type", "A"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_TRUE(r.err.starts_with("mnemos: stream_deleted: ")) << r.err;
}

TEST_F(CliContract, EventsOverTheSizeLimitExitEight) {
  const std::string big = std::string(17 << 20, 'x');  // over the default 16 MiB
  RunResult r = mnemos({"import"}, R"({"stream":"s","revision":0,"type":"T","data":")" + big +
                                       "\"}\n");
  EXPECT_EQ(r.exit_code, 8);
  EXPECT_TRUE(r.err.starts_with("mnemos: too_large: ")) << r.err.substr(0, 200);
  RunResult lines = mnemos({"append", "--stdin"},
                           R"({"stream":"s","events":[{"type":"T","data":")" + big + "\"}]}\n");
  EXPECT_EQ(lines.exit_code, 0) << lines.err;  // a request's error is a line
  EXPECT_EQ(lines.line()["error"]["code"], "too_large");
  EXPECT_EQ(mnemos({"read", "--stream", "s"}).exit_code, 4);
}

TEST_F(CliContract, SecondProcessOnTheSameDirectoryExitsSevenNamingTheOwner) {
  append("s", "A");
  BackgroundMnemos tail({"--db", db(), "tail", "--from", "0"});
  ASSERT_TRUE(tail.read_line().has_value()) << "tail printed nothing";  // it owns the store
  RunResult r = mnemos({"append", "--stream", "s", "--type", "B"});
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_TRUE(r.err.starts_with("mnemos: locked: ")) << r.err;
  EXPECT_NE(r.err.find(std::to_string(tail.pid())), std::string::npos) << r.err;
  EXPECT_EQ(tail.stop(SIGTERM), 0);
}

}  // namespace
}  // namespace mnemos::cli_test
