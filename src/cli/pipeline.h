// Appends in flight, completed in order: the throughput of append_async with the output order
// of one-at-a-time appends (append --stdin, import).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>

#include "mnemos/store.h"

namespace mnemos::cli {

class AppendPipeline {
 public:
  using Outcome = Result<AppendResult>;
  // Called for each append, in submission order, once it completed (on the pipeline's thread).
  using OnDone = std::function<void(const std::string& stream, const Outcome& outcome)>;
  // Called when the pipeline is about to wait (nothing completed is left to report).
  using OnIdle = std::function<void()>;

  // At most `window` appends are in flight; submit() blocks beyond that.
  AppendPipeline(size_t window, OnDone on_done, OnIdle on_idle = {});
  ~AppendPipeline();  // finish()
  AppendPipeline(const AppendPipeline&) = delete;
  AppendPipeline& operator=(const AppendPipeline&) = delete;

  void submit(std::string stream, std::future<Outcome> outcome);
  // An outcome known without appending (a rejected request), reported in its turn.
  void submit_ready(std::string stream, Outcome outcome);

  // Waits until every submitted append has been reported.
  void drain();
  // drain(), then stops the thread.
  void finish();

 private:
  struct Entry {
    std::string stream;
    std::future<Outcome> outcome;
  };
  void run();

  const size_t window_;
  OnDone on_done_;
  OnIdle on_idle_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Entry> entries_;
  size_t reporting_ = 0;  // entries taken off the queue whose on_done has not returned
  bool closing_ = false;
  std::thread thread_;
};

}  // namespace mnemos::cli
