// I/O faults and simulated power loss, injected through Options::file_system: a failed write or
// sync fails the affected appends, the engine stops writing, reads go on, and after reopening
// on a healthy file system every acknowledged append is intact and none is half there.
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <iostream>
#include <mutex>
#include <thread>

#include "embedded_test_util.h"
#include "support/append_ledger.h"
#include "support/fault_file_system.h"
#include "support/temp_dir.h"
#include "support/test_random.h"
#include "support/wait.h"

namespace mnemos::embedded {
namespace {

using namespace std::chrono_literals;
using test::Ack;
using test::CrashMode;
using test::Fault;
using test::FaultInjectingFileSystem;
using test::FaultOp;

class EmbeddedFaults : public testing::Test {
 protected:
  std::shared_ptr<FaultInjectingFileSystem> new_fault_fs() {
    return std::make_shared<FaultInjectingFileSystem>(FileSystem::posix(),
                                                      random_.uniform(0, UINT64_MAX));
  }
  std::unique_ptr<Store> open_on(std::shared_ptr<FileSystem> fs,
                                 Durability durability = Durability::kSync) {
    Options o = test_options();
    o.file_system = std::move(fs);
    o.durability = durability;
    return open_or_fail(dir_.path(), o);
  }
  std::unique_ptr<Store> open_healthy() { return open_or_fail(dir_.path()); }
  // A store of its own in `dir`, on `fs`.
  static std::unique_ptr<Store> open_in(const test::TempDir& dir, std::shared_ptr<FileSystem> fs) {
    Options o = test_options();
    o.file_system = std::move(fs);
    return open_or_fail(dir.path(), o);
  }
  // Reopens `dir` on a healthy file system; every append of `acks` must be there, intact.
  static std::unique_ptr<Store> reopen_with(const test::TempDir& dir, const std::vector<Ack>& acks) {
    auto store = open_or_fail(dir.path(), test_options());
    if (store == nullptr) return nullptr;
    auto check = test::check_ledger(*store, acks);
    EXPECT_EQ(check.problem, "");
    for (const Ack& lost : check.missing) ADD_FAILURE() << "lost " << test::format_ack(lost);
    return store;
  }

  // Ledger appends to `stream` from this thread; fails the test on error.
  void ack(Store& store, const std::string& stream, uint64_t appends) {
    std::atomic<bool> stop{false};
    auto error = test::write_ledger(store, {stream}, random_.uniform(0, UINT64_MAX), appends, stop,
                                    [&](const Ack& a) { acks_.push_back(a); });
    EXPECT_FALSE(error) << error->to_string();
  }

  // After a reopen on a healthy file system: consistent, and every acknowledged append there.
  void expect_all_acknowledged_intact(Store& store) {
    auto check = test::check_ledger(store, acks_);
    std::cerr << "recovered " << check.appends << " appends (" << check.events << " events), "
              << acks_.size() << " acknowledged\n";
    EXPECT_EQ(check.problem, "");
    for (const Ack& lost : check.missing) ADD_FAILURE() << "lost " << test::format_ack(lost);
    EXPECT_GE(check.appends, acks_.size());
  }

  // The engine refuses writes after a failure: kStopped, or kIoError again.
  static void expect_writes_refused(Store& store) {
    for (const char* stream : {"s", "fresh"}) {
      auto r = store.append(stream, ExpectedRevision::any(), test::ledger_events("x", 0, 1));
      ASSERT_FALSE(r) << "the store went on writing after an I/O failure";
      EXPECT_TRUE(r.error().code == ErrorCode::kStopped || r.error().code == ErrorCode::kIoError)
          << r.error().to_string();
    }
  }

  void fill_until_failure(std::shared_ptr<FaultInjectingFileSystem> fs, std::unique_ptr<Store> store,
                          int max_mb);

