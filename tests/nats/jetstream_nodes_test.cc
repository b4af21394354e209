// Several Mnemos nodes on one JetStream store: they hold the same events at the same positions,
// a revision race between nodes has exactly one winner, and a node that lost or missed part of
// the log rebuilds or catches up to the same copy. Real 3-node cluster (test_cluster.h).
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <thread>

#include "mnemos/jetstream.h"
#include "nats/jetstream.h"
#include "nats/subject.h"
#include "store_conformance.h"
#include "support/temp_dir.h"
#include "test_cluster.h"

namespace mnemos::conformance {
namespace {

class JetStreamNodes : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(nats::test::TestCluster::urls().empty()) << "the JetStream cluster did not start";
    stream_ = "N" + Uuid::random().to_string().substr(0, 8);
  }

  // Node `i` (its own local copy), connected to the servers starting with server i % 3.
  std::unique_ptr<Store> open_node(int i, Options limits = {}, int64_t max_in_flight = 2) {
    JetStreamOptions o;
    o.urls = nats::test::TestCluster::urls_from(static_cast<size_t>(i % 3));
    o.stream = stream_;
    o.local_dir = local_dir(i);
    o.limits = limits;
    o.max_in_flight = max_in_flight;
    auto store = open_jetstream(o);
    EXPECT_TRUE(store.has_value()) << store.error().to_string();
    return store ? std::move(*store) : nullptr;
  }
  std::string local_dir(int i) const { return dir_.path() + "/node" + std::to_string(i); }

