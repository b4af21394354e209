// LiveCalls: the long-lived calls (BatchAppend streams) that must hear of a shutdown, so that
// each ends soon with its proper status instead of waiting, idle, for the shutdown deadline.
#pragma once

#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace mnemos::server {

class StoppableCall {
 public:
  // The server shuts down: answer what was taken in, read nothing more, end with UNAVAILABLE.
  virtual void stop() = 0;

 protected:
  ~StoppableCall() = default;
};

class LiveCalls {
 public:
  // Registers `call` until remove(). A call registered once stop_all() ran is stopped at once.
  void add(const std::shared_ptr<StoppableCall>& call) {
    {
      std::lock_guard lock(mu_);
      if (!stopping_) {
        calls_[call.get()] = call;
        return;
      }
    }
    call->stop();
  }

  void remove(const StoppableCall* call) {
    std::lock_guard lock(mu_);
    calls_.erase(call);
  }

  // Stops every call registered now or later. The calls are stopped outside the lock: stopping
  // may end a call, which then removes itself.
  void stop_all() {
    std::vector<std::shared_ptr<StoppableCall>> live;
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      for (auto& [raw, weak] : calls_) {
        if (auto call = weak.lock()) live.push_back(std::move(call));
      }
    }
    for (auto& call : live) call->stop();
  }

 private:
  std::mutex mu_;
  std::unordered_map<const StoppableCall*, std::weak_ptr<StoppableCall>> calls_;  // guarded by mu_
  bool stopping_ = false;                                                           // guarded by mu_
};

}  // namespace mnemos::server