  test::TestRandom random_{testing::UnitTest::GetInstance()->current_test_info()->name()};
  test::TempDir dir_{"faults"};
  std::vector<Ack> acks_;
};

// ---- A failing write or sync ----

struct FaultCase {
  const char* name;
  FaultOp op;
  int error;
  bool write_half_first;
  bool failed_append_may_survive;  // its bytes may have reached the disk (a failed sync)
};

class FailedWriteOrSync : public EmbeddedFaults, public testing::WithParamInterface<FaultCase> {};

TEST_P(FailedWriteOrSync, FailsTheAppendStopsWritesAndLosesNothingAcknowledged) {
  const FaultCase& c = GetParam();
  auto fs = new_fault_fs();
  auto store = open_on(fs);
  ASSERT_NE(store, nullptr);
  ack(*store, "s", 4);
  ack(*store, "t", 3);
  auto before = store->read_all({});
  ASSERT_TRUE(before);

  fs->inject(c.op, Fault{c.error, "/log/", 0, false, c.write_half_first});
  auto failed = store->append("s", ExpectedRevision::exact(Revision{acks_[3].last_revision}),
                              test::ledger_events("s", acks_[3].last_revision + 1, 3));
  ASSERT_FALSE(failed) << "an append succeeded through a failing " << c.name;
  EXPECT_EQ(failed.error().code, ErrorCode::kIoError) << failed.error().to_string();
  EXPECT_GT(fs->injected_failures(), 0u) << "the fault was never hit";
  fs->heal();
  expect_writes_refused(*store);

  // Reads still work, and show exactly what was acknowledged.
  auto after = store->read_all({});
  ASSERT_TRUE(after) << after.error().to_string();
  ASSERT_EQ(after->events.size(), before->events.size()) << "unacknowledged events are visible";
  auto s = store->read_stream("s", {});
  ASSERT_TRUE(s) << s.error().to_string();
  EXPECT_EQ(s->events.back().revision.value, acks_[3].last_revision);

  store.reset();
  store = open_healthy();
  ASSERT_NE(store, nullptr);
  expect_all_acknowledged_intact(*store);
  auto check = test::check_ledger(*store, {});
  if (!c.failed_append_may_survive) {
    EXPECT_EQ(check.appends, acks_.size()) << "the failed append is in the log";
  }
  // And writing goes on after the reopen.
  ack(*store, "s", 2);
  store.reset();
  store = open_healthy();
  ASSERT_NE(store, nullptr);
  expect_all_acknowledged_intact(*store);
}

INSTANTIATE_TEST_SUITE_P(
    Faults, FailedWriteOrSync,
    testing::Values(FaultCase{"WriteEnospc", FaultOp::kWrite, ENOSPC, false, false},
                    FaultCase{"WriteEio", FaultOp::kWrite, EIO, false, false},
                    FaultCase{"HalfWriteThenEio", FaultOp::kWrite, EIO, true, false},
                    FaultCase{"SyncEio", FaultOp::kSync, EIO, false, true},
                    FaultCase{"SyncEnospc", FaultOp::kSync, ENOSPC, false, true}),
    [](const testing::TestParamInfo<FaultCase>& p) { return std::string(p.param.name); });

// Appends 100 KiB chunks (up to `max_mb` MB) while `fs` fails what `op` does; the first
// append that needs it must fail with kIoError, then the store must refuse writes, and after a
// reopen on a healthy file system every acknowledged append must be there.
void EmbeddedFaults::fill_until_failure(std::shared_ptr<FaultInjectingFileSystem> fs,
                                        std::unique_ptr<Store> store, int max_mb) {
  std::optional<Error> failure;
  const std::string chunk(100 << 10, 'c');
  for (int i = 0; i < max_mb * 10 && !failure; ++i) {
    auto r = store->append("big", ExpectedRevision::any(),
                           {EventData{std::nullopt, "Chunk", chunk, "", ContentType::kBinary}});
    if (!r) failure = r.error();
  }
  ASSERT_TRUE(failure.has_value()) << max_mb << " MB appended through the fault";
  EXPECT_EQ(failure->code, ErrorCode::kIoError) << failure->to_string();
  EXPECT_GT(fs->injected_failures(), 0u);
  fs->heal();
  expect_writes_refused(*store);
  EXPECT_TRUE(store->read_stream("s", {}));
  store.reset();
  store = open_healthy();
  ASSERT_NE(store, nullptr);
  expect_all_acknowledged_intact(*store);
  ack(*store, "s", 1);
}

TEST_F(EmbeddedFaults, FailureToCreateTheNextSegmentFailsAppendsAndLosesNothing) {
  auto fs = new_fault_fs();
  auto store = open_on(fs);
  ASSERT_NE(store, nullptr);
  ack(*store, "s", 1);
  // Every new segment file fails from now on; fill the current one.
  fs->inject(FaultOp::kOpenWritable, Fault{ENOSPC, ".seg"});
  fill_until_failure(fs, std::move(store), 10);
}

// Segment space is reserved ahead by a thread of its own; when that fails, the writer tries
// again itself when it needs the space, and the append that needed it fails.
TEST_F(EmbeddedFaults, FailureToReserveSegmentSpaceFailsTheAppendThatNeedsItAndLosesNothing) {
  auto fs = new_fault_fs();
  Options o = test_options();
  o.file_system = fs;
  o.segment_size = 64ull << 20;  // reserved 4 MiB at a time
  auto store = open_or_fail(dir_.path(), o);
  ASSERT_NE(store, nullptr);
  ack(*store, "s", 2);
  fs->inject(FaultOp::kAllocate, Fault{ENOSPC, "/log/"});
  fill_until_failure(fs, std::move(store), 20);  // past what was reserved
}

// One failed sync of the log file, whichever thread made it: the writer's, or the one of the
// thread that reserves segment space ahead (its syncs flush the log's bytes too, and the
// kernel reports a failed writeback to one sync only). Either way the appends it may have
// covered must fail and the store must stop: a later sync succeeding proves nothing.
TEST_F(EmbeddedFaults, OneFailedSyncOfTheReservationOrTheWriterStopsWrites) {
  for (int round = 0; round < 6; ++round) {
    SCOPED_TRACE(testing::Message() << "round " << round);
    test::TempDir dir{"faults-one-sync"};
    auto fs = new_fault_fs();
    Options o = test_options();
    o.file_system = fs;
    o.segment_size = 64ull << 20;  // reserved 4 MiB at a time, synced 256 KiB at a time
    auto store = open_or_fail(dir.path(), o);
    ASSERT_NE(store, nullptr);
    fs->inject(FaultOp::kSync, Fault{EIO, "/log/", random_.uniform(0, 24), /*once=*/true});
    std::optional<Error> failure;
    const std::string chunk(64 << 10, 'c');
    for (int i = 0; i < 400 && !failure; ++i) {
      auto r = store->append("big", ExpectedRevision::any(),
                             {EventData{std::nullopt, "Chunk", chunk, "", ContentType::kBinary}});
      if (!r) failure = r.error();
    }
    ASSERT_GT(fs->injected_failures(), 0u) << "the fault was never hit";
    ASSERT_TRUE(failure.has_value()) << "a sync failed and the store went on acknowledging";
    EXPECT_EQ(failure->code, ErrorCode::kIoError) << failure->to_string();
    expect_writes_refused(*store);
    store.reset();
    ASSERT_NE(reopen_with(dir, {}), nullptr);
    if (HasFailure()) return;
  }
}

// Writers on their own streams until the first failure; returns every acknowledgement.
struct Writers {
  std::mutex mu;
  std::vector<Ack> acks;
  std::vector<std::chrono::steady_clock::time_point> ack_times;  // one per ack
  std::atomic<uint64_t> count{0};
  std::vector<std::optional<Error>> failures;
  std::vector<std::thread> threads;
  std::atomic<bool> stop{false};

