// Projections: the SQLite read model, the runner (catch-up, live, batches, exactly-once
// checkpoints, rebuild, lag) and read-your-writes, on the embedded store.
#include "mnemos/cqrs/projection_runner.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "counting_projection.h"
#include "mnemos/cqrs/sqlite_read_model.h"
#include "mnemos/embedded.h"
#include "support/temp_dir.h"

namespace {

using mnemos::ErrorCode;
using mnemos::EventData;
using mnemos::ExpectedRevision;
using mnemos::Position;
using mnemos::cqrs::ProjectionRunner;
using mnemos::cqrs::ReadModel;
using mnemos::cqrs::SqlSession;
using mnemos::test::CountingProjection;
using namespace std::chrono_literals;

EventData event(std::string type, int i) {
  EventData e;
  e.type = std::move(type);
  e.data = "{\"i\":" + std::to_string(i) + "}";
  return e;
}

class ProjectionTest : public testing::Test {
 protected:
  void SetUp() override {
    auto store = mnemos::open_embedded(dir_.file("events"));
    ASSERT_TRUE(store) << store.error().to_string();
    store_ = std::move(*store);
    open_model();
  }

  void open_model() {
    model_.reset();
    auto model = mnemos::cqrs::open_sqlite_read_model(dir_.file("read.db"));
    ASSERT_TRUE(model) << model.error().to_string();
    model_ = std::move(*model);
  }

  // Appends `count` events of `type` to `stream`; returns the position of the last one.
  Position append(const std::string& stream, const std::string& type, int count) {
    std::vector<EventData> events;
    for (int i = 0; i < count; ++i) events.push_back(event(type, i));
    auto r = store_->append(stream, ExpectedRevision::any(), std::move(events));
    EXPECT_TRUE(r) << r.error().to_string();
    return r ? r->position : Position{};
  }

  // position -> times applied, as the read model holds it.
  std::map<uint64_t, int64_t> applied_rows() const {
    std::map<uint64_t, int64_t> out;
    auto rows = model_->query("SELECT position, times FROM applied ORDER BY position");
    EXPECT_TRUE(rows) << rows.error().to_string();
    if (!rows) return out;
    for (const auto& row : *rows) out[static_cast<uint64_t>(row.integer(0))] = row.integer(1);
    return out;
  }

  // The positions of $all that pass `filter`, each expected once.
  std::map<uint64_t, int64_t> expected(const mnemos::EventFilter& filter = {}) const {
    mnemos::ReadAllOptions o;
    o.filter = filter;
    auto all = store_->read_all(o);
    EXPECT_TRUE(all);
    std::map<uint64_t, int64_t> out;
    for (const auto& e : all->events) out[e.position.value] = 1;
    return out;
  }

  mnemos::test::TempDir dir_{"projection"};
  std::unique_ptr<mnemos::Store> store_;
  std::unique_ptr<ReadModel> model_;
};

TEST_F(ProjectionTest, ReadModelStoresTheCheckpointWithTheChangesOrNeither) {
  ASSERT_TRUE(model_->execute([](SqlSession& db) { return db.execute("CREATE TABLE t(v INTEGER)"); }));
  auto none = model_->checkpoint("p");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());

  ASSERT_TRUE(model_->transact("p", [](SqlSession& db) -> mnemos::Result<mnemos::cqrs::ProjectionCheckpoint> {
    if (auto s = db.execute("INSERT INTO t VALUES(?)", {1}); !s) return std::unexpected(s.error());
    return mnemos::cqrs::ProjectionCheckpoint{Position{10}, 1};
  }));
  // A batch that fails half way leaves neither its rows nor its checkpoint.
  auto failed = model_->transact("p", [](SqlSession& db) -> mnemos::Result<mnemos::cqrs::ProjectionCheckpoint> {
    if (auto s = db.execute("INSERT INTO t VALUES(?)", {2}); !s) return std::unexpected(s.error());
    return mnemos::make_error(ErrorCode::kInvalidArgument, "half way");
  });
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().message, "half way");
  auto rows = model_->query("SELECT v FROM t");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->front().integer(0), 1);
  auto kept = model_->checkpoint("p");
  ASSERT_TRUE(kept && kept->has_value());
  EXPECT_EQ((*kept)->position, Position{10});
  EXPECT_EQ((*kept)->events, 1u);

  // reset() removes the checkpoint in the transaction of its work.
  ASSERT_TRUE(model_->reset("p", [](SqlSession& db) { return db.execute("DELETE FROM t"); }));
  auto gone = model_->checkpoint("p");
  ASSERT_TRUE(gone);
  EXPECT_FALSE(gone->has_value());
}

