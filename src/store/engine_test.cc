// Engine behaviour that the generic conformance suite cannot see: group commit, relaxed
// durability, segment rollover, replay of an unindexed tail, index rebuilds.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <random>
#include <thread>

#include "mnemos/embedded.h"

namespace mnemos {
namespace {

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("mnemos-engine-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::remove_all(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string path() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

std::unique_ptr<Store> open_or_die(const std::string& dir, const Options& options = {}) {
  auto store = open_embedded(dir, options);
  EXPECT_TRUE(store) << store.error().to_string();
  return store ? std::move(*store) : nullptr;
}

EventData event(std::string type, std::string data) {
  EventData e;
  e.type = std::move(type);
  e.data = std::move(data);
  return e;
}

std::string payload(size_t i, size_t size) {
  std::string s = "{\"i\":" + std::to_string(i) + ",\"pad\":\"";
  s.append(size > s.size() + 2 ? size - s.size() - 2 : 0, 'x');
  return s + "\"}";
}

TEST(Engine, ConcurrentAppendsShareSyncs) {
  TempDir dir;
  auto store = open_or_die(dir.path());
  constexpr int kThreads = 8, kPerThread = 200;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto expected = i == 0 ? ExpectedRevision::no_stream()
                               : ExpectedRevision::exact(Revision{uint64_t(i - 1)});
        if (!store->append("s-" + std::to_string(t), expected, {event("E", "{}")})) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  auto stats = store->stats();
  ASSERT_TRUE(stats);
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(stats->appends, uint64_t(kThreads * kPerThread));
  // Group commit: with 8 writers waiting on each other's syncs, far fewer syncs than appends.
  EXPECT_LT(stats->syncs, stats->appends);
}

TEST(Engine, RelaxedDurabilitySyncsAtMostEveryInterval) {
  TempDir dir;
  Options options;
  options.durability = Durability::kRelaxed;
  options.relaxed_sync_interval = std::chrono::milliseconds(200);
  auto store = open_or_die(dir.path(), options);
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(store->append("s", ExpectedRevision::any(), {event("E", "{}")}));
  auto stats = store->stats();
  EXPECT_EQ(stats->appends, 300u);
  EXPECT_LT(stats->syncs, 150u);
  store.reset();
  auto again = open_or_die(dir.path(), options);
  EXPECT_EQ(again->read_stream("s", {})->events.size(), 300u);
}

TEST(Engine, ReadsAcrossManySegmentsInBothDirections) {
  TempDir dir;
  Options options;
  options.segment_size = 2 << 20;
  options.max_append_size = 512 << 10;
  auto store = open_or_die(dir.path(), options);
  constexpr size_t kEvents = 3000;
  for (size_t i = 0; i < kEvents; i += 10) {
    std::vector<EventData> batch;
    for (size_t k = 0; k < 10; ++k) batch.push_back(event("Big", payload(i + k, 2000)));
    ASSERT_TRUE(store->append(i % 20 == 0 ? "a" : "b", ExpectedRevision::any(), batch));
  }
  auto stats = store->stats();
  EXPECT_GT(stats->segments, 2u);
  auto forwards = store->read_all({});
  ASSERT_TRUE(forwards);
  ASSERT_EQ(forwards->events.size(), kEvents);
  auto backwards = store->read_all({.direction = Direction::kBackwards});
  ASSERT_TRUE(backwards);
  ASSERT_EQ(backwards->events.size(), kEvents);
  for (size_t i = 0; i < kEvents; ++i) {
    EXPECT_EQ(forwards->events[i].position, backwards->events[kEvents - 1 - i].position);
    EXPECT_EQ(forwards->events[i].data, payload(i, 2000));
  }
  auto b = store->read_stream("b", {.direction = Direction::kBackwards});
  ASSERT_TRUE(b);
  EXPECT_EQ(b->events.size(), kEvents / 2);
  EXPECT_EQ(b->events.front().revision.value, kEvents / 2 - 1);
  store.reset();
  auto again = open_or_die(dir.path(), options);
  EXPECT_EQ(again->read_all({})->events.size(), kEvents);
}

TEST(Engine, AsOfTimeFindsTheExactEventAmongManyBoundaries) {
  TempDir dir;
  auto store = open_or_die(dir.path());
  std::vector<AppendResult> acks;
  for (size_t i = 0; i < 400; ++i) {
    auto r = store->append("t", ExpectedRevision::any(), {event("E", payload(i, 1000))});
    ASSERT_TRUE(r);
    acks.push_back(*r);
  }
  std::mt19937_64 rng(7);
  for (int probe = 0; probe < 50; ++probe) {
    const auto& ack = acks[rng() % acks.size()];
    auto p = store->resolve_time(ack.timestamp);
    ASSERT_TRUE(p);
    // The last event committed at or before that time: same timestamp, position >= ack's.
    EXPECT_GE(p->value, ack.position.value);
    auto r = store->read_stream("t", {.as_of = {.time = ack.timestamp}});
    ASSERT_TRUE(r);
    EXPECT_GE(r->events.back().revision.value, ack.last_revision.value);
    EXPECT_LE(r->events.back().timestamp, ack.timestamp);
  }
}

TEST(Engine, ReplaysTheUnindexedTailAfterAProcessDies) {
  TempDir dir;
  {
    auto store = open_or_die(dir.path());
    ASSERT_TRUE(store->append("before", ExpectedRevision::no_stream(), {event("E", "{}")}));
  }
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto store = open_embedded(dir.path());
    if (!store) ::_exit(2);
    for (int i = 0; i < 500; ++i) {
      if (!(*store)->append("crashy", ExpectedRevision::any(), {event("E", payload(i, 50))})) ::_exit(3);
    }
    ::_exit(0);  // no close: the index memtable is lost, the log is durable
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  auto store = open_or_die(dir.path());
  auto r = store->read_stream("crashy", {});
  ASSERT_TRUE(r) << r.error().to_string();
  ASSERT_EQ(r->events.size(), 500u);
  EXPECT_EQ(r->events[499].data, payload(499, 50));
  EXPECT_EQ(store->stats()->events, 501u);
  EXPECT_TRUE(store->append("crashy", ExpectedRevision::exact(Revision{499}), {event("E", "{}")}));
}

TEST(Engine, ReindexGivesTheSameAnswers) {
  TempDir dir;
  {
    auto store = open_or_die(dir.path());
    for (int i = 0; i < 200; ++i) {
      ASSERT_TRUE(store->append("s-" + std::to_string(i % 7), ExpectedRevision::any(),
                                {event("E", payload(i, 80))}));
    }
    ASSERT_TRUE(store->delete_stream("s-3", ExpectedRevision::any()));
    ASSERT_TRUE(store->tombstone_stream("s-4", ExpectedRevision::any()));
  }
  auto snapshot = [&] {
    auto store = open_or_die(dir.path());
    std::vector<std::string> out;
    for (int s = 0; s < 7; ++s) {
      auto r = store->read_stream("s-" + std::to_string(s), {});
      out.push_back(r ? std::to_string(r->events.size()) + "/" + r->events.back().data
                      : std::string(error_code_name(r.error().code)));
    }
    out.push_back(std::to_string(store->stats()->events));
    return out;
  };
  auto before = snapshot();
  ASSERT_TRUE(reindex_embedded(dir.path()));
  EXPECT_EQ(snapshot(), before);
  auto report = verify_embedded(dir.path());
  ASSERT_TRUE(report) << report.error().to_string();
  EXPECT_EQ(report->records, 202u);
  EXPECT_GT(report->index_entries_checked, 0u);
}

}  // namespace
}  // namespace mnemos
