// A projection killed at random moments (mid-batch, mid-commit, mid-append) and restarted
// applies each event exactly once: after every kill, the read model holds exactly the events
// at or before its checkpoint, each applied once, and the last run catches up on everything.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <map>
#include <random>
#include <string>
#include <thread>

#include "mnemos/cqrs/sqlite_read_model.h"
#include "mnemos/embedded.h"
#include "counting_projection.h"
#include "mnemos/cqrs/projection_runner.h"
#include "support/child_process.h"
#include "support/temp_dir.h"

namespace {

struct Verdict {
  uint64_t checkpoint = 0;
  size_t applied = 0;
};

// Checks the read model against the store: the rows are exactly the "p-" events at or before
// the checkpoint, each applied once.
Verdict check_exactly_once(const std::string& dir) {
  auto store = mnemos::open_embedded(dir + "/events");
  EXPECT_TRUE(store) << store.error().to_string();
  auto model = mnemos::cqrs::open_sqlite_read_model(dir + "/read.db");
  EXPECT_TRUE(model) << model.error().to_string();
  if (!store || !model) return {};
  Verdict verdict;
  auto checkpoint = (*model)->checkpoint("counting");
  EXPECT_TRUE(checkpoint);
  if (checkpoint && *checkpoint) verdict.checkpoint = (*checkpoint)->position.value;

  std::map<uint64_t, int64_t> expected;
  mnemos::ReadAllOptions o;
  o.filter.stream_prefix = "p-";
  o.as_of.position = mnemos::Position{verdict.checkpoint};
  if (verdict.checkpoint > 0) {
    auto all = (*store)->read_all(o);
    EXPECT_TRUE(all);
    for (const auto& e : all->events) expected[e.position.value] = 1;
  }
  std::map<uint64_t, int64_t> applied;
  auto tables = (*model)->query("SELECT count(*) FROM sqlite_master WHERE name = 'applied'");
  EXPECT_TRUE(tables);
  if (tables && tables->front().integer(0) == 1) {
    auto rows = (*model)->query("SELECT position, times FROM applied");
    EXPECT_TRUE(rows);
    for (const auto& row : *rows) applied[static_cast<uint64_t>(row.integer(0))] = row.integer(1);
  }
  EXPECT_EQ(applied, expected) << "checkpoint " << verdict.checkpoint;
  if (checkpoint && *checkpoint) {
    EXPECT_EQ((*checkpoint)->events, expected.size());
  }
  verdict.applied = applied.size();
  return verdict;
}

TEST(ProjectionCrash, KilledAtRandomMomentsAppliesEachEventExactlyOnce) {
  mnemos::test::TempDir dir("projection-crash");
  std::mt19937_64 random(std::random_device{}());
  const int rounds = 30;
  uint64_t last_checkpoint = 0;
  int lines = 0;
  for (int round = 0; round < rounds; ++round) {
    const uint64_t seed = random();
    SCOPED_TRACE(testing::Message() << "round " << round << " seed " << seed);
    {
      mnemos::test::ChildProcess child({PROJECTION_CRASH_CHILD, dir.path(), std::to_string(seed)});
      // Let it get going (opening the store takes a while), then kill it at a random moment.
      std::string out;
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      // read_until() reads until its deadline: poll in short steps until the first line.
      while (out.find('\n') == std::string::npos && std::chrono::steady_clock::now() < give_up &&
             child.read_until(std::chrono::steady_clock::now() + std::chrono::milliseconds(5), out)) {
      }
      ASSERT_NE(out.find("checkpoint"), std::string::npos) << "the child made no progress: " << out;
      std::this_thread::sleep_for(std::chrono::microseconds(random() % 150'000));
      child.kill(SIGKILL);
      child.read_until(std::chrono::steady_clock::now() + std::chrono::seconds(5), out);
      EXPECT_TRUE(WIFSIGNALED(child.wait()));
      for (char c : out) lines += c == '\n';
    }
    const Verdict verdict = check_exactly_once(dir.path());
    if (HasFailure()) return;
    EXPECT_GE(verdict.checkpoint, last_checkpoint) << "a committed checkpoint went back";
    last_checkpoint = verdict.checkpoint;
  }
  EXPECT_GT(lines, rounds);
  // One clean run catches up on everything the killed runs appended.
  {
    auto store = mnemos::open_embedded(dir.path() + "/events");
    ASSERT_TRUE(store);
    auto model = mnemos::cqrs::open_sqlite_read_model(dir.path() + "/read.db");
    ASSERT_TRUE(model);
    mnemos::EventFilter filter;
    filter.stream_prefix = "p-";
    mnemos::test::CountingProjection projection(filter);
    mnemos::cqrs::ProjectionRunner runner(**store, **model, projection);
    ASSERT_TRUE(runner.catch_up());
    EXPECT_EQ(runner.checkpoint().value(), (*store)->head());
  }
  const Verdict final_state = check_exactly_once(dir.path());
  EXPECT_GT(final_state.applied, 0u);
}

}  // namespace
