// Semantic 5: subscriptions to a stream or to $all, from a revision/position or from the end:
// catch-up, then exactly one CaughtUp, then live, with no gap and no duplicate.
#include <atomic>
#include <future>
#include <thread>

#include "store_conformance.h"
#include "support/test_random.h"
#include "support/wait.h"

namespace mnemos::conformance {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<Subscription> subscribed(Result<std::unique_ptr<Subscription>> result) {
  if (!result) {
    ADD_FAILURE() << "subscribe: " << result.error().to_string();
    return nullptr;
  }
  return std::move(*result);
}

auto caught_up = [](const Received& r) { return r.caught_up >= 1; };
auto has_events(size_t n) {
  return [n](const Received& r) { return r.events.size() >= n; };
}

// A subscription that has delivered its catch-up, up to and including CaughtUp.
struct CaughtUpSubscription {
  std::unique_ptr<Subscription> sub;  // null when subscribing or catching up failed
  Received r;
};

CaughtUpSubscription catch_up(Result<std::unique_ptr<Subscription>> result) {
  CaughtUpSubscription c;
  auto sub = subscribed(std::move(result));
  if (sub == nullptr) return c;
  if (!receive_until(*sub, c.r, caught_up)) {
    ADD_FAILURE() << "no CaughtUp after " << c.r.events.size() << " events: "
                  << (c.r.error ? c.r.error->to_string() : "timeout");
    return c;
  }
  c.sub = std::move(sub);
  return c;
}

// The messages before CaughtUp are the catch-up; CaughtUp's head covers them.
void expect_caught_up_once(const Received& r) {
  EXPECT_EQ(r.caught_up, 1u) << "exactly one CaughtUp";
  ASSERT_TRUE(r.caught_up_head.has_value());
  if (r.events_before_caught_up > 0) {
    EXPECT_GE(*r.caught_up_head, r.events[r.events_before_caught_up - 1].position);
  }
}

// A checkpoint says everything up to it was delivered or filtered out: events after it are
// past it, and checkpoints do not go back.
void expect_valid_checkpoints(const Received& r, Position head) {
  for (size_t i = 0; i < r.checkpoints.size(); ++i) {
    EXPECT_LE(r.checkpoints[i], head);
    if (i > 0) {
      EXPECT_GE(r.checkpoints[i], r.checkpoints[i - 1]);
    }
    const size_t before = r.events_before_checkpoint[i];
    if (before < r.events.size()) {
      EXPECT_GT(r.events[before].position, r.checkpoints[i])
          << "event delivered after a checkpoint that covered it: " << describe(r.events[before]);
    }
  }
}

TEST_P(StoreConformance, SubscribeStreamFromBeginningCatchesUpThenGoesLive) {
  append_ok("s", ExpectedRevision::any(), numbered_events(3));
  append_ok("other", ExpectedRevision::any(), numbered_events(2));
  auto [sub, r] = catch_up(store().subscribe_stream("s", {StartAt::kBeginning}));
  ASSERT_NE(sub, nullptr);
  EXPECT_EQ(r.events_before_caught_up, 3u);
  EXPECT_TRUE(same_events(r.events, read_stream_ok("s")));

  append_ok("s", ExpectedRevision::any(), numbered_events(2));
  append_ok("other", ExpectedRevision::any(), numbered_events(1));
  append_ok("s", ExpectedRevision::any(), numbered_events(1));
  ASSERT_TRUE(receive_until(*sub, r, has_events(6)));
  EXPECT_TRUE(nothing_more(*sub, r));
  EXPECT_TRUE(same_events(r.events, read_stream_ok("s")));
  expect_caught_up_once(r);
}

TEST_P(StoreConformance, SubscribeStreamFromRevisionIsInclusive) {
  append_ok("s", ExpectedRevision::any(), numbered_events(5));
  auto [sub, r] = catch_up(store().subscribe_stream("s", {StartAt::kFrom, Revision{2}}));
  ASSERT_NE(sub, nullptr);
  EXPECT_EQ(revisions_of(r.events), (std::vector<uint64_t>{2, 3, 4}));
  append_ok("s", ExpectedRevision::any(), numbered_events(1));
  ASSERT_TRUE(receive_until(*sub, r, has_events(4)));
  EXPECT_EQ(revisions_of(r.events), (std::vector<uint64_t>{2, 3, 4, 5}));
  expect_caught_up_once(r);
}

TEST_P(StoreConformance, SubscribeStreamFromEndDeliversOnlyNewEvents) {
  append_ok("s", ExpectedRevision::any(), numbered_events(3));
  auto [sub, r] = catch_up(store().subscribe_stream("s", {StartAt::kEnd}));
  ASSERT_NE(sub, nullptr);
  EXPECT_TRUE(r.events.empty());
  append_ok("s", ExpectedRevision::any(), numbered_events(2));
  ASSERT_TRUE(receive_until(*sub, r, has_events(2)));
  EXPECT_TRUE(nothing_more(*sub, r));
  EXPECT_EQ(revisions_of(r.events), (std::vector<uint64_t>{3, 4}));
  expect_caught_up_once(r);
}

TEST_P(StoreConformance, SubscribeStreamBeforeItExistsDeliversItOnceCreated) {
  auto [sub, r] = catch_up(store().subscribe_stream("later", {StartAt::kBeginning}));
  ASSERT_NE(sub, nullptr);
  EXPECT_TRUE(r.events.empty());
  append_ok("other", ExpectedRevision::any(), numbered_events(1));
  append_ok("later", ExpectedRevision::no_stream(), numbered_events(2));
  ASSERT_TRUE(receive_until(*sub, r, has_events(2)));
  EXPECT_TRUE(same_events(r.events, read_stream_ok("later")));
}

TEST_P(StoreConformance, SubscribeAllFromBeginningCatchesUpThenGoesLive) {
  for (int i = 0; i < 5; ++i) {
    append_ok("s" + std::to_string(i % 2), ExpectedRevision::any(), numbered_events(2));
  }
  auto [sub, r] = catch_up(store().subscribe_all({StartAt::kBeginning}));
  ASSERT_NE(sub, nullptr);
  EXPECT_EQ(r.events_before_caught_up, 10u);
  for (int i = 0; i < 3; ++i) append_ok("s2", ExpectedRevision::any(), numbered_events(1));
  ASSERT_TRUE(receive_until(*sub, r, has_events(13)));
  EXPECT_TRUE(nothing_more(*sub, r));
  EXPECT_TRUE(same_events(r.events, read_all_ok()));
  expect_caught_up_once(r);
}

TEST_P(StoreConformance, SubscribeAllOnEmptyStoreCatchesUpAtOnce) {
  auto [sub, r] = catch_up(store().subscribe_all({StartAt::kBeginning}));
  ASSERT_NE(sub, nullptr);
  EXPECT_TRUE(r.events.empty());
  AppendResult a = append_ok("s", ExpectedRevision::any(), numbered_events(1));
  ASSERT_TRUE(receive_until(*sub, r, has_events(1)));
  EXPECT_EQ(r.events[0].position, a.position);
}

TEST_P(StoreConformance, SubscribeAllFromPositionIsInclusive) {
  for (int i = 0; i < 4; ++i) append_ok("s", ExpectedRevision::any(), numbered_events(2));
  auto all = read_all_ok();
  ASSERT_EQ(all.size(), 8u);
  auto [sub, r] = catch_up(store().subscribe_all({StartAt::kFrom, all[5].position}));
  ASSERT_NE(sub, nullptr);
  EXPECT_TRUE(same_events(r.events, {all.begin() + 5, all.end()}));
  append_ok("t", ExpectedRevision::any(), numbered_events(1));
  ASSERT_TRUE(receive_until(*sub, r, has_events(4)));
  EXPECT_EQ(r.events.back().stream, "t");
}

TEST_P(StoreConformance, SubscribeAllFromEndDeliversOnlyNewEvents) {
  append_ok("s", ExpectedRevision::any(), numbered_events(3));
  auto [sub, r] = catch_up(store().subscribe_all({StartAt::kEnd}));
  ASSERT_NE(sub, nullptr);
  EXPECT_TRUE(r.events.empty());
  AppendResult a = append_ok("t", ExpectedRevision::any(), numbered_events(2));
  ASSERT_TRUE(receive_until(*sub, r, has_events(2)));
  EXPECT_TRUE(nothing_more(*sub, r));
  ASSERT_EQ(r.events.size(), 2u);
  EXPECT_EQ(r.events[1].position, a.position);
  EXPECT_EQ(r.events[0].stream, "t");
  expect_caught_up_once(r);
}

TEST_P(StoreConformance, FilteredSubscribeAllDeliversMatchingEventsAndCheckpoints) {
  append_ok("cart-1", ExpectedRevision::any(), {json_event("ItemAdded")});
  for (int i = 0; i < 10; ++i) append_ok("noise", ExpectedRevision::any(), numbered_events(10));
  append_ok("cart-2", ExpectedRevision::any(), {json_event("ItemAdded")});
  EventFilter filter;
  filter.type_prefix = "Item";
  auto [sub, r] = catch_up(store().subscribe_all({StartAt::kBeginning, Position{}, filter, /*checkpoint_interval=*/10}));
  ASSERT_NE(sub, nullptr);
  ReadAllOptions o;
  o.filter = filter;
  EXPECT_TRUE(same_events(r.events, read_all_ok(o)));
  ASSERT_EQ(r.events.size(), 2u);
  EXPECT_FALSE(r.checkpoints.empty()) << "100 filtered-out events, checkpoint interval 10";
  expect_valid_checkpoints(r, store().head());
  // The 100 filtered-out events lie between the two matching ones: so do checkpoints.
  bool between = false;
  for (Position c : r.checkpoints) {
    between |= c >= r.events[0].position && c < r.events[1].position;
  }
  EXPECT_TRUE(between) << "no checkpoint while scanning the 100 filtered-out events";

  append_ok("noise", ExpectedRevision::any(), numbered_events(5));
  append_ok("cart-3", ExpectedRevision::any(), {json_event("ItemRemoved")});
  ASSERT_TRUE(receive_until(*sub, r, has_events(3)));
  EXPECT_EQ(r.events[2].stream, "cart-3");
  EXPECT_TRUE(same_events(r.events, read_all_ok(o)));
}

TEST_P(StoreConformance, SubscribeAllWithStreamPrefixDeliversOnlyThoseStreams) {
  append_ok("cart-1", ExpectedRevision::any(), numbered_events(2));
  append_ok("order-1", ExpectedRevision::any(), numbered_events(2));
  EventFilter filter;
  filter.stream_prefix = "order-";
  auto [sub, r] = catch_up(store().subscribe_all({StartAt::kBeginning, Position{}, filter}));
  ASSERT_NE(sub, nullptr);
  append_ok("cart-1", ExpectedRevision::any(), numbered_events(1));
  append_ok("order-2", ExpectedRevision::any(), numbered_events(1));
  ASSERT_TRUE(receive_until(*sub, r, has_events(3)));
  EXPECT_TRUE(nothing_more(*sub, r));
  for (const auto& e : r.events) EXPECT_TRUE(e.stream.starts_with("order-")) << describe(e);
  ReadAllOptions o;
  o.filter = filter;
  EXPECT_TRUE(same_events(r.events, read_all_ok(o)));
}

TEST_P(StoreConformance, SubscriberThatNeverReadsDoesNotBlockAppends) {
  auto idle = subscribed(store().subscribe_all({StartAt::kBeginning}));
  ASSERT_NE(idle, nullptr);
  constexpr int kAppends = 2000, kPerAppend = 5;  // 10,000 events
  auto writer = std::async(std::launch::async, [&] {
    for (int i = 0; i < kAppends; ++i) {
      auto r = store().append("busy-" + std::to_string(i % 7), ExpectedRevision::any(),
                              numbered_events(kPerAppend));
      if (!r) return r.error().to_string();
    }
    return std::string();
  });
  if (writer.wait_for(180s) != std::future_status::ready) {
    ADD_FAILURE() << "10,000 events not appended in 180 s with an idle subscriber";
    idle->cancel();
    if (writer.wait_for(30s) != std::future_status::ready) {
      std::fprintf(stderr, "appends still blocked after cancel(); aborting\n");
      std::abort();
    }
    return;
  }
  EXPECT_EQ(writer.get(), "");
  // The subscriber then gets everything, in order, without a gap.
  Received r;
  ASSERT_TRUE(receive_until(*idle, r, caught_up, 120s))
      << r.events.size() << " events; " << (r.error ? r.error->to_string() : "timeout");
  EXPECT_EQ(r.events.size(), static_cast<size_t>(kAppends * kPerAppend));
  EXPECT_EQ(positions_of(r.events), positions_of(read_all_ok()));
}

TEST_P(StoreConformance, ConcurrentCancelWakesBlockedNext) {
  auto [sub, r] = catch_up(store().subscribe_all({StartAt::kEnd}));
  ASSERT_NE(sub, nullptr);
  std::atomic<bool> waiting{false};
  auto blocked = std::async(std::launch::async, [&] {
    waiting = true;
    const auto start = std::chrono::steady_clock::now();
    auto m = sub->next(60s);
    return std::make_pair(std::move(m), std::chrono::steady_clock::now() - start);
  });
  ASSERT_TRUE(test::wait_until([&] { return waiting.load(); }, 10s));
  sub->cancel();
  ASSERT_EQ(blocked.wait_for(20s), std::future_status::ready) << "cancel() did not wake next()";
  auto [message, waited] = blocked.get();
  ASSERT_FALSE(message) << "next() after cancel() must fail";
  EXPECT_EQ(message.error().code, ErrorCode::kCancelled) << message.error().to_string();
  EXPECT_LT(waited, 30s);
  auto again = sub->next(10ms);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kCancelled);
}