  // Waits until `node` has applied everything `other` has (same head).
  static void await_same_head(Store& node, Store& other) {
    for (int i = 0; i < 500 && node.head() != other.head(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_EQ(node.head().value, other.head().value);
  }

  // Publishes `payload` on the subject of Mnemos stream `name`, as someone might by hand.
  void publish_by_hand(std::string_view name, std::string_view payload) const {
    nats::ConnectOptions co;
    co.urls = nats::test::TestCluster::urls();
    auto raw = nats::Connection::connect(co);
    ASSERT_TRUE(raw.has_value()) << raw.error().to_string();
    auto ack = (*raw)->publish({.subject = nats::stream_subject(stream_, name), .payload = payload});
    ASSERT_TRUE(ack.has_value()) << ack.error().to_string();
  }

  static std::vector<RecordedEvent> everything(Store& store) {
    auto all = store.read_all({});
    EXPECT_TRUE(all.has_value()) << all.error().to_string();
    return all ? all->events : std::vector<RecordedEvent>{};
  }

  // A mix of what a store sees: appends on several streams from both nodes, metadata, a soft
  // delete and the re-creation that follows, a tombstone.
  static void write_a_history(Store& a, Store& b) {
    for (int i = 0; i < 30; ++i) {
      Store& node = i % 2 ? a : b;
      auto r = node.append("cart-" + std::to_string(i % 4), ExpectedRevision::any(),
                           numbered_events(1 + i % 3, "ItemAdded", i));
      ASSERT_TRUE(r.has_value()) << r.error().to_string();
    }
    ASSERT_TRUE(a.set_metadata("cart-0", R"({"$maxCount":3,"owner":"x"})", ExpectedRevision::any()));
    ASSERT_TRUE(b.delete_stream("cart-1", ExpectedRevision::any()));
    ASSERT_TRUE(a.append("cart-1", ExpectedRevision::any(), numbered_events(2, "Again")));
    ASSERT_TRUE(b.tombstone_stream("cart-2", ExpectedRevision::any()));
    ASSERT_TRUE(a.append("cart-3", ExpectedRevision::any(),
                         {binary_event("Blob", std::string("\0\x01\xff", 3))}));
  }

  test::TempDir dir_{"jetstream-nodes"};
  std::string stream_;
};

TEST_F(JetStreamNodes, TwoNodesHoldTheSameEventsAtTheSamePositions) {
  auto a = open_node(0);
  auto b = open_node(1);
  ASSERT_TRUE(a && b);
  ASSERT_NO_FATAL_FAILURE(write_a_history(*a, *b));
  ASSERT_NO_FATAL_FAILURE(await_same_head(*a, *b));
  auto on_a = everything(*a);
  auto on_b = everything(*b);
  ASSERT_GT(on_a.size(), 40u);
  EXPECT_TRUE(same_events(on_b, on_a));  // ids, timestamps, positions, system events too
  // The rules were applied on both: metadata, soft delete and re-creation, tombstone.
  for (Store* node : {a.get(), b.get()}) {
    auto cart0 = node->read_stream("cart-0", {});
    ASSERT_TRUE(cart0.has_value());
    EXPECT_EQ(cart0->events.size(), 3u);  // $maxCount
    auto cart1 = node->read_stream("cart-1", {});
    ASSERT_TRUE(cart1.has_value());
    ASSERT_EQ(cart1->events.size(), 2u);
    EXPECT_EQ(cart1->events[0].type, "Again");
    EXPECT_GT(cart1->events[0].revision.value, 0u);  // revisions continue after a soft delete
    EXPECT_ERROR_CODE(node->read_stream("cart-2", {}), ErrorCode::kStreamDeleted);
    EXPECT_ERROR_CODE(node->append("cart-2", ExpectedRevision::any(), numbered_events(1)),
                      ErrorCode::kStreamDeleted);
  }
  // As-of reads by time agree too: the commit time is the log's, not each node's clock.
  const Timestamp middle = on_a[on_a.size() / 2].timestamp;
  EXPECT_EQ(a->resolve_time(middle).value(), b->resolve_time(middle).value());
}

TEST_F(JetStreamNodes, ConcurrentExactRevisionRaceAcrossNodesHasOneWinnerPerRevision) {
  auto a = open_node(0);
  auto b = open_node(1);
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->append("race", ExpectedRevision::no_stream(), numbered_events(1)).has_value());
  ASSERT_NO_FATAL_FAILURE(await_same_head(*b, *a));
  constexpr int kRounds = 20;
  constexpr int kWritersPerNode = 4;
  for (int round = 0; round < kRounds; ++round) {
    std::atomic<int> go{0};
    std::atomic<int> winners{0};
    std::atomic<int> conflicts{0};
    std::atomic<int> other{0};
    std::vector<std::thread> threads;
    for (int w = 0; w < 2 * kWritersPerNode; ++w) {
      Store& node = w % 2 ? *a : *b;
      threads.emplace_back([&, w] {
        while (go.load() == 0) {
        }
        auto r = node.append("race", ExpectedRevision::exact(Revision{static_cast<uint64_t>(round)}),
                             numbered_events(1, "W" + std::to_string(w)));
        if (r) {
          winners.fetch_add(1);
        } else if (r.error().code == ErrorCode::kWrongExpectedRevision) {
          conflicts.fetch_add(1);
        } else {
          other.fetch_add(1);
        }
      });
    }
    go.store(1);
    for (auto& t : threads) t.join();
    ASSERT_EQ(winners.load(), 1) << "round " << round;
    ASSERT_EQ(conflicts.load(), 2 * kWritersPerNode - 1) << "round " << round;
    ASSERT_EQ(other.load(), 0);
    ASSERT_NO_FATAL_FAILURE(await_same_head(*a, *b));
  }
  for (Store* node : {a.get(), b.get()}) {
    auto read = node->read_stream("race", {});
    ASSERT_TRUE(read.has_value());
    ASSERT_EQ(read->events.size(), static_cast<size_t>(kRounds + 1));
    for (size_t i = 0; i < read->events.size(); ++i) EXPECT_EQ(read->events[i].revision.value, i);
  }
}

TEST_F(JetStreamNodes, ANodeCatchesUpWhatItMissedAndRebuildsACopyItLost) {
  auto a = open_node(0);
  ASSERT_TRUE(a);
  {
    auto b = open_node(1);
    ASSERT_TRUE(b);
    ASSERT_NO_FATAL_FAILURE(write_a_history(*a, *b));
  }
  // b is down while a writes on.
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(a->append("late-" + std::to_string(i % 7), ExpectedRevision::any(),
                          numbered_events(1, "Late", i)));
  }
  {
    auto b = open_node(1);  // catches up from its checkpoint before open returns
    ASSERT_TRUE(b);
    EXPECT_EQ(b->head().value, a->head().value);
    EXPECT_TRUE(same_events(everything(*b), everything(*a)));
  }
  // b's copy is lost altogether: it is rebuilt from the log, the same again.
  std::filesystem::remove_all(local_dir(1));
  {
    auto b = open_node(1);
    ASSERT_TRUE(b);
    EXPECT_TRUE(same_events(everything(*b), everything(*a)));
  }
  // Its checkpoint is damaged: the copy is rebuilt rather than trusted.
  {
    std::FILE* f = std::fopen((local_dir(1) + "/replica.checkpoint").c_str(), "r+b");
    ASSERT_NE(f, nullptr);
    std::fseek(f, 13, SEEK_SET);
    std::fputc(0x5a, f);
    std::fclose(f);
    auto b = open_node(1);
    ASSERT_TRUE(b);
    EXPECT_TRUE(same_events(everything(*b), everything(*a)));
    ASSERT_TRUE(b->append("after-rebuild", ExpectedRevision::no_stream(), numbered_events(1)));
    ASSERT_NO_FATAL_FAILURE(await_same_head(*a, *b));
    EXPECT_TRUE(same_events(everything(*a), everything(*b)));
  }
}

TEST_F(JetStreamNodes, AForeignMessageOnTheLogIsSkippedTheSameWayByEveryNode) {
  auto a = open_node(0);
  auto b = open_node(1);
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->append("s", ExpectedRevision::any(), numbered_events(2)));
  ASSERT_NO_FATAL_FAILURE(publish_by_hand("s", "not ours"));
  ASSERT_TRUE(b->append("s", ExpectedRevision::exact(Revision{1}), numbered_events(1)));
  ASSERT_NO_FATAL_FAILURE(await_same_head(*a, *b));
  EXPECT_EQ(a->read_stream("s", {})->events.size(), 3u);
  EXPECT_TRUE(same_events(everything(*b), everything(*a)));
}

