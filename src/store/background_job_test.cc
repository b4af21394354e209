// BackgroundJob: every job runs exactly once, on its thread or taken back by the caller, and
// wait() returns that job's own result.
#include "store/background_job.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>

namespace mnemos::store {
namespace {

TEST(BackgroundJob, ConcurrentJobsRunOnceEachWhereverTheyRun) {
  BackgroundJob job;
  std::atomic<int> runs{0};
  int written = 0;  // written by the job, read by the caller after wait()
  constexpr int kJobs = 20000;
  for (int i = 0; i < kJobs; ++i) {
    job.start([&, i]() -> Status {
      runs.fetch_add(1, std::memory_order_relaxed);
      written = i;
      if (i % 3 == 0) return make_error(ErrorCode::kIoError, "job " + std::to_string(i));
      return {};
    });
    if (i % 2 == 0) std::this_thread::yield();  // sometimes let the thread take it first
    Status s = job.wait();
    ASSERT_EQ(runs.load(), i + 1) << "job " << i << " ran " << runs.load() - i << " times";
    ASSERT_EQ(written, i);
    if (i % 3 == 0) {
      ASSERT_FALSE(s);
      EXPECT_EQ(s.error().message, "job " + std::to_string(i));
    } else {
      ASSERT_TRUE(s) << s.error().to_string();
    }
  }
  // Both ways were taken at least once in 20,000 jobs (not a timing assertion on either).
  std::cerr << job.taken_back() << " of " << kJobs << " jobs taken back by the caller\n";
}

TEST(BackgroundJob, DestroyedIdleOrAfterATakenBackJob) {
  { BackgroundJob idle; }
  BackgroundJob job;
  job.start([] { return Status{}; });
  EXPECT_TRUE(job.wait());
}

}  // namespace
}  // namespace mnemos::store
