// Many threads appending at once: optimistic concurrency on one stream, and group commit across
// streams. Every acknowledged append is there, exactly once, in a contiguous history.
#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "store_conformance.h"
#include "support/test_random.h"

namespace mnemos::conformance {
namespace {

struct Ack {
  Uuid id;
  uint64_t revision;
  Position position;
};

TEST_P(StoreConformance, ConcurrentExactRevisionAppendsToOneStreamLoseNothing) {
  test::TestRandom random("ConcurrentExactRevisionAppendsToOneStreamLoseNothing");
  constexpr int kThreads = 8;
  constexpr int kAppendsPerThread = 25;
  std::mutex mu;
  std::vector<Ack> acks;
  std::vector<std::string> errors(kThreads);
  std::atomic<uint64_t> conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t, seed = random.uniform(0, UINT64_MAX)] {
      std::mt19937_64 rng(seed);
      ExpectedRevision expected = ExpectedRevision::no_stream();
      int done = 0;
      for (int attempts = 0; done < kAppendsPerThread && attempts < 100'000; ++attempts) {
        std::vector<EventData> events;
        const size_t n = 1 + rng() % 3;
        for (size_t k = 0; k < n; ++k) {
          events.push_back(with_id(json_event("Step", "{\"t\":" + std::to_string(t) + "}"),
                                   Uuid::random()));
        }
        std::vector<Uuid> ids;
        for (const auto& e : events) ids.push_back(*e.id);
        auto r = store().append("contended", expected, std::move(events));
        if (!r) {
          if (r.error().code != ErrorCode::kWrongExpectedRevision ||
              !r.error().actual_revision) {
            errors[static_cast<size_t>(t)] = r.error().to_string();
            return;
          }
          ++conflicts;
          const int64_t actual = *r.error().actual_revision;
          expected = actual < 0 ? ExpectedRevision::no_stream()
                                : ExpectedRevision::exact(Revision{static_cast<uint64_t>(actual)});
          continue;
        }
        if (r->last_revision.value - r->first_revision.value + 1 != n) {
          errors[static_cast<size_t>(t)] = "wrong revision range in AppendResult";
          return;
        }
        {
          std::lock_guard lock(mu);
          for (size_t k = 0; k < n; ++k) {
            acks.push_back(Ack{ids[k], r->first_revision.value + k, Position{}});
          }
          acks.back().position = r->position;
        }
        expected = ExpectedRevision::exact(r->last_revision);
        ++done;
      }
      if (done < kAppendsPerThread) errors[static_cast<size_t>(t)] = "gave up retrying";
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& e : errors) EXPECT_EQ(e, "");
  std::cerr << "conflicts retried: " << conflicts.load() << "\n";

