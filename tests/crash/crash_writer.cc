// The process the crash test kills. Opens the store in DIR and appends from THREADS threads,
// each to its own two streams with exact expected revisions, 1..5 events per append with
// content derived from (stream, revision) (see support/append_ledger.h). Prints one line per
// acknowledged append, "ack <stream> <first> <last> <position>", and flushes it before going
// on: a line on stdout is a promise that the append is durable.
//
//   crash_writer DIR THREADS SEED
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "mnemos/embedded.h"
#include "support/append_ledger.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: crash_writer DIR THREADS SEED\n");
    return 2;
  }
  const std::string dir = argv[1];
  const int threads = std::atoi(argv[2]);
  const uint64_t seed = std::strtoull(argv[3], nullptr, 10);

  auto store = mnemos::open_embedded(dir);
  if (!store) {
    std::fprintf(stderr, "crash_writer: open %s: %s\n", dir.c_str(),
                 store.error().to_string().c_str());
    return 1;
  }
  std::mutex out_mu;
  std::atomic<bool> stop{false};
  std::atomic<int> failed{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      const std::vector<std::string> streams = {"crash-" + std::to_string(t) + "-a",
                                                "crash-" + std::to_string(t) + "-b"};
      auto error = mnemos::test::write_ledger(
          **store, streams, seed * 1000 + static_cast<uint64_t>(t), UINT64_MAX, stop,
          [&](const mnemos::test::Ack& ack) {
            const std::string line = mnemos::test::format_ack(ack) + "\n";
            std::lock_guard lock(out_mu);
            std::fwrite(line.data(), 1, line.size(), stdout);
            std::fflush(stdout);
          });
      if (error) {
        std::fprintf(stderr, "crash_writer: thread %d: %s\n", t, error->to_string().c_str());
        failed = 1;
        stop = true;
      }
    });
  }
  for (auto& w : workers) w.join();
  return failed ? 1 : 0;
}