  void start(Store& store, int n, uint64_t max_appends, test::TestRandom& random) {
    failures.resize(static_cast<size_t>(n));
    for (int t = 0; t < n; ++t) {
      std::vector<std::string> streams = {"w" + std::to_string(t) + "-a",
                                          "w" + std::to_string(t) + "-b"};
      threads.emplace_back([this, &store, t, streams, max_appends,
                            seed = random.uniform(0, UINT64_MAX)] {
        failures[static_cast<size_t>(t)] =
            test::write_ledger(store, streams, seed, max_appends, stop, [&](const Ack& a) {
              std::lock_guard lock(mu);
              acks.push_back(a);
              ack_times.push_back(std::chrono::steady_clock::now());
              ++count;
            });
      });
    }
  }
  void join() {
    for (auto& t : threads) t.join();
    threads.clear();
  }
};

// Four writers on `store`; once `acks` appends are acknowledged, every sync of the log fails.
// Every writer must then stop on an I/O error (kIoError, or kStopped after the first).
void write_until_syncs_fail(Store& store, FaultInjectingFileSystem& fs, Writers& writers,
                            uint64_t acks, test::TestRandom& random) {
  writers.start(store, 4, 2000, random);
  ASSERT_TRUE(test::wait_until([&] { return writers.count >= acks; }, 60s));
  fs.inject(FaultOp::kSync, Fault{EIO, "/log/"});
  writers.join();
  EXPECT_GT(fs.injected_failures(), 0u);
  for (const auto& f : writers.failures) {
    ASSERT_TRUE(f.has_value()) << "a writer never saw the failure";
    EXPECT_TRUE(f->code == ErrorCode::kIoError || f->code == ErrorCode::kStopped)
        << f->to_string();
  }
}

TEST_F(EmbeddedFaults, ConcurrentAppendsDuringSyncFailureLoseNoAcknowledgedAppend) {
  auto fs = new_fault_fs();
  auto store = open_on(fs);
  ASSERT_NE(store, nullptr);
  Writers writers;
  write_until_syncs_fail(*store, *fs, writers, random_.uniform(20, 200), random_);
  if (HasFatalFailure()) return;
  store.reset();
  acks_ = writers.acks;
  store = open_healthy();
  ASSERT_NE(store, nullptr);
  expect_all_acknowledged_intact(*store);
}

// ---- The index written while the sync is in flight ----

// Passes everything to `base`, but every sync of a log file takes at least 2 ms first. A sync
// that slow makes the engine write each batch's index on its helper thread while the batch's
// sync is in flight (it does so once a sync has taken 40 us or more), so that the tests below
// run that path whatever the speed of the machine's disk.
class SlowSyncFileSystem final : public FileSystem {
 public:
  explicit SlowSyncFileSystem(std::shared_ptr<FileSystem> base) : base_(std::move(base)) {}
  Result<std::unique_ptr<WritableFile>> open_writable(const std::string& path,
                                                      OpenMode mode) override {
    auto file = base_->open_writable(path, mode);
    if (!file || path.find("/log/") == std::string::npos) return file;
    return std::unique_ptr<WritableFile>(new SlowSyncFile(std::move(*file)));
  }
  Result<std::unique_ptr<ReadableFile>> open_readable(const std::string& path) override {
    return base_->open_readable(path);
  }
  Status create_dirs(const std::string& path) override { return base_->create_dirs(path); }
  Result<std::vector<std::string>> list_dir(const std::string& path) override {
    return base_->list_dir(path);
  }
  Status remove_file(const std::string& path) override { return base_->remove_file(path); }
  Status rename(const std::string& from, const std::string& to) override {
    return base_->rename(from, to);
  }
  Status sync_dir(const std::string& path) override { return base_->sync_dir(path); }
  bool exists(const std::string& path) override { return base_->exists(path); }
  Result<std::unique_ptr<FileLock>> lock(const std::string& path) override {
    return base_->lock(path);
  }

