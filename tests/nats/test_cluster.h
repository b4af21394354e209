// A real 3-node JetStream cluster for a test binary: scripts/cluster on free loopback ports,
// data under the build folder, stopped at the end.
#pragma once

#include <string>

namespace mnemos::nats::test {

class TestCluster {
 public:
  // Starts the cluster (up to three tries on fresh ports). `dir` holds its configs and data.
  static bool start(const std::string& dir);
  static void stop();
  static const std::string& urls() { return urls_; }  // empty when it did not start
  static int base_port() { return base_; }
  static const std::string& dir() { return dir_; }
  // The three client URLs, starting with node `first` (0..2), comma separated.
  static std::string urls_from(size_t first);

 private:
  static inline int base_ = 0;
  static inline std::string urls_;
  static inline std::string dir_;
};

}  // namespace mnemos::nats::test
