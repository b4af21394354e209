#include "support/test_random.h"

#include <cstdlib>
#include <iostream>

namespace mnemos::test {
namespace {

uint64_t choose_seed() {
  if (const char* env = std::getenv("MNEMOS_TEST_SEED"); env != nullptr && *env != '\0') {
    return std::strtoull(env, nullptr, 10);
  }
  std::random_device device;
  return (static_cast<uint64_t>(device()) << 32) ^ device();
}

}  // namespace

TestRandom::TestRandom(std::string_view what) : seed_(choose_seed()), engine_(seed_) {
  std::cerr << "[seed] " << what << ": MNEMOS_TEST_SEED=" << seed_ << "\n";
}

uint64_t TestRandom::uniform(uint64_t lo, uint64_t hi) {
  return std::uniform_int_distribution<uint64_t>(lo, hi)(engine_);
}

std::string TestRandom::bytes(size_t n) {
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(uniform(0, 255));
  return out;
}

}  // namespace mnemos::test