TEST_F(JetStreamNodes, AMessageOfANewerMnemosStopsANodeInsteadOfBeingSkipped) {
  auto a = open_node(0);
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->append("s", ExpectedRevision::any(), numbered_events(1)));
  ASSERT_NO_FATAL_FAILURE(publish_by_hand("s", "MNW9 from the future"));
  // The node stops at that message: writes are refused naming why, reads still serve the copy.
  Result<AppendResult> r = make_error(ErrorCode::kTimeout, "not tried");
  for (int i = 0; i < 100; ++i) {
    r = a->append("s", ExpectedRevision::any(), numbered_events(1));
    if (!r && r.error().code == ErrorCode::kStopped) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kStopped);
  EXPECT_NE(r.error().message.find("newer Mnemos"), std::string::npos) << r.error().message;
  // Every append tried above is behind that message in the log: none of them was applied.
  EXPECT_EQ(a->read_stream("s", {})->events.size(), 1u);
  // A node that opens on that log says so instead of opening with a copy that parts from it.
  JetStreamOptions o;
  o.urls = nats::test::TestCluster::urls();
  o.stream = stream_;
  o.local_dir = local_dir(1);
  auto b = open_jetstream(o);
  ASSERT_FALSE(b.has_value());
  EXPECT_EQ(b.error().code, ErrorCode::kStopped);
  EXPECT_NE(b.error().message.find("newer Mnemos"), std::string::npos) << b.error().message;
}

TEST_F(JetStreamNodes, WritesQueuedBehindAMessageInFlightShareAMessageAndAreDecidedOneByOne) {
  auto a = open_node(0, {}, /*max_in_flight=*/1);
  auto b = open_node(1);
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->append("taken", ExpectedRevision::no_stream(), numbered_events(1)));
  // 200 writes at once from one node; one in ten expects "taken" not to exist and is refused,
  // without taking its neighbours in the same message down with it.
  constexpr int kWrites = 200;
  std::vector<std::future<Result<AppendResult>>> pending;
  for (int i = 0; i < kWrites; ++i) {
    pending.push_back(i % 10 == 9 ? a->append_async("taken", ExpectedRevision::no_stream(), numbered_events(1))
                                  : a->append_async("s-" + std::to_string(i), ExpectedRevision::no_stream(),
                                                    numbered_events(2)));
  }
  for (int i = 0; i < kWrites; ++i) {
    auto r = pending[static_cast<size_t>(i)].get();
    if (i % 10 == 9) {
      EXPECT_ERROR_CODE(r, ErrorCode::kWrongExpectedRevision);
    } else {
      ASSERT_TRUE(r.has_value()) << i << ": " << r.error().to_string();
      EXPECT_EQ(r->last_revision.value, 1u);
    }
  }
  EXPECT_EQ(a->read_stream("taken", {})->events.size(), 1u);
  // They went out in far fewer messages than writes (one message in flight at a time).
  nats::ConnectOptions co;
  co.urls = nats::test::TestCluster::urls();
  auto raw = nats::Connection::connect(co);
  ASSERT_TRUE(raw.has_value()) << raw.error().to_string();
  auto messages = (*raw)->stream_messages(stream_);
  ASSERT_TRUE(messages.has_value()) << messages.error().to_string();
  EXPECT_LT(*messages, 1u + kWrites / 2);
  // The other node decoded the shared messages into the same events at the same positions.
  ASSERT_NO_FATAL_FAILURE(await_same_head(*b, *a));
  EXPECT_TRUE(same_events(everything(*b), everything(*a)));
  EXPECT_EQ(b->read_stream("s-0", {})->events.size(), 2u);
}

TEST_F(JetStreamNodes, ZeroMessagesInFlightIsRefusedAtOpen) {
  JetStreamOptions o;
  o.urls = nats::test::TestCluster::urls();
  o.stream = stream_;
  o.local_dir = local_dir(0);
  o.max_in_flight = 0;
  auto store = open_jetstream(o);
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(store.error().message.find("max_in_flight"), std::string::npos) << store.error().message;
}

TEST_F(JetStreamNodes, AnAppendOverTheServersMaxPayloadIsTooLargeNamingIt) {
  Options limits;
  limits.max_event_size = 4 << 20;  // the store's own limit is above the servers' 1 MiB
  auto a = open_node(0, limits);
  ASSERT_TRUE(a);
  auto r = a->append("big", ExpectedRevision::any(), {binary_event("Big", std::string(2 << 20, 'x'))});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kTooLarge);
  EXPECT_NE(r.error().message.find("max_payload"), std::string::npos) << r.error().message;
  // Nothing was written, and the store goes on.
  EXPECT_ERROR_CODE(a->read_stream("big", {}), ErrorCode::kNotFound);
  EXPECT_TRUE(a->append("big", ExpectedRevision::no_stream(), numbered_events(1)).has_value());
}

}  // namespace
}  // namespace mnemos::conformance