TEST_P(StoreConformance, NextAfterCancelReturnsCancelledEvenWithEventsPending) {
  append_ok("s", ExpectedRevision::any(), numbered_events(5));
  auto sub = subscribed(store().subscribe_stream("s", {StartAt::kBeginning}));
  ASSERT_NE(sub, nullptr);
  sub->cancel();
  auto m = sub->next(1s);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, ErrorCode::kCancelled);
  // The store is unaffected.
  append_ok("s", ExpectedRevision::exact(Revision{4}), numbered_events(1));
}

TEST_P(StoreConformance, StreamSubscriptionEndsWithStreamDeletedOnTombstone) {
  append_ok("s", ExpectedRevision::any(), numbered_events(2));
  auto [sub, r] = catch_up(store().subscribe_stream("s", {StartAt::kBeginning}));
  ASSERT_NE(sub, nullptr);
  ASSERT_OK(store().tombstone_stream("s", ExpectedRevision::any()));
  receive_until(*sub, r, [](const Received& x) { return x.error.has_value(); }, 10s);
  ASSERT_TRUE(r.error.has_value()) << "no error after the stream was tombstoned";
  EXPECT_EQ(r.error->code, ErrorCode::kStreamDeleted) << r.error->to_string();
  EXPECT_GE(r.events.size(), 2u);
}

