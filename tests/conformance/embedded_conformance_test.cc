// The Store contract on the embedded engine, with 2 MiB log segments so that rollover happens
// in the tests that write a few MiB.
#include "embedded_test_util.h"
#include "store_conformance.h"

namespace mnemos::conformance {
namespace {

StoreFactory embedded_factory() {
  StoreFactory f;
  f.name = "embedded";
  f.max_event_size = embedded::test_options().max_event_size;
  f.open = [](const std::string& dir) { return embedded::open_or_fail(dir); };
  return f;
}

INSTANTIATE_TEST_SUITE_P(Embedded, StoreConformance, testing::Values(embedded_factory()),
                         factory_name);

}  // namespace
}  // namespace mnemos::conformance
