// Snapshots: written every N events, used by loads, and never changing a result: a snapshot of
// another schema version, a damaged one, or one that no longer matches its stream is ignored.
#include "mnemos/cqrs/snapshot.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "cart.h"
#include "mnemos/cqrs/command_handler.h"
#include "mnemos/embedded.h"
#include "support/temp_dir.h"
#include "support/test_random.h"

namespace {

using mnemos::ErrorCode;
using mnemos::ExpectedRevision;
using mnemos::Revision;
using mnemos::cqrs::LoadOptions;
using mnemos::cqrs::SnapshotPolicy;

class CqrsSnapshots : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = mnemos::open_embedded(dir_.path());
    ASSERT_TRUE(store) << store.error().to_string();
    store_ = std::move(*store);
  }

  static SnapshotPolicy every(uint64_t n, uint32_t schema = 1, uint64_t keep = 2) {
    SnapshotPolicy policy;
    policy.every = n;
    policy.schema_version = schema;
    policy.keep = keep;
    return policy;
  }

  // Adds one item per command, with the given snapshot policy.
  void add_items(const std::string& stream, int count, const SnapshotPolicy& policy) {
    mnemos::cqrs::HandleOptions options;
    options.snapshots = policy;
    for (int i = 0; i < count; ++i) {
      auto r = mnemos::cqrs::handle(*store_, decider_, stream,
                                    cart::AddItem{"sku-" + std::to_string(i % 7), 1}, options);
      ASSERT_TRUE(r);
      ASSERT_FALSE(r->snapshot_error) << r->snapshot_error->to_string();
    }
  }

  mnemos::Result<mnemos::cqrs::Loaded<cart::State>> load(const std::string& stream,
                                                         std::optional<SnapshotPolicy> policy,
                                                         mnemos::AsOf as_of = {}) {
    LoadOptions options;
    options.snapshots = policy;
    options.as_of = as_of;
    return mnemos::cqrs::load(*store_, decider_, stream, options);
  }

  // The load with snapshots gives what the plain fold gives.
  void expect_same_as_plain_fold(const std::string& stream, const SnapshotPolicy& policy,
                                 mnemos::AsOf as_of = {}) {
    auto plain = load(stream, std::nullopt, as_of);
    auto fast = load(stream, policy, as_of);
    ASSERT_TRUE(plain) << plain.error().to_string();
    ASSERT_TRUE(fast) << fast.error().to_string();
    EXPECT_EQ(fast->state, plain->state);
    EXPECT_EQ(fast->revision, plain->revision);
    EXPECT_EQ(fast->position, plain->position);
  }

  std::vector<mnemos::RecordedEvent> snapshots_of(const std::string& stream) {
    auto read = store_->read_stream(mnemos::cqrs::snapshot_stream(stream), {});
    if (!read) return {};
    return read->events;
  }

  void append_raw_snapshot(const std::string& stream, std::string payload,
                           mnemos::ContentType type = mnemos::ContentType::kJson) {
    mnemos::EventData event;
    event.type = std::string(mnemos::cqrs::kSnapshotEventType);
    event.data = std::move(payload);
    event.data_type = type;
    ASSERT_TRUE(store_->append(mnemos::cqrs::snapshot_stream(stream), ExpectedRevision::any(),
                               {std::move(event)}));
  }

  mnemos::test::TempDir dir_{"cqrs-snapshots"};
  std::unique_ptr<mnemos::Store> store_;
  cart::Decider decider_;
};

TEST_F(CqrsSnapshots, WrittenWhenACommandCrossesAMultipleOfEvery) {
  add_items("cart-1", 10, every(4));
  const auto snapshots = snapshots_of("cart-1");
  // Crossings at 4 and 8 events: revisions 3 and 7.
  ASSERT_EQ(snapshots.size(), 2u);
  auto first = mnemos::cqrs::decode_snapshot<cart::State>(snapshots[0], 1);
  auto second = mnemos::cqrs::decode_snapshot<cart::State>(snapshots[1], 1);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->point.revision, Revision{3});
  EXPECT_EQ(second->point.revision, Revision{7});
  // The snapshot holds the state folded up to its revision.
  auto at = load("cart-1", std::nullopt, mnemos::AsOf{second->point.position, std::nullopt});
  ASSERT_TRUE(at);
  EXPECT_EQ(second->state, at->state);
}