TEST_P(StoreConformance, SubscribingToTombstonedStreamFailsWithStreamDeleted) {
  append_ok("s", ExpectedRevision::any(), numbered_events(1));
  ASSERT_OK(store().tombstone_stream("s", ExpectedRevision::any()));
  auto sub = store().subscribe_stream("s", {});
  if (!sub) {
    EXPECT_EQ(sub.error().code, ErrorCode::kStreamDeleted) << sub.error().to_string();
    return;
  }
  Received r;
  receive_until(**sub, r, [](const Received& x) { return x.error.has_value(); }, 10s);
  ASSERT_TRUE(r.error.has_value()) << "a tombstoned stream cannot be subscribed to";
  EXPECT_EQ(r.error->code, ErrorCode::kStreamDeleted) << r.error->to_string();
}

TEST_P(StoreConformance, SubscriptionReportsStoppedWhenStoreCloses) {
  append_ok("s", ExpectedRevision::any(), numbered_events(1));
  auto [sub, r] = catch_up(store().subscribe_all({StartAt::kBeginning}));
  ASSERT_NE(sub, nullptr);
  close();
  receive_until(*sub, r, [](const Received& x) { return x.error.has_value(); }, 10s);
  ASSERT_TRUE(r.error.has_value()) << "the subscription goes on after its store closed";
  EXPECT_EQ(r.error->code, ErrorCode::kStopped) << r.error->to_string();
}

