// TaskPool: httplib's connection queue with a fixed number of threads and a bounded backlog.
// httplib runs each connection as one task for its whole life (an SSE stream holds its thread),
// so the pool is sized for the subscribers plus the request threads. When the backlog is full,
// enqueue() waits: the accept loop stops taking connections, which then wait in the kernel's.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include <httplib.h>

namespace mnemos::http {

class TaskPool final : public httplib::TaskQueue {
 public:
  TaskPool(size_t threads, size_t max_backlog);
  TaskPool(const TaskPool&) = delete;
  TaskPool& operator=(const TaskPool&) = delete;
  ~TaskPool() override;

  void enqueue(std::function<void()> task) override;
  void shutdown() override;  // runs what is queued, then joins the threads

 private:
  void work();

  const size_t max_backlog_;
  std::mutex mu_;
  std::condition_variable has_task_;
  std::condition_variable has_room_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace mnemos::http
