// The conformance test binary. Run as `mnemos_conformance_tests --open-probe DIR`, it only tries
// to open the embedded store in DIR and prints the outcome: the lock tests need a second process.
#include <gtest/gtest.h>

#include <cstdio>
#include <string_view>

#include "mnemos/embedded.h"

namespace {

int open_probe(const char* dir) {
  auto store = mnemos::open_embedded(dir);
  if (store) {
    std::printf("opened\n");
    return 0;
  }
  std::printf("%s\n%s\n", std::string(mnemos::error_code_name(store.error().code)).c_str(),
              store.error().message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string_view(argv[1]) == "--open-probe") return open_probe(argv[2]);
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
