// Deciders, command handling and temporal loading over the embedded store.
#include "mnemos/cqrs/command_handler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "mnemos/embedded.h"
#include "cart.h"
#include "support/temp_dir.h"

namespace {

using mnemos::ErrorCode;
using mnemos::ExpectedRevision;
using mnemos::Position;
using mnemos::Revision;
using mnemos::Store;
using mnemos::cqrs::UnknownEvents;
using Events = std::vector<cart::Event>;

// given(events).when(command).then(events) / then(error), on the pure decider.
class Given {
 public:
  explicit Given(Events history) : history_(std::move(history)) {}
  Given& when(cart::Command command) {
    const cart::Decider decider;
    result_ = decider.decide(command, mnemos::cqrs::fold(decider, history_));
    return *this;
  }
  void then(const Events& expected) const {
    ASSERT_TRUE(result_.has_value()) << "rejected with " << static_cast<int>(result_.error());
    EXPECT_EQ(*result_, expected);
  }
  void then(cart::Error expected) const {
    ASSERT_FALSE(result_.has_value()) << "accepted with " << result_->size() << " events";
    EXPECT_EQ(result_.error(), expected);
  }

 private:
  Events history_;
  mnemos::cqrs::Decision<cart::Event, cart::Error> result_ = Events{};
};

Given given(Events history) { return Given(std::move(history)); }

TEST(CqrsDecider, GivenWhenThen) {
  given({}).when(cart::AddItem{"apple", 2}).then(Events{cart::ItemAdded{"apple", 2}});
  given({}).when(cart::AddItem{"apple", -1}).then(cart::Error::kNegativeQuantity);
  given({}).when(cart::CheckOut{}).then(cart::Error::kEmptyCart);
  given({cart::ItemAdded{"apple", 2}})
      .when(cart::ChangeQuantity{"apple", -3})
      .then(cart::Error::kNegativeQuantity);
  given({cart::ItemAdded{"apple", 2}})
      .when(cart::ChangeQuantity{"apple", 5})
      .then(Events{cart::QuantityChanged{"apple", 5}});
  given({cart::ItemAdded{"apple", 2}}).when(cart::ChangeQuantity{"apple", 2}).then(Events{});
  given({cart::ItemAdded{"apple", 2}, cart::ItemRemoved{"apple"}})
      .when(cart::RemoveItem{"apple"})
      .then(cart::Error::kNotInCart);
  given({cart::ItemAdded{"apple", 2}, cart::ItemAdded{"pear", 1}})
      .when(cart::CheckOut{})
      .then(Events{cart::CheckedOut{3}});
  given({cart::ItemAdded{"apple", 2}, cart::CheckedOut{2}})
      .when(cart::AddItem{"pear", 1})
      .then(cart::Error::kCheckedOut);
}

TEST(CqrsDecider, FoldAppliesEventsInOrder) {
  const cart::Decider decider;
  const Events events{cart::ItemAdded{"apple", 2}, cart::QuantityChanged{"apple", 7},
                      cart::ItemAdded{"pear", 1}, cart::ItemRemoved{"pear"}};
  const cart::State state = mnemos::cqrs::fold(
      [&](const cart::State& s, const cart::Event& e) { return decider.evolve(s, e); },
      decider.initial_state(), events);
  EXPECT_EQ(state.items, (std::map<std::string, int>{{"apple", 7}}));
  EXPECT_FALSE(state.checked_out);
  EXPECT_EQ(mnemos::cqrs::fold(decider, events), state);
}

class CqrsStore : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = mnemos::open_embedded(dir_.path());
    ASSERT_TRUE(store) << store.error().to_string();
    store_ = std::move(*store);
  }

  // Appends events as they are, bypassing the handler.
  mnemos::AppendResult append(const std::string& stream, const Events& events) {
    std::vector<mnemos::EventData> batch;
    for (const auto& e : events) batch.push_back(*mnemos::cqrs::encode(e));
    auto r = store_->append(stream, ExpectedRevision::any(), std::move(batch));
    EXPECT_TRUE(r) << r.error().to_string();
    return r.value_or(mnemos::AppendResult{});
  }

  mnemos::test::TempDir dir_{"cqrs"};
  std::unique_ptr<Store> store_;
  cart::Decider decider_;
};

