// Runs the selected workloads on the selected peers, each write workload on a fresh store in
// its own subdirectory of a scratch directory, peers interleaved workload by workload so that
// both meet the machine in the same state.
#pragma once

#include <string>
#include <vector>

#include "result.h"

namespace mnemos::bench {

struct BenchOptions {
  std::string dir = "./mnemos-bench";
  std::vector<std::string> workloads{"w1", "w2", "w3", "w4"};
  std::vector<std::string> peers{"mnemos", "sqlite"};
  double scale = 1.0;
  std::string json_file;
  std::vector<std::string> extras;  // "reopen", "rss"
  bool keep = false;                // keep the stores instead of removing them
  std::vector<int> w1_writers{1, 8};  // W1 is run once with each number of writers
  std::string target;  // the grpc peer's server, HOST:PORT ("": in-process), or nats://... (jetstream)
};

// Results are added to `report` as they are measured, so that a failure keeps what came
// before it. Throws BenchFailure on a failed check or operation.
void run_bench(const BenchOptions& options, BenchReport& report);

}  // namespace mnemos::bench