TEST_F(ProjectionTest, ReadModelReportsBadSqlAndWrongParameterCounts) {
  auto bad = model_->execute([](SqlSession& db) { return db.execute("CREATE TABLEX nope"); });
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message.find("CREATE TABLEX"), std::string::npos) << bad.error().message;
  ASSERT_TRUE(model_->execute([](SqlSession& db) { return db.execute("CREATE TABLE t(a, b)"); }));
  auto count = model_->execute([](SqlSession& db) { return db.execute("INSERT INTO t VALUES(?, ?)", {1}); });
  ASSERT_FALSE(count);
  EXPECT_NE(count.error().message.find("1 parameters given, the statement takes 2"), std::string::npos)
      << count.error().message;
  auto script = model_->execute([](SqlSession& db) { return db.execute("SELECT 1; SELECT ?", {1}); });
  EXPECT_FALSE(script);
  auto query = model_->query("SELECT * FROM missing_table");
  ASSERT_FALSE(query);
  EXPECT_EQ(query.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(ProjectionTest, OpeningSomethingThatIsNotADatabaseFailsClearly) {
  {
    std::FILE* f = std::fopen(dir_.file("junk.db").c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("this is not a SQLite file, not at all, it is longer than a header though......", f);
    std::fclose(f);
  }
  auto model = mnemos::cqrs::open_sqlite_read_model(dir_.file("junk.db"));
  ASSERT_FALSE(model);
  EXPECT_NE(model.error().message.find("junk.db"), std::string::npos) << model.error().message;
  auto missing = mnemos::cqrs::open_sqlite_read_model(dir_.file("no/such/dir/x.db"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kIoError);
}

TEST_F(ProjectionTest, CatchUpAppliesEveryEventOnceInBatchesAndThenNothingMore) {
  append("a", "T", 5);
  append("b", "T", 3);
  const Position head = append("a", "T", 4);
  CountingProjection projection;
  mnemos::cqrs::RunnerOptions options;
  options.batch_size = 5;
  ProjectionRunner runner(*store_, *model_, projection, options);
  std::vector<mnemos::cqrs::ProjectionProgress> progress;
  auto applied = runner.catch_up([&](const auto& p) { progress.push_back(p); });
  ASSERT_TRUE(applied) << applied.error().to_string();
  EXPECT_EQ(*applied, 12u);
  EXPECT_EQ(applied_rows(), expected());
  // Batches of 5: 5, 10, 12, each reported with the target head.
  ASSERT_EQ(progress.size(), 3u);
  EXPECT_EQ(progress[0].applied, 5u);
  EXPECT_EQ(progress[2].applied, 12u);
  EXPECT_EQ(progress[2].checkpoint, head);
  EXPECT_EQ(progress[2].target, head);
  EXPECT_EQ(runner.checkpoint().value(), head);

  auto again = runner.catch_up();
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, 0u);
  const Position later = append("c", "T", 2);
  auto more = runner.catch_up();
  ASSERT_TRUE(more);
  EXPECT_EQ(*more, 2u);
  EXPECT_EQ(applied_rows(), expected());
  EXPECT_EQ(runner.checkpoint().value(), later);
}

TEST_F(ProjectionTest, FilterIsAppliedByTheStoreAndTheCheckpointStillReachesTheHead) {
  append("post-1", "blog.created", 2);
  append("cart-1", "cart.added", 3);
  append("post-2", "blog.created", 1);
  const Position head = append("cart-2", "cart.added", 2);  // the last events do not pass
  mnemos::EventFilter filter;
  filter.stream_prefix = "post-";
  CountingProjection projection(filter);
  mnemos::cqrs::RunnerOptions options;
  options.batch_size = 2;
  ProjectionRunner runner(*store_, *model_, projection, options);
  auto applied = runner.catch_up();
  ASSERT_TRUE(applied) << applied.error().to_string();
  EXPECT_EQ(*applied, 3u);
  EXPECT_EQ(applied_rows(), expected(filter));
  EXPECT_EQ(projection.applied_calls.load(), 3u);
  EXPECT_EQ(runner.checkpoint().value(), head);
  auto lag = runner.lag();
  ASSERT_TRUE(lag);
  EXPECT_TRUE(lag->caught_up());
}

TEST_F(ProjectionTest, AFailedBatchLeavesNothingAndTheRetryAppliesEachEventOnce) {
  append("a", "T", 4);
  const Position poison = append("a", "T", 1);
  append("a", "T", 4);
  CountingProjection projection;
  mnemos::cqrs::RunnerOptions options;
  options.batch_size = 3;
  ProjectionRunner runner(*store_, *model_, projection, options);
  projection.fail_at = poison.value;  // the 5th event: in the second batch, after one good event
  auto failed = runner.catch_up();
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message.find("told to fail"), std::string::npos);
  // The first batch (3 events) stays; the second rolled back whole, checkpoint included.
  EXPECT_EQ(applied_rows().size(), 3u);
  auto all = store_->read_all({});
  const Position covered = runner.checkpoint().value();
  EXPECT_GE(covered, all->events[2].position);
  EXPECT_LT(covered, all->events[3].position);

  projection.fail_at = 0;
  auto retried = runner.catch_up();
  ASSERT_TRUE(retried) << retried.error().to_string();
  EXPECT_EQ(*retried, 6u);
  EXPECT_EQ(applied_rows(), expected());  // each event exactly once (times == 1)
}

TEST_F(ProjectionTest, ARestartedRunnerContinuesFromTheStoredCheckpoint) {
  append("a", "T", 6);
  {
    CountingProjection projection;
    ProjectionRunner runner(*store_, *model_, projection);
    ASSERT_TRUE(runner.catch_up());
  }
  append("a", "T", 3);
  open_model();  // a new process would open it afresh
  CountingProjection projection;
  ProjectionRunner runner(*store_, *model_, projection);
  auto applied = runner.catch_up();
  ASSERT_TRUE(applied);
  EXPECT_EQ(*applied, 3u);
  EXPECT_EQ(projection.applied_calls.load(), 3u);
  EXPECT_EQ(applied_rows(), expected());
}

TEST_F(ProjectionTest, LiveRunnerFollowsAppendsAndQueriesCanReadTheirWrites) {
  append("a", "T", 3);
  mnemos::EventFilter filter;
  filter.stream_prefix = "a";
  CountingProjection projection(filter);
  ProjectionRunner runner(*store_, *model_, projection);
  ASSERT_TRUE(runner.start());
  EXPECT_TRUE(runner.running());
  EXPECT_EQ(applied_rows().size(), 3u);  // start() caught up first
  for (int round = 0; round < 20; ++round) {
    const Position written = append("a", "T", 1 + round % 3);
    auto reached = runner.wait_for(written, 10s);
    ASSERT_TRUE(reached) << reached.error().to_string();
    // Once wait_for returns, the query sees the command's event.
    auto rows = model_->query("SELECT times FROM applied WHERE position = ?", {written.value});
    ASSERT_TRUE(rows);
    ASSERT_EQ(rows->size(), 1u) << "round " << round;
  }
  // An event the filter leaves out still moves the checkpoint, so waiting on it returns.
  const Position other = append("b", "T", 1);
  ASSERT_TRUE(runner.wait_for(other, 10s));
  runner.stop();
  EXPECT_FALSE(runner.running());
  EXPECT_EQ(applied_rows(), expected(filter));
  EXPECT_FALSE(runner.failure().has_value());
}

TEST_F(ProjectionTest, WaitForTimesOutWhenNothingProjects) {
  const Position written = append("a", "T", 1);
  CountingProjection projection;
  ProjectionRunner runner(*store_, *model_, projection);
  auto waited = runner.wait_for(written, 30ms);
  ASSERT_FALSE(waited);
  EXPECT_EQ(waited.error().code, ErrorCode::kTimeout);
  // Another runner on the same read model catches up: the polling wait sees its checkpoint.
  CountingProjection other_projection;
  ProjectionRunner other(*store_, *model_, other_projection);
  ASSERT_TRUE(other.catch_up());
  EXPECT_TRUE(runner.wait_for(written, 10s));
  EXPECT_TRUE(mnemos::cqrs::wait_for_checkpoint(*model_, "counting", written, 0ms));
}

TEST_F(ProjectionTest, LiveFailureStopsTheRunnerAndIsReported) {
  CountingProjection projection;
  ProjectionRunner runner(*store_, *model_, projection);
  ASSERT_TRUE(runner.start());
  const Position good = append("a", "T", 2);
  ASSERT_TRUE(runner.wait_for(good, 10s));
  const Position poison = append("a", "T", 1);
  projection.fail_at = poison.value;
  // Set after the append: the live thread may already be applying it. Either it was applied
  // in time (then the next one fails) or it fails now.
  const Position poison2 = append("a", "T", 1);
  projection.fail_at = poison2.value;
  auto waited = runner.wait_for(poison2, 10s);
  ASSERT_FALSE(waited);
  EXPECT_NE(waited.error().message.find("told to fail"), std::string::npos) << waited.error().to_string();
  ASSERT_TRUE(runner.failure().has_value());
  runner.stop();
  EXPECT_LT(runner.checkpoint().value(), poison2);
  for (const auto& [position, times] : applied_rows()) EXPECT_EQ(times, 1) << position;
}

TEST_F(ProjectionTest, RebuildReplaysEverythingIntoFreshTablesWithProgress) {
  append("a", "T", 7);
  append("b", "T", 5);
  CountingProjection projection;
  mnemos::cqrs::RunnerOptions options;
  options.batch_size = 4;
  ProjectionRunner runner(*store_, *model_, projection, options);
  ASSERT_TRUE(runner.start());
  ASSERT_TRUE(model_->execute([](SqlSession& db) {
    return db.execute("UPDATE applied SET times = 99");  // damage the read model
  }));
  std::vector<uint64_t> progress;
  auto rebuilt = runner.rebuild([&](const auto& p) { progress.push_back(p.applied); });
  ASSERT_TRUE(rebuilt) << rebuilt.error().to_string();
  EXPECT_EQ(*rebuilt, 12u);
  EXPECT_EQ(progress, (std::vector<uint64_t>{4, 8, 12}));
  EXPECT_EQ(applied_rows(), expected());
  // It follows live again after the rebuild.
  EXPECT_TRUE(runner.running());
  const Position later = append("c", "T", 1);
  ASSERT_TRUE(runner.wait_for(later, 10s));
  runner.stop();
  EXPECT_EQ(applied_rows(), expected());
  auto stored = model_->checkpoint("counting");
  ASSERT_TRUE(stored && stored->has_value());
  EXPECT_EQ((*stored)->events, 13u);
}

TEST_F(ProjectionTest, LagCountsWhatIsNotCoveredYet) {
  CountingProjection projection;
  ProjectionRunner runner(*store_, *model_, projection);
  auto empty = runner.lag();
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->caught_up());
  const Position head = append("a", "T", 3);
  auto behind = runner.lag();
  ASSERT_TRUE(behind);
  EXPECT_FALSE(behind->caught_up());
  EXPECT_EQ(behind->head, head);
  EXPECT_EQ(behind->checkpoint, Position{});
  EXPECT_EQ(behind->positions_behind, head.value);
  EXPECT_GE(behind->seconds_behind, 0.0);
  ASSERT_TRUE(runner.catch_up());
  auto after = runner.lag();
  ASSERT_TRUE(after);
  EXPECT_TRUE(after->caught_up());
  EXPECT_EQ(after->seconds_behind, 0.0);
}

TEST_F(ProjectionTest, StartTwiceIsRefused) {
  CountingProjection projection;
  ProjectionRunner runner(*store_, *model_, projection);
  ASSERT_TRUE(runner.start());
  auto again = runner.start();
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kInvalidArgument);
  // catch_up() while live waits for the live thread instead of applying twice.
  append("a", "T", 5);
  auto caught = runner.catch_up();
  ASSERT_TRUE(caught);
  EXPECT_EQ(applied_rows(), expected());
}

}  // namespace