TEST_F(CqrsStore, HandleOnANewStreamCreatesIt) {
  auto r = mnemos::cqrs::handle(*store_, decider_, "cart-1", cart::AddItem{"apple", 2});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->events, (Events{cart::ItemAdded{"apple", 2}}));
  ASSERT_TRUE(r->appended);
  EXPECT_EQ(r->appended->first_revision, Revision{0});
  EXPECT_EQ(r->revision, Revision{0});
  EXPECT_EQ(r->position, r->appended->position);
  EXPECT_EQ(r->attempts, 1);

  auto read = store_->read_stream("cart-1", {});
  ASSERT_TRUE(read);
  ASSERT_EQ(read->events.size(), 1u);
  EXPECT_EQ(read->events[0].type, "cart.item-added");
  EXPECT_EQ(nlohmann::json::parse(read->events[0].data),
            (nlohmann::json{{"sku", "apple"}, {"quantity", 2}}));
}

TEST_F(CqrsStore, GivenStoredEventsWhenCommandThenEventsAppended) {
  append("cart-1", {cart::ItemAdded{"apple", 2}, cart::ItemAdded{"pear", 1}});
  auto r = mnemos::cqrs::handle(*store_, decider_, "cart-1", cart::CheckOut{});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->events, (Events{cart::CheckedOut{3}}));
  EXPECT_EQ(r->revision, Revision{2});

  auto loaded = mnemos::cqrs::load(*store_, decider_, "cart-1");
  ASSERT_TRUE(loaded) << loaded.error().to_string();
  EXPECT_TRUE(loaded->state.checked_out);
  EXPECT_EQ(loaded->revision, Revision{2});
  EXPECT_EQ(loaded->position, r->position);
  EXPECT_EQ(loaded->events, 3u);
}

TEST_F(CqrsStore, DomainErrorIsRejectedAndAppendsNothing) {
  append("cart-1", {cart::ItemAdded{"apple", 2}, cart::CheckedOut{2}});
  auto r = mnemos::cqrs::handle(*store_, decider_, "cart-1", cart::AddItem{"pear", 1});
  ASSERT_FALSE(r);
  const cart::Error* rejected = mnemos::cqrs::rejection(r.error());
  ASSERT_NE(rejected, nullptr);
  EXPECT_EQ(*rejected, cart::Error::kCheckedOut);
  EXPECT_FALSE(mnemos::cqrs::is_conflict(r.error()));

  auto r2 = mnemos::cqrs::handle(*store_, decider_, "cart-2", cart::AddItem{"pear", -1});
  ASSERT_FALSE(r2);
  ASSERT_NE(mnemos::cqrs::rejection(r2.error()), nullptr);
  EXPECT_EQ(*mnemos::cqrs::rejection(r2.error()), cart::Error::kNegativeQuantity);

  auto read = store_->read_stream("cart-1", {});
  ASSERT_TRUE(read);
  EXPECT_EQ(read->events.size(), 2u);
  EXPECT_EQ(store_->read_stream("cart-2", {}).error().code, ErrorCode::kNotFound);
}

TEST_F(CqrsStore, NoEventsMeansNoAppendAndTheCurrentHead) {
  const auto written = append("cart-1", {cart::ItemAdded{"apple", 2}});
  const Position head = store_->head();
  auto r = mnemos::cqrs::handle(*store_, decider_, "cart-1", cart::ChangeQuantity{"apple", 2});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->events.empty());
  EXPECT_FALSE(r->appended);
  EXPECT_EQ(r->revision, Revision{0});
  EXPECT_EQ(r->position, written.position);
  EXPECT_EQ(store_->head(), head);
}

// A decider whose decision is raced: before each of its first `interfere` decisions, another
// writer appends to the same stream, so the handler's append meets a conflict.
struct RacedDecider : cart::Decider {
  Store* store = nullptr;
  std::string stream;
  mutable std::atomic<int> decisions{0};
  int interfere = 0;

  mnemos::cqrs::Decision<Event, Error> decide(const Command& command, const State& state) const {
    if (decisions.fetch_add(1) < interfere) {
      auto other = mnemos::cqrs::encode(cart::Event{cart::ItemAdded{"other", 1}});
      EXPECT_TRUE(store->append(stream, ExpectedRevision::any(), {*other}));
    }
    return cart::Decider::decide(command, state);
  }
};

TEST_F(CqrsStore, ConflictIsRetriedAndDecidedAgainOnTheNewState) {
  RacedDecider decider;
  decider.store = store_.get();
  decider.stream = "cart-1";
  decider.interfere = 2;
  append("cart-1", {cart::ItemAdded{"apple", 1}});
  auto r = mnemos::cqrs::handle(*store_, decider, "cart-1", cart::CheckOut{});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->attempts, 3);
  EXPECT_EQ(decider.decisions.load(), 3);
  // The last decision saw the state with both interfering items (the first saw 1 item).
  EXPECT_EQ(r->events, (Events{cart::CheckedOut{3}}));
  EXPECT_EQ(r->revision, Revision{3});
}

