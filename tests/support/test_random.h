// A seeded random generator for tests. The seed comes from MNEMOS_TEST_SEED when set, otherwise
// from the system; it is printed to stderr so that a failing run can be reproduced.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

namespace mnemos::test {

class TestRandom {
 public:
  // `what` names the user of the seed in the printed line.
  explicit TestRandom(std::string_view what);

  uint64_t seed() const { return seed_; }
  // Uniform in [lo, hi].
  uint64_t uniform(uint64_t lo, uint64_t hi);
  bool one_in(uint64_t n) { return uniform(0, n - 1) == 0; }
  std::string bytes(size_t n);
  std::mt19937_64& engine() { return engine_; }

 private:
  uint64_t seed_;
  std::mt19937_64 engine_;
};

}  // namespace mnemos::test