// ---- Subscribers joining at random moments while writers append ----

enum class Target { kAll, kAllTypeFilter, kAllStreamFilter, kStream };

struct SubscriberSpec {
  Target target;
  StartAt start;
  std::string stream;  // kStream
  uint64_t start_after_appends;
};

struct SubscriberRun {
  SubscriberSpec spec;
  Position head_before, head_after;  // around subscribe()
  std::optional<Position> from_position;
  std::optional<uint64_t> from_revision;
  Received received;
  std::string failure;
};

EventFilter filter_of(Target t) {
  EventFilter f;
  if (t == Target::kAllTypeFilter) f.type_prefix = "Even";
  if (t == Target::kAllStreamFilter) f.stream_prefix = "w1-";
  return f;
}

// Everything the subscription should deliver once the writers are done, in order.
std::vector<RecordedEvent> final_sequence(Store& store, const SubscriberSpec& spec) {
  if (spec.target == Target::kStream) {
    auto r = store.read_stream(spec.stream, {});
    return r ? r->events : std::vector<RecordedEvent>{};
  }
  ReadAllOptions o;
  o.filter = filter_of(spec.target);
  auto r = store.read_all(o);
  return r ? r->events : std::vector<RecordedEvent>{};
}

void run_subscriber(Store& store, SubscriberRun& run, const std::atomic<uint64_t>& appends_done,
                    const std::atomic<bool>& writers_done, uint64_t seed) {
  std::mt19937_64 random(seed);
  const SubscriberSpec& spec = run.spec;
  test::wait_until([&] { return appends_done >= spec.start_after_appends || writers_done; },
                   120s);
  if (spec.start == StartAt::kFrom) {
    // Start at an existing event chosen at random.
    auto known = final_sequence(store, spec);
    if (!known.empty()) {
      size_t k = std::uniform_int_distribution<size_t>(0, known.size() - 1)(random);
      run.from_position = known[k].position;
      run.from_revision = known[k].revision.value;
    } else {
      run.from_position = Position{0};
      run.from_revision = 0;
    }
  }
  run.head_before = store.head();
  Result<std::unique_ptr<Subscription>> sub =
      spec.target == Target::kStream
          ? store.subscribe_stream(spec.stream,
                                   {spec.start, Revision{run.from_revision.value_or(0)}})
          : store.subscribe_all({spec.start, run.from_position.value_or(Position{}),
                                 filter_of(spec.target), 5});
  run.head_after = store.head();
  if (!sub) {
    run.failure = "subscribe: " + sub.error().to_string();
    return;
  }
  Received& r = run.received;
  // Receive until the writers are done and the last event this subscriber can get came.
  std::optional<Position> last;
  bool ok = receive_until(**sub, r, [&](const Received& x) {
    if (!writers_done || x.caught_up == 0) return false;
    if (!last) {
      auto all = final_sequence(store, spec);
      last = all.empty() ? Position{0} : all.back().position;
    }
    if (spec.start == StartAt::kEnd && *last <= run.head_after) return true;
    return !x.events.empty() && x.events.back().position >= *last;
  }, 120s);
  if (!ok) {
    run.failure = "did not reach the end: " +
                  (r.error ? r.error->to_string() : std::string("timeout")) + " after " +
                  std::to_string(r.events.size()) + " events";
    return;
  }
  nothing_more(**sub, r, 100ms);
}