TEST_F(CqrsStore, ConflictAfterRetriesAreExhausted) {
  RacedDecider decider;
  decider.store = store_.get();
  decider.stream = "cart-1";
  decider.interfere = 1000;
  mnemos::cqrs::HandleOptions options;
  options.max_retries = 2;
  auto r = mnemos::cqrs::handle(*store_, decider, "cart-1", cart::AddItem{"apple", 1}, options);
  ASSERT_FALSE(r);
  ASSERT_TRUE(mnemos::cqrs::is_conflict(r.error()));
  const auto& conflict = std::get<mnemos::cqrs::Conflict>(r.error());
  EXPECT_EQ(conflict.attempts, 3);
  EXPECT_EQ(conflict.error.code, ErrorCode::kWrongExpectedRevision);
  EXPECT_EQ(decider.decisions.load(), 3);
  // Only the interfering writes are there.
  auto loaded = mnemos::cqrs::load(*store_, decider, "cart-1");
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->state.items, (std::map<std::string, int>{{"other", 3}}));

  options.max_retries = 0;
  decider.decisions = 0;
  auto once = mnemos::cqrs::handle(*store_, decider, "cart-1", cart::AddItem{"apple", 1}, options);
  ASSERT_FALSE(once);
  EXPECT_EQ(std::get<mnemos::cqrs::Conflict>(once.error()).attempts, 1);
  EXPECT_EQ(decider.decisions.load(), 1);
}

TEST_F(CqrsStore, TwoThreadsRacingOnOneStream) {
  constexpr int kPerThread = 50;
  std::atomic<int> succeeded{0};
  std::atomic<int> conflicts{0};
  std::atomic<int> others{0};
  auto worker = [&](const std::string& sku) {
    for (int i = 0; i < kPerThread; ++i) {
      auto r = mnemos::cqrs::handle(*store_, decider_, "cart-hot", cart::AddItem{sku, 1});
      if (r) {
        ++succeeded;
      } else if (mnemos::cqrs::is_conflict(r.error())) {
        ++conflicts;
      } else {
        ++others;
      }
    }
  };
  std::thread a(worker, "apple");
  std::thread b(worker, "pear");
  a.join();
  b.join();
  EXPECT_EQ(others.load(), 0);
  EXPECT_EQ(succeeded.load() + conflicts.load(), 2 * kPerThread);
  EXPECT_GT(succeeded.load(), 0);

  // Every success is in the stream exactly once, and nothing else is.
  auto loaded = mnemos::cqrs::load(*store_, decider_, "cart-hot");
  ASSERT_TRUE(loaded);
  ASSERT_TRUE(loaded->revision);
  EXPECT_EQ(loaded->revision->value + 1, static_cast<uint64_t>(succeeded.load()));
  EXPECT_EQ(loaded->state.items["apple"] + loaded->state.items["pear"], succeeded.load());
}