 private:
  class SlowSyncFile final : public WritableFile {
   public:
    explicit SlowSyncFile(std::unique_ptr<WritableFile> base) : base_(std::move(base)) {}
    Status write_at(uint64_t offset, std::span<const char> data) override {
      return base_->write_at(offset, data);
    }
    Status sync() override {
      std::this_thread::sleep_for(2ms);
      return base_->sync();
    }
    Status allocate(uint64_t offset, uint64_t length) override {
      return base_->allocate(offset, length);
    }
    Status truncate(uint64_t length) override { return base_->truncate(length); }

   private:
    std::unique_ptr<WritableFile> base_;
  };
  std::shared_ptr<FileSystem> base_;
};

// A sync fails while the batch's index is being written beside it: the batch fails (though its
// index write succeeded), so do the batches of the writers queued behind it, the store stops
// writing, unacknowledged events stay invisible, and every acknowledged append survives.
TEST_F(EmbeddedFaults, ConcurrentSyncFailureWhileIndexingFailsTheBatchAndEverythingAfter) {
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE(testing::Message() << "round " << round);
    test::TempDir dir{"faults-overlap"};
    auto fs = new_fault_fs();
    auto store = open_in(dir, std::make_shared<SlowSyncFileSystem>(fs));
    ASSERT_NE(store, nullptr);
    Writers writers;
    write_until_syncs_fail(*store, *fs, writers, random_.uniform(5, 60), random_);
    if (HasFatalFailure()) return;
    fs->heal();
    expect_writes_refused(*store);
    // Nothing past the last acknowledged append is visible, though the index has it.
    auto all = store->read_all({});
    ASSERT_TRUE(all) << all.error().to_string();
    uint64_t acked_events = 0;
    for (const Ack& a : writers.acks) acked_events += a.last_revision - a.first_revision + 1;
    EXPECT_EQ(all->events.size(), acked_events) << "unacknowledged events are visible";
    for (const Ack& a : writers.acks) {
      auto s = store->read_stream(a.stream, {});
      ASSERT_TRUE(s) << s.error().to_string();
      EXPECT_GE(s->events.back().revision.value, a.last_revision);
    }
    store.reset();
    ASSERT_NE(reopen_with(dir, writers.acks), nullptr);
    if (HasFailure()) return;
  }
}

// A power loss while syncs and index writes overlap: the index may hold entries of the batch
// whose sync never completed; recovery must still come back to every acknowledged append.
TEST_F(EmbeddedFaults, ConcurrentCrashWhileIndexingRecoversEveryAcknowledgedAppend) {
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE(testing::Message() << "round " << round);
    test::TempDir dir{"faults-overlap-crash"};
    auto fs = new_fault_fs();
    fs->arm_crash_before_sync(round % 2 == 0 ? CrashMode::kZeroUnsynced
                                             : CrashMode::kGarbleUnsynced,
                              random_.uniform(3, 40));
    auto store = open_in(dir, std::make_shared<SlowSyncFileSystem>(fs));
    ASSERT_NE(store, nullptr);
    Writers writers;
    writers.start(*store, 4, 5000, random_);
    writers.join();
    ASSERT_TRUE(fs->crashed()) << "the crash never came";
    store.reset();
    auto reopened = reopen_with(dir, writers.acks);
    ASSERT_NE(reopened, nullptr);
    // Writing goes on after the reopen.
    auto more = reopened->append("after-crash", ExpectedRevision::no_stream(),
                                 test::ledger_events("after-crash", 0, 1));
    EXPECT_TRUE(more) << more.error().to_string();
    if (HasFailure()) return;
  }
}

