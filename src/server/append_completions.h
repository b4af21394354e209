// AppendCompletions: one thread that waits for appends to become durable and runs what follows
// each of them (writing its acknowledgement), so that no gRPC call holds a thread while its
// append commits. The engine completes appends in the order they were queued, which is (up to
// races between callers) the order they are added here: waiting for the oldest first costs one
// wake-up per group commit, not one per append.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

#include "mnemos/store.h"

namespace mnemos::server {

class AppendCompletions {
 public:
  using Then = std::function<void(Result<AppendResult>)>;

  AppendCompletions();
  // Waits for every append added, runs what follows each, then ends the thread.
  ~AppendCompletions();
  AppendCompletions(const AppendCompletions&) = delete;
  AppendCompletions& operator=(const AppendCompletions&) = delete;

  // Runs `then` on the completions thread once `append` is ready. `then` must not block.
  void add(std::future<Result<AppendResult>> append, Then then);

  // Waits until every `then` added has returned (the server calls it once its calls are done,
  // before it is destroyed: a `then` may still be returning from a call's Finish).
  void wait_idle();

 private:
  struct Pending {
    std::future<Result<AppendResult>> append;
    Then then;
  };
  void run();

  std::mutex mu_;
  std::condition_variable added_;
  std::condition_variable idle_;
  std::deque<Pending> pending_;  // guarded by mu_
  bool stopping_ = false;        // guarded by mu_
  bool running_ = false;         // a `then` runs now; guarded by mu_
  std::thread thread_;
};

}  // namespace mnemos::server