TEST_F(CqrsStore, UnknownEventTypeFailsOrIsSkipped) {
  append("cart-1", {cart::ItemAdded{"apple", 2}});
  ASSERT_TRUE(store_->append("cart-1", ExpectedRevision::any(),
                             {mnemos::EventData{std::nullopt, "cart.renamed", R"({"name":"x"})"}}));
  append("cart-1", {cart::ItemAdded{"pear", 1}});

  auto strict = mnemos::cqrs::load(*store_, decider_, "cart-1");
  ASSERT_FALSE(strict);
  EXPECT_EQ(strict.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(strict.error().message.find("cart.renamed"), std::string::npos);

  mnemos::cqrs::LoadOptions skip;
  skip.unknown = UnknownEvents::kSkip;
  auto lenient = mnemos::cqrs::load(*store_, decider_, "cart-1", skip);
  ASSERT_TRUE(lenient) << lenient.error().to_string();
  EXPECT_EQ(lenient->state.items, (std::map<std::string, int>{{"apple", 2}, {"pear", 1}}));
  EXPECT_EQ(lenient->revision, Revision{2});  // the skipped event is covered too
  EXPECT_EQ(lenient->events, 2u);

  // handle: a Failure by default; with kSkip it appends after the unknown event.
  auto failed = mnemos::cqrs::handle(*store_, decider_, "cart-1", cart::CheckOut{});
  ASSERT_FALSE(failed);
  ASSERT_NE(mnemos::cqrs::failure(failed.error()), nullptr);
  EXPECT_EQ(mnemos::cqrs::failure(failed.error())->error.code, ErrorCode::kInvalidArgument);

  mnemos::cqrs::HandleOptions options;
  options.unknown = UnknownEvents::kSkip;
  auto handled = mnemos::cqrs::handle(*store_, decider_, "cart-1", cart::CheckOut{}, options);
  ASSERT_TRUE(handled);
  EXPECT_EQ(handled->events, (Events{cart::CheckedOut{3}}));
  EXPECT_EQ(handled->revision, Revision{3});
  EXPECT_EQ(handled->attempts, 1);
}

TEST_F(CqrsStore, TombstonedStreamIsAFailure) {
  append("cart-1", {cart::ItemAdded{"apple", 2}});
  ASSERT_TRUE(store_->tombstone_stream("cart-1", ExpectedRevision::any()));
  auto r = mnemos::cqrs::handle(*store_, decider_, "cart-1", cart::AddItem{"pear", 1});
  ASSERT_FALSE(r);
  ASSERT_NE(mnemos::cqrs::failure(r.error()), nullptr);
  EXPECT_EQ(mnemos::cqrs::failure(r.error())->error.code, ErrorCode::kStreamDeleted);
}

TEST_F(CqrsStore, LoadAsOfATimeBetweenTwoAppendsGivesTheEarlierState) {
  auto first = mnemos::cqrs::handle(*store_, decider_, "cart-1", cart::AddItem{"apple", 2});
  ASSERT_TRUE(first);
  const mnemos::Timestamp between = first->appended->timestamp;
  // Commit times have microsecond resolution: make sure the next append is strictly later.
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  auto second = mnemos::cqrs::handle(*store_, decider_, "cart-1", cart::AddItem{"pear", 1});
  ASSERT_TRUE(second);
  ASSERT_GT(second->appended->timestamp, between);
  ASSERT_TRUE(mnemos::cqrs::handle(*store_, decider_, "cart-1", cart::CheckOut{}));

  auto then = mnemos::cqrs::load(*store_, decider_, "cart-1", mnemos::AsOf{std::nullopt, between});
  ASSERT_TRUE(then) << then.error().to_string();
  EXPECT_EQ(then->state.items, (std::map<std::string, int>{{"apple", 2}}));
  EXPECT_FALSE(then->state.checked_out);
  EXPECT_EQ(then->revision, Revision{0});

  auto now = mnemos::cqrs::load(*store_, decider_, "cart-1");
  ASSERT_TRUE(now);
  EXPECT_TRUE(now->state.checked_out);
  EXPECT_EQ(now->revision, Revision{2});

  // Before the stream existed: the initial state and no revision.
  auto before = mnemos::cqrs::load(*store_, decider_, "cart-1",
                                   mnemos::AsOf{std::nullopt, mnemos::Timestamp{between.micros - 1}});
  ASSERT_TRUE(before) << before.error().to_string();
  EXPECT_EQ(before->state, cart::State{});
  EXPECT_FALSE(before->revision);
}

TEST_F(CqrsStore, LoadAsOfAPosition) {
  auto first = mnemos::cqrs::handle(*store_, decider_, "cart-1", cart::AddItem{"apple", 2});
  ASSERT_TRUE(first);
  append("cart-other", {cart::ItemAdded{"x", 1}});
  auto second = mnemos::cqrs::handle(*store_, decider_, "cart-1", cart::ChangeQuantity{"apple", 9});
  ASSERT_TRUE(second);

  auto at_first = mnemos::cqrs::load(*store_, decider_, "cart-1", mnemos::AsOf{first->position, std::nullopt});
  ASSERT_TRUE(at_first);
  EXPECT_EQ(at_first->state.items, (std::map<std::string, int>{{"apple", 2}}));
  EXPECT_EQ(at_first->revision, Revision{0});
  EXPECT_EQ(at_first->position, first->position);

  auto at_second = mnemos::cqrs::load(*store_, decider_, "cart-1", mnemos::AsOf{second->position, std::nullopt});
  ASSERT_TRUE(at_second);
  EXPECT_EQ(at_second->state.items, (std::map<std::string, int>{{"apple", 9}}));
}

TEST_F(CqrsStore, LoadPagesThroughLongStreams) {
  Events many;
  for (int i = 0; i < 25; ++i) many.push_back(cart::ItemAdded{"apple", 1});
  append("cart-1", many);
  mnemos::cqrs::LoadOptions options;
  options.page_size = 4;
  auto loaded = mnemos::cqrs::load(*store_, decider_, "cart-1", options);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->state.items["apple"], 25);
  EXPECT_EQ(loaded->revision, Revision{24});
  EXPECT_EQ(loaded->events, 25u);
}

}  // namespace