void check_subscriber(Store& store, const SubscriberRun& run) {
  SCOPED_TRACE(testing::Message() << "subscriber target=" << static_cast<int>(run.spec.target)
                                  << " start=" << static_cast<int>(run.spec.start)
                                  << " stream=" << run.spec.stream
                                  << " after=" << run.spec.start_after_appends);
  ASSERT_EQ(run.failure, "");
  const Received& r = run.received;
  expect_caught_up_once(r);
  std::vector<RecordedEvent> full = final_sequence(store, run.spec);
  size_t first = 0;  // index in `full` of the first event the subscriber should get
  switch (run.spec.start) {
    case StartAt::kBeginning:
      break;
    case StartAt::kFrom:
      while (first < full.size() &&
             (run.spec.target == Target::kStream ? full[first].revision.value < *run.from_revision
                                                 : full[first].position < *run.from_position)) {
        ++first;
      }
      break;
    case StartAt::kEnd:
      // Events committed before subscribe() began are not delivered; those committed after it
      // returned are. In between, either.
      while (first < full.size() && full[first].position <= run.head_before) ++first;
      if (!r.events.empty()) {
        while (first < full.size() && full[first].position < r.events.front().position) {
          EXPECT_LE(full[first].position, run.head_after)
              << "skipped an event committed after subscribe(): " << describe(full[first]);
          ++first;
        }
      } else {
        while (first < full.size() && full[first].position <= run.head_after) ++first;
      }
      break;
  }
  EXPECT_TRUE(same_events(r.events, {full.begin() + static_cast<ptrdiff_t>(first), full.end()}));
}