// ---- Simulated power loss: unsynced writes dropped ----

class DroppedUnsyncedWrites : public EmbeddedFaults, public testing::WithParamInterface<CrashMode> {
};

TEST_P(DroppedUnsyncedWrites, ConcurrentWritersRecoverToTheLastAcknowledgedAppend) {
  uint64_t damaged = 0;
  for (int round = 0; round < 5; ++round) {
    SCOPED_TRACE(testing::Message() << "round " << round);
    auto fs = new_fault_fs();
    fs->arm_crash_before_sync(GetParam(), random_.uniform(3, 40));
    auto store = open_on(fs);
    ASSERT_NE(store, nullptr);
    Writers writers;
    writers.start(*store, 3, 5000, random_);
    writers.join();
    ASSERT_TRUE(fs->crashed()) << "the crash never came";
    for (const auto& f : writers.failures) ASSERT_TRUE(f.has_value());
    damaged += fs->damaged_bytes();
    store.reset();
    acks_.insert(acks_.end(), writers.acks.begin(), writers.acks.end());
    store = open_healthy();
    ASSERT_NE(store, nullptr);
    expect_all_acknowledged_intact(*store);
    if (HasFailure()) return;
  }
  std::cerr << damaged << " unsynced bytes damaged by the crashes\n";
  if (GetParam() != CrashMode::kKeepUnsynced) {
    EXPECT_GT(damaged, 0u) << "no crash hit unsynced bytes: the test proved nothing";
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, DroppedUnsyncedWrites,
                         testing::Values(CrashMode::kZeroUnsynced, CrashMode::kGarbleUnsynced,
                                         CrashMode::kKeepUnsynced),
                         [](const testing::TestParamInfo<CrashMode>& p) {
                           switch (p.param) {
                             case CrashMode::kZeroUnsynced: return "Zeroed";
                             case CrashMode::kGarbleUnsynced: return "Garbled";
                             case CrashMode::kKeepUnsynced: return "Kept";
                           }
                           return "?";
                         });

TEST_F(EmbeddedFaults, ConcurrentCrashInRelaxedModeLosesOnlyTheLastAppends) {
  // Relaxed durability syncs at most every relaxed_sync_interval: a power loss may lose the
  // appends of about the last interval, only whole ones, and only the last ones.
  const auto interval = test_options().relaxed_sync_interval;
  const auto old_enough = interval + 250ms;  // scheduling slack on a loaded machine
  uint64_t lost_total = 0;
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE(testing::Message() << "round " << round);
    auto fs = new_fault_fs();
    auto store = open_on(fs, Durability::kRelaxed);
    ASSERT_NE(store, nullptr);
    Writers writers;
    const auto start = std::chrono::steady_clock::now();
    writers.start(*store, 3, 1'000'000, random_);
    const auto run_for = std::chrono::milliseconds(random_.uniform(150, 300));
    test::wait_until([&] { return std::chrono::steady_clock::now() - start >= run_for; }, 10s);
    const auto crash_time = std::chrono::steady_clock::now();
    fs->simulate_crash(round % 2 == 0 ? CrashMode::kZeroUnsynced : CrashMode::kGarbleUnsynced);
    writers.join();
    store.reset();
    store = open_healthy();
    ASSERT_NE(store, nullptr);
    auto check = test::check_ledger(*store, writers.acks);
    ASSERT_EQ(check.problem, "");
    uint64_t first_lost = UINT64_MAX;
    for (const Ack& lost : check.missing) first_lost = std::min(first_lost, lost.position);
    for (size_t i = 0; i < writers.acks.size(); ++i) {
      const Ack& a = writers.acks[i];
      const bool missing = std::any_of(check.missing.begin(), check.missing.end(),
                                       [&](const Ack& m) { return m.position == a.position; });
      if (missing) {
        EXPECT_LT(crash_time - writers.ack_times[i], old_enough)
            << "lost " << test::format_ack(a) << ", acknowledged long before the crash";
      } else {
        EXPECT_LT(a.position, first_lost) << "an append survived after a lost one";
      }
    }
    std::cerr << check.missing.size() << " of " << writers.acks.size()
              << " acknowledged appends lost (relaxed durability)\n";
    lost_total += check.missing.size();
    // What survived stays acknowledged for the next rounds.
    for (const Ack& a : writers.acks) {
      if (a.position < first_lost) acks_.push_back(a);
    }
    expect_all_acknowledged_intact(*store);
    if (HasFailure()) return;
  }
  EXPECT_GT(lost_total, 0u) << "no crash lost anything: relaxed mode synced every append?";
}

}  // namespace
}  // namespace mnemos::embedded
