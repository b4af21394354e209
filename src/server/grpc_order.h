// gRPC is not built with ThreadSanitizer, so the ordering it guarantees to a callback reactor is
// invisible to TSan: starting an operation (StartRead, StartWrite, Finish) happens before its
// reaction (OnReadDone, OnWriteDone, OnDone), and every OnDone happens before Server::Wait
// returns. These functions state that ordering to TSan (they compile to nothing otherwise);
// without them it reports the messages a reaction reads or frees as races.
#pragma once

#include <grpcpp/grpcpp.h>

#include <utility>

#if defined(__SANITIZE_THREAD__)
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
#endif

namespace mnemos::server::grpc_order {

// Before starting an operation on `reactor`.
inline void before_start([[maybe_unused]] void* reactor) {
#if defined(__SANITIZE_THREAD__)
  __tsan_release(reactor);
#endif
}

// First thing in each reaction of `reactor`.
inline void in_reaction([[maybe_unused]] void* reactor) {
#if defined(__SANITIZE_THREAD__)
  __tsan_acquire(reactor);
#endif
}

// The token for "every call is done": released in each OnDone, acquired after Server::Wait.
inline char calls_done;

inline void call_done() {
#if defined(__SANITIZE_THREAD__)
  __tsan_release(&calls_done);
#endif
}

inline void after_wait() {
#if defined(__SANITIZE_THREAD__)
  __tsan_acquire(&calls_done);
#endif
}

}  // namespace mnemos::server::grpc_order

namespace mnemos::server {

// A reactor base whose operations and reactions carry that ordering: the reactors start
// operations with start_read, start_write and finish, and begin every reaction with reacted()
// (OnDone with done()).
template <class Base>
class OrderedReactor : public Base {
 protected:
  template <class... Args>
  void start_read(Args&&... args) {
    grpc_order::before_start(this);
    this->StartRead(std::forward<Args>(args)...);
  }
  template <class... Args>
  void start_write(Args&&... args) {
    grpc_order::before_start(this);
    this->StartWrite(std::forward<Args>(args)...);
  }
  void finish(grpc::Status status) {
    grpc_order::before_start(this);
    this->Finish(std::move(status));
  }
  void reacted() { grpc_order::in_reaction(this); }
  void done() {
    reacted();
    grpc_order::call_done();
  }
};

}  // namespace mnemos::server