TEST_P(StoreConformance, ConcurrentSubscribersStartingAtRandomMomentsSeeExactlyTheLog) {
  test::TestRandom random("ConcurrentSubscribersStartingAtRandomMomentsSeeExactlyTheLog");
  constexpr int kWriters = 3;
  constexpr uint64_t kAppendsPerWriter = 300;
  constexpr uint64_t kTotalAppends = kWriters * kAppendsPerWriter;

  std::vector<SubscriberRun> runs;
  const std::vector<std::pair<Target, StartAt>> kinds = {
      {Target::kAll, StartAt::kBeginning},          {Target::kAll, StartAt::kFrom},
      {Target::kAll, StartAt::kEnd},                {Target::kAllTypeFilter, StartAt::kBeginning},
      {Target::kAllStreamFilter, StartAt::kFrom},   {Target::kStream, StartAt::kBeginning},
      {Target::kStream, StartAt::kFrom},            {Target::kStream, StartAt::kEnd},
  };
  for (const auto& [target, start] : kinds) {
    SubscriberSpec spec{target, start, "", random.uniform(0, kTotalAppends * 3 / 4)};
    if (target == Target::kStream) {
      spec.stream = "w" + std::to_string(random.uniform(0, kWriters - 1)) + "-" +
                    std::to_string(random.uniform(0, 1));
    }
    runs.push_back(SubscriberRun{spec, {}, {}, {}, {}, {}, {}});
  }

  std::atomic<uint64_t> appends_done{0};
  std::atomic<bool> writers_done{false};
  std::vector<std::thread> subscribers;
  for (auto& run : runs) {
    subscribers.emplace_back(run_subscriber, std::ref(store()), std::ref(run),
                             std::cref(appends_done), std::cref(writers_done),
                             random.uniform(0, UINT64_MAX));
  }
  std::vector<std::thread> writers;
  std::vector<std::string> writer_errors(kWriters);
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w, seed = random.uniform(0, UINT64_MAX)] {
      std::mt19937_64 rng(seed);
      for (uint64_t i = 0; i < kAppendsPerWriter; ++i) {
        std::string stream = "w" + std::to_string(w) + "-" + std::to_string(rng() % 2);
        std::vector<EventData> events;
        for (uint64_t k = 0, n = 1 + rng() % 3; k < n; ++k) {
          events.push_back(json_event((i + k) % 2 == 0 ? "Even" : "Odd",
                                      "{\"w\":" + std::to_string(w) + "}"));
        }
        auto r = store().append(stream, ExpectedRevision::any(), std::move(events));
        if (!r) {
          writer_errors[static_cast<size_t>(w)] = r.error().to_string();
          break;
        }
        ++appends_done;
      }
    });
  }
  for (auto& t : writers) t.join();
  writers_done = true;
  for (auto& t : subscribers) t.join();
  for (const auto& e : writer_errors) EXPECT_EQ(e, "");
  EXPECT_EQ(appends_done.load(), kTotalAppends);
  for (const auto& run : runs) check_subscriber(store(), run);
}

}  // namespace
}  // namespace mnemos::conformance