  auto read = read_stream_ok("contended");
  ASSERT_EQ(read.size(), acks.size()) << "every acknowledged event, and nothing else";
  for (size_t i = 0; i < read.size(); ++i) ASSERT_EQ(read[i].revision.value, i);
  for (const Ack& ack : acks) {
    ASSERT_LT(ack.revision, read.size());
    EXPECT_EQ(read[ack.revision].id, ack.id) << "revision " << ack.revision;
    if (ack.position.value != 0) {
      EXPECT_EQ(read[ack.revision].position, ack.position);
    }
  }
}

TEST_P(StoreConformance, ConcurrentAppendsToDistinctStreamsAllCommitInOneOrder) {
  constexpr int kThreads = 8;
  constexpr int kAppendsPerThread = 40;
  std::vector<std::vector<AppendResult>> results(kThreads);
  std::vector<std::string> errors(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string stream = "writer-" + std::to_string(t);
      for (int i = 0; i < kAppendsPerThread; ++i) {
        const ExpectedRevision expected =
            i == 0 ? ExpectedRevision::no_stream()
                   : ExpectedRevision::exact(Revision{static_cast<uint64_t>(i - 1)});
        auto r = store().append(stream, expected, numbered_events(1, "W", i));
        if (!r) {
          errors[static_cast<size_t>(t)] = r.error().to_string();
          return;
        }
        results[static_cast<size_t>(t)].push_back(*r);
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& e : errors) EXPECT_EQ(e, "");

  auto all = read_all_ok();
  ASSERT_EQ(all.size(), static_cast<size_t>(kThreads * kAppendsPerThread));
  for (size_t i = 1; i < all.size(); ++i) ASSERT_GT(all[i].position, all[i - 1].position);
  for (size_t i = 1; i < all.size(); ++i) ASSERT_GE(all[i].timestamp, all[i - 1].timestamp);
  std::map<uint64_t, const RecordedEvent*> by_position;
  for (const auto& e : all) by_position[e.position.value] = &e;
  for (int t = 0; t < kThreads; ++t) {
    const auto& mine = results[static_cast<size_t>(t)];
    for (size_t i = 0; i < mine.size(); ++i) {
      auto it = by_position.find(mine[i].position.value);
      ASSERT_NE(it, by_position.end()) << "acknowledged position not in $all";
      EXPECT_EQ(it->second->stream, "writer-" + std::to_string(t));
      EXPECT_EQ(it->second->revision.value, i);
      EXPECT_EQ(it->second->timestamp, mine[i].timestamp);
    }
  }
  EXPECT_EQ(store().head(), all.back().position);
}

TEST_P(StoreConformance, ConcurrentReadersSeeOnlyWholeAppends) {
  // Readers running alongside a writer of 4-event appends never see part of an append.
  std::atomic<bool> done{false};
  std::string writer_error;
  std::thread writer([&] {
    for (int i = 0; i < 150; ++i) {
      auto r = store().append("batches", ExpectedRevision::any(), numbered_events(4));
      if (!r) {
        writer_error = r.error().to_string();
        break;
      }
    }
    done = true;
  });
  std::vector<std::string> reader_errors(2);
  std::vector<std::thread> readers;
  for (size_t k = 0; k < reader_errors.size(); ++k) {
    readers.emplace_back([&, k] {
      while (!done) {
        size_t count = 0;
        if (k == 0) {
          auto r = store().read_stream("batches", {});
          if (!r && r.error().code == ErrorCode::kNotFound) continue;
          if (!r) {
            reader_errors[k] = r.error().to_string();
            return;
          }
          count = r->events.size();
        } else {
          auto r = store().read_all({});
          if (!r) {
            reader_errors[k] = r.error().to_string();
            return;
          }
          count = r->events.size();
        }
        if (count % 4 != 0) {
          reader_errors[k] = "saw " + std::to_string(count) + " events: part of an append";
          return;
        }
      }
    });
  }
  writer.join();
  for (auto& t : readers) t.join();
  EXPECT_EQ(writer_error, "");
  for (const auto& e : reader_errors) EXPECT_EQ(e, "");
  EXPECT_EQ(read_stream_ok("batches").size(), 600u);
}

TEST_P(StoreConformance, ConcurrentHeadNeverRunsAheadOfWhatReadsSee) {
  // Once head() says P is committed, reads (and subscriptions from the end) see P.
  std::atomic<bool> done{false};
  std::string writer_error;
  std::thread writer([&] {
    for (int i = 0; i < 1500 && writer_error.empty(); ++i) {
      auto r = store().append("s" + std::to_string(i % 3), ExpectedRevision::any(),
                              numbered_events(1));
      if (!r) writer_error = r.error().to_string();
    }
    done = true;
  });
  ReadAllOptions last;
  last.direction = Direction::kBackwards;
  last.limit = 1;
  uint64_t checks = 0;
  std::string problem;
  while (!done && problem.empty()) {
    const Position head = store().head();
    auto r = store().read_all(last);
    ++checks;
    if (!r) {
      problem = r.error().to_string();
    } else if (head.value != 0 && (r->events.empty() || r->events[0].position < head)) {
      problem = "head() was " + std::to_string(head.value) + " but the last event read_all sees is " +
                (r->events.empty() ? "none" : std::to_string(r->events[0].position.value));
    }
  }
  writer.join();
  EXPECT_EQ(writer_error, "");
  EXPECT_EQ(problem, "") << "after " << checks << " checks";
}

}  // namespace
}  // namespace mnemos::conformance