TEST_F(CqrsSnapshots, MultiEventCommandsCrossingAMultipleAlsoSnapshot) {
  EXPECT_FALSE(mnemos::cqrs::snapshot_due(every(10), std::nullopt, Revision{8}));
  EXPECT_TRUE(mnemos::cqrs::snapshot_due(every(10), std::nullopt, Revision{9}));
  EXPECT_TRUE(mnemos::cqrs::snapshot_due(every(10), Revision{7}, Revision{12}));
  EXPECT_FALSE(mnemos::cqrs::snapshot_due(every(10), Revision{9}, Revision{18}));
  EXPECT_FALSE(mnemos::cqrs::snapshot_due(every(0), Revision{1}, Revision{500}));
}

TEST_F(CqrsSnapshots, OnlyTheNewestKeepAreKept) {
  add_items("cart-1", 20, every(3, 1, 2));
  const auto snapshots = snapshots_of("cart-1");
  ASSERT_EQ(snapshots.size(), 2u);
  EXPECT_EQ(mnemos::cqrs::decode_snapshot<cart::State>(snapshots[1], 1)->point.revision, Revision{17});
}

TEST_F(CqrsSnapshots, LoadStartsFromTheNewestSnapshotAndFoldsTheRest) {
  add_items("cart-1", 10, every(4));
  auto loaded = load("cart-1", every(4));
  ASSERT_TRUE(loaded) << loaded.error().to_string();
  EXPECT_EQ(loaded->snapshot, Revision{7});
  EXPECT_EQ(loaded->events, 2u);  // revisions 8 and 9 only
  EXPECT_EQ(loaded->revision, Revision{9});
  expect_same_as_plain_fold("cart-1", every(4));
}

TEST_F(CqrsSnapshots, RandomHistoriesGiveTheSameStateWithAndWithout) {
  mnemos::test::TestRandom random("snapshot histories");
  mnemos::cqrs::HandleOptions options;
  options.snapshots = every(5);
  std::vector<mnemos::Position> positions;
  for (int i = 0; i < 300; ++i) {
    const std::string stream = "cart-" + std::to_string(random.uniform(0, 4));
    const std::string sku = "sku-" + std::to_string(random.uniform(0, 5));
    cart::Command command;
    switch (random.uniform(0, 9)) {
      case 0: command = cart::RemoveItem{sku}; break;
      case 1: command = cart::ChangeQuantity{sku, static_cast<int>(random.uniform(0, 9))}; break;
      case 2: command = random.one_in(8) ? cart::Command{cart::CheckOut{}} : cart::AddItem{sku, 1}; break;
      default: command = cart::AddItem{sku, static_cast<int>(random.uniform(1, 3))}; break;
    }
    auto r = mnemos::cqrs::handle(*store_, decider_, stream, command, options);
    if (r) positions.push_back(r->position);  // domain rejections are expected here
  }
  for (int c = 0; c <= 4; ++c) {
    const std::string stream = "cart-" + std::to_string(c);
    expect_same_as_plain_fold(stream, every(5));
    // And as of positions along the way, before and after the kept snapshots.
    for (size_t i = 0; i < positions.size(); i += 17) {
      expect_same_as_plain_fold(stream, every(5), mnemos::AsOf{positions[i], std::nullopt});
    }
  }
}

TEST_F(CqrsSnapshots, ASnapshotOfAnotherSchemaVersionIsIgnored) {
  add_items("cart-1", 10, every(4, /*schema=*/1));
  auto loaded = load("cart-1", every(4, /*schema=*/2));
  ASSERT_TRUE(loaded);
  EXPECT_FALSE(loaded->snapshot);
  EXPECT_EQ(loaded->events, 10u);
  expect_same_as_plain_fold("cart-1", every(4, 2));

  // Handling with the new schema writes a new-schema snapshot at the next crossing.
  add_items("cart-1", 2, every(4, 2));
  loaded = load("cart-1", every(4, 2));
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->snapshot, Revision{11});
}

