// The test helpers are tested too: a fault injector that injects nothing, or a checker that
// finds nothing wrong with a broken store, would make every test built on them pass for nothing.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>

#include "mnemos/embedded.h"
#include "support/append_ledger.h"
#include "support/fault_file_system.h"
#include "support/files.h"
#include "support/temp_dir.h"

namespace mnemos::test {
namespace {

std::unique_ptr<WritableFile> create(FileSystem& fs, const std::string& path) {
  auto file = fs.open_writable(path, OpenMode::kCreateNew);
  EXPECT_TRUE(file) << file.error().to_string();
  return file ? std::move(*file) : nullptr;
}

TEST(FaultInjectingFileSystem, CrashZeroesOnlyWhatWasNotSynced) {
  TempDir dir("support");
  FaultInjectingFileSystem fs;
  auto file = create(fs, dir.file("f"));
  ASSERT_NE(file, nullptr);
  ASSERT_TRUE(file->write_at(0, std::string("synced")));
  ASSERT_TRUE(file->sync());
  ASSERT_TRUE(file->write_at(6, std::string("lost")));
  EXPECT_EQ(fs.unsynced_bytes(), 4u);
  EXPECT_EQ(fs.simulate_crash(CrashMode::kZeroUnsynced), 4u);
  EXPECT_EQ(read_file(dir.file("f")), std::string("synced\0\0\0\0", 10));
  EXPECT_FALSE(file->write_at(10, std::string("x"))) << "writes after the crash must fail";
  EXPECT_FALSE(file->sync());
}

TEST(FaultInjectingFileSystem, GarbledCrashChangesTheUnsyncedBytes) {
  TempDir dir("support");
  FaultInjectingFileSystem fs(FileSystem::posix(), 7);
  auto file = create(fs, dir.file("f"));
  ASSERT_NE(file, nullptr);
  const std::string bytes(4096, 'k');
  ASSERT_TRUE(file->write_at(0, bytes));
  EXPECT_EQ(fs.simulate_crash(CrashMode::kGarbleUnsynced), bytes.size());
  EXPECT_NE(read_file(dir.file("f")), bytes);
}

TEST(FaultInjectingFileSystem, ArmedCrashHappensBeforeTheSync) {
  TempDir dir("support");
  FaultInjectingFileSystem fs;
  auto file = create(fs, dir.file("f"));
  ASSERT_NE(file, nullptr);
  fs.arm_crash_before_sync(CrashMode::kZeroUnsynced, 1);
  ASSERT_TRUE(file->write_at(0, std::string("one")));
  ASSERT_TRUE(file->sync());
  ASSERT_TRUE(file->write_at(3, std::string("two")));
  EXPECT_FALSE(fs.crashed());
  EXPECT_FALSE(file->sync()) << "the sync the crash came before cannot succeed";
  EXPECT_TRUE(fs.crashed());
  EXPECT_EQ(fs.damaged_bytes(), 3u);
  EXPECT_EQ(read_file(dir.file("f")), std::string("one\0\0\0", 6));
}

TEST(FaultInjectingFileSystem, InjectedFaultsSkipMatchAndHeal) {
  TempDir dir("support");
  FaultInjectingFileSystem fs;
  auto log = create(fs, dir.file("a.seg"));
  auto other = create(fs, dir.file("b.txt"));
  ASSERT_NE(log, nullptr);
  ASSERT_NE(other, nullptr);
  fs.inject(FaultOp::kWrite, Fault{ENOSPC, ".seg", 1, /*once=*/true, /*write_half_first=*/true});
  EXPECT_TRUE(log->write_at(0, std::string("ok")));       // skipped
  EXPECT_TRUE(other->write_at(0, std::string("other")));  // does not match
  auto failed = log->write_at(2, std::string("abcd"));
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::kIoError);
  EXPECT_NE(failed.error().message.find(std::strerror(ENOSPC)), std::string::npos);
  EXPECT_EQ(read_file(dir.file("a.seg")), "okab") << "half the bytes written first";
  EXPECT_TRUE(log->write_at(6, std::string("!"))) << "a once-fault heals by itself";
  fs.inject(FaultOp::kSync, Fault{EIO});
  EXPECT_FALSE(log->sync());
  fs.heal();
  EXPECT_TRUE(log->sync());
  EXPECT_EQ(fs.injected_failures(), 2u);
  EXPECT_EQ(fs.attempts(FaultOp::kSync), 2u);
}

class AppendLedger : public testing::Test {
 protected:
  void SetUp() override {
    auto store = open_embedded(dir_.path());
    ASSERT_TRUE(store) << store.error().to_string();
    store_ = std::move(*store);
  }
  Ack append(const std::string& stream, uint64_t first, std::vector<EventData> events) {
    auto r = store_->append(stream, ExpectedRevision::any(), std::move(events));
    EXPECT_TRUE(r) << r.error().to_string();
    return r ? Ack{stream, first, r->last_revision.value, r->position.value} : Ack{};
  }
  TempDir dir_{"ledger"};
  std::unique_ptr<Store> store_;
};

TEST_F(AppendLedger, WholeAppendsPass) {
  std::atomic<bool> stop{false};
  std::vector<Ack> acks;
  auto error = write_ledger(*store_, {"a", "b"}, 1, 20, stop, [&](const Ack& a) {
    acks.push_back(a);
  });
  ASSERT_FALSE(error) << error->to_string();
  auto check = check_ledger(*store_, acks);
  EXPECT_EQ(check.problem, "");
  EXPECT_EQ(check.appends, 20u);
  EXPECT_TRUE(check.missing.empty());
  // An acknowledgement the store does not have is reported missing.
  acks.push_back(Ack{"a", 1000, 1001, 1});
  EXPECT_EQ(check_ledger(*store_, acks).missing.size(), 1u);
}

TEST_F(AppendLedger, HalfAnAppendIsAProblem) {
  append("a", 0, ledger_events("a", 0, 2));
  auto three = ledger_events("a", 2, 3);
  three.pop_back();
  append("a", 2, std::move(three));
  EXPECT_NE(check_ledger(*store_, {}).problem.find("half an append"), std::string::npos);
}

TEST_F(AppendLedger, WrongBytesAndGapsAreProblems) {
  auto events = ledger_events("a", 0, 2);
  events[1].metadata += "x";
  append("a", 0, events);
  EXPECT_NE(check_ledger(*store_, {}).problem, "");

  TempDir other("ledger");
  auto store = open_embedded(other.path());
  ASSERT_TRUE(store);
  ASSERT_TRUE((*store)->append("a", ExpectedRevision::any(), ledger_events("a", 1, 2)));
  EXPECT_NE(check_ledger(**store, {}).problem, "") << "revisions 0.. were not written";
}

TEST(Acks, FormatAndParseRoundTrip) {
  Ack ack{"w1-a", 4, 8, 123456};
  auto parsed = parse_ack(format_ack(ack));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->stream, "w1-a");
  EXPECT_EQ(parsed->first_revision, 4u);
  EXPECT_EQ(parsed->last_revision, 8u);
  EXPECT_EQ(parsed->position, 123456u);
  EXPECT_FALSE(parse_ack("ack w1-a 4 8"));
  EXPECT_FALSE(parse_ack("ack w1-a 4 8 12 extra"));
  EXPECT_FALSE(parse_ack("nack w1-a 4 8 12"));
}

}  // namespace
}  // namespace mnemos::test
