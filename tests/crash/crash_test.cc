// Starts crash_writer, lets it append for a random short time, SIGKILLs it, then opens the
// store in this process and checks: every acknowledged append is there with its exact bytes,
// revisions are contiguous, and no append is half there. Many rounds on one directory, so that
// recovery itself gets killed and recovered from too.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <iostream>

#include "mnemos/embedded.h"
#include "support/append_ledger.h"
#include "support/child_process.h"
#include "support/temp_dir.h"
#include "support/test_random.h"

namespace mnemos::test {
namespace {

using namespace std::chrono_literals;

constexpr int kRounds = 30;
constexpr int kWriterThreads = 4;

// The complete lines of `output`, parsed; a line cut by the kill is dropped.
std::vector<Ack> parse_acks(const std::string& output, std::string& bad_line) {
  std::vector<Ack> acks;
  size_t start = 0;
  for (size_t nl; (nl = output.find('\n', start)) != std::string::npos; start = nl + 1) {
    auto ack = parse_ack(std::string_view(output).substr(start, nl - start));
    if (!ack) {
      bad_line = output.substr(start, nl - start);
      break;
    }
    acks.push_back(*ack);
  }
  return acks;
}

TEST(CrashTest, SigkilledWriterLosesNoAcknowledgedAppendAndLeavesNoHalfAppend) {
  TestRandom random("CrashTest");
  TempDir dir("crash");
  std::vector<Ack> acks;  // over all rounds
  int rounds_with_acks = 0;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE(testing::Message() << "round " << round);
    std::string output;
    int status = 0;
    {
      ChildProcess writer({CRASH_WRITER_PATH, dir.path(), std::to_string(kWriterThreads),
                           std::to_string(random.uniform(0, UINT32_MAX))});
      // Sometimes early, while the writer is still opening and recovering the store.
      const auto run_for = std::chrono::milliseconds(
          random.one_in(5) ? random.uniform(0, 40) : random.uniform(50, 500));
      const bool running = writer.read_until(std::chrono::steady_clock::now() + run_for, output);
      writer.kill(SIGKILL);
      output += writer.read_to_end();
      status = writer.wait();
      ASSERT_TRUE(running) << "the writer ended by itself before the kill";
    }
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the writer did not die by SIGKILL (status " << status << ")";
    std::string bad_line;
    auto round_acks = parse_acks(output, bad_line);
    ASSERT_EQ(bad_line, "") << "the writer printed something else";
    rounds_with_acks += round_acks.empty() ? 0 : 1;
    acks.insert(acks.end(), round_acks.begin(), round_acks.end());

    auto store = open_embedded(dir.path());
    ASSERT_TRUE(store) << "reopen after SIGKILL: " << store.error().to_string();
    auto check = check_ledger(**store, acks);
    ASSERT_EQ(check.problem, "");
    for (const Ack& lost : check.missing) ADD_FAILURE() << "lost " << format_ack(lost);
    ASSERT_TRUE(check.missing.empty());
    std::cerr << "round " << round << ": " << round_acks.size() << " acks; store has "
              << check.appends << " appends, " << check.events << " events\n";
  }
  EXPECT_GE(rounds_with_acks, kRounds / 2) << "most rounds must get appends acknowledged";
  auto verified = verify_embedded(dir.path());
  EXPECT_TRUE(verified) << verified.error().to_string();
}

}  // namespace
}  // namespace mnemos::test