TEST_F(CqrsSnapshots, DamagedSnapshotsAreIgnored) {
  add_items("cart-1", 5, every(100));  // no snapshot of its own
  auto good = load("cart-1", std::nullopt);
  ASSERT_TRUE(good);
  const auto point = mnemos::cqrs::SnapshotPoint{*good->revision, good->position, {}};

  // A lie: a state that is not the fold, under a checksum of the true state.
  cart::State lie = good->state;
  lie.items["stolen"] = 99;
  std::string honest = *mnemos::cqrs::encode_snapshot(good->state, point, 1);
  std::string tampered = honest;
  const std::string true_state = nlohmann::json(good->state).dump();
  tampered.replace(tampered.find(true_state), true_state.size(), nlohmann::json(lie).dump());
  append_raw_snapshot("cart-1", tampered);
  // Cut short (the store takes it only as binary: it checks that JSON payloads are JSON).
  append_raw_snapshot("cart-1", "{\"schema\":1,\"revision\":4,", mnemos::ContentType::kBinary);
  append_raw_snapshot("cart-1", "[1,2,3]");                          // not an envelope
  append_raw_snapshot("cart-1", "{\"schema\":1,\"revision\":4,\"position\":1,\"timestamp\":0,"
                                "\"checksum\":\"x\",\"state\":{\"items\":7}}");  // wrong shape

  auto loaded = load("cart-1", every(100, 1, 8));
  ASSERT_TRUE(loaded) << loaded.error().to_string();
  EXPECT_FALSE(loaded->snapshot);
  EXPECT_EQ(loaded->state, good->state);

  // The honest one, written last, is used.
  append_raw_snapshot("cart-1", honest);
  loaded = load("cart-1", every(100, 1, 8));
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->snapshot, good->revision);
  EXPECT_EQ(loaded->state, good->state);
}

TEST_F(CqrsSnapshots, ASnapshotOfEventsThatWereDeletedIsIgnored) {
  add_items("cart-1", 8, every(4));
  ASSERT_TRUE(store_->delete_stream("cart-1", ExpectedRevision::any()));
  // Re-created after a soft delete: revisions continue, the earlier events are gone.
  add_items("cart-1", 2, every(100));
  auto loaded = load("cart-1", every(4));
  ASSERT_TRUE(loaded) << loaded.error().to_string();
  EXPECT_FALSE(loaded->snapshot);
  EXPECT_EQ(loaded->events, 2u);
  expect_same_as_plain_fold("cart-1", every(4));
}

TEST_F(CqrsSnapshots, AsOfBeforeASnapshotDoesNotUseIt) {
  add_items("cart-1", 3, every(4));
  auto early = load("cart-1", std::nullopt);
  ASSERT_TRUE(early);
  add_items("cart-1", 6, every(4));  // snapshot at revision 3, then revision 7
  auto then = load("cart-1", every(4), mnemos::AsOf{early->position, std::nullopt});
  ASSERT_TRUE(then);
  EXPECT_FALSE(then->snapshot);
  EXPECT_EQ(then->state, early->state);
  EXPECT_EQ(then->revision, Revision{2});

  auto six = store_->read_stream("cart-1", {.from = Revision{6}, .limit = 1});
  ASSERT_TRUE(six);
  auto via_snapshot = load("cart-1", every(4), mnemos::AsOf{six->events[0].position, std::nullopt});
  ASSERT_TRUE(via_snapshot);
  EXPECT_EQ(via_snapshot->snapshot, Revision{3});  // the revision-7 one is past the bound
  expect_same_as_plain_fold("cart-1", every(4), mnemos::AsOf{six->events[0].position, std::nullopt});
}

struct Counter {
  int value = 0;  // no JSON mapping: cannot be snapshotted
};
struct Increment {};
struct Incremented {
  friend bool operator==(const Incremented&, const Incremented&) = default;
};
inline void to_json(nlohmann::json& json, const Incremented&) { json = nlohmann::json::object(); }
inline void from_json(const nlohmann::json&, Incremented&) {}
MNEMOS_EVENT_TYPE(Incremented, "counter.incremented")

struct CounterDecider {
  using State = Counter;
  using Command = Increment;
  using Event = std::variant<Incremented>;
  using Error = int;
  State initial_state() const { return {}; }
  mnemos::cqrs::Decision<Event, Error> decide(const Command&, const State&) const {
    return std::vector<Event>{Incremented{}};
  }
  State evolve(const State& s, const Event&) const { return {s.value + 1}; }
};

TEST_F(CqrsSnapshots, AStateWithoutAJsonMappingCannotUseSnapshots) {
  static_assert(!mnemos::cqrs::SnapshotState<Counter>);
  LoadOptions options;
  options.snapshots = every(2);
  auto loaded = mnemos::cqrs::load(*store_, CounterDecider{}, "counter-1", options);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
