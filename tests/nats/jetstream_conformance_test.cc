// The Store contract (tests/conformance) on the JetStream backend, against a real 3-node
// cluster with R3 streams. Each test's store is its own JetStream stream, named in its
// directory so that reopening finds it again; the local copy lives in that directory too.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "mnemos/jetstream.h"
#include "store_conformance.h"
#include "test_cluster.h"

namespace mnemos::conformance {
namespace {

constexpr uint64_t kMaxEventSize = 256 << 10;

class ClusterEnvironment : public testing::Environment {
 public:
  void SetUp() override { nats::test::TestCluster::start(MNEMOS_NATS_TEST_DIR); }
  void TearDown() override { nats::test::TestCluster::stop(); }
};

// The JetStream stream of the store in `dir`: chosen on first open, remembered in the directory.
std::string stream_of(const std::string& dir) {
  const std::string path = dir + "/jetstream-stream";
  std::ifstream in(path);
  std::string name((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!name.empty()) return name;
  name = "C" + Uuid::random().to_string().substr(0, 8);
  std::ofstream(path) << name;
  return name;
}

std::unique_ptr<Store> open_on_cluster(const std::string& dir) {
  if (nats::test::TestCluster::urls().empty()) {
    ADD_FAILURE() << "the JetStream cluster did not start; logs in " << MNEMOS_NATS_TEST_DIR;
    return nullptr;
  }
  JetStreamOptions options;
  options.urls = nats::test::TestCluster::urls();
  options.stream = stream_of(dir);
  options.local_dir = dir + "/local";
  options.limits.max_event_size = kMaxEventSize;
  auto store = open_jetstream(options);
  if (!store) {
    ADD_FAILURE() << "open_jetstream: " << store.error().to_string();
    return nullptr;
  }
  return std::move(*store);
}

StoreFactory jetstream_factory() {
  StoreFactory f;
  f.name = "jetstream";
  f.max_event_size = kMaxEventSize;
  f.open = open_on_cluster;
  return f;
}

INSTANTIATE_TEST_SUITE_P(JetStream, StoreConformance, testing::Values(jetstream_factory()),
                         factory_name);

[[maybe_unused]] testing::Environment* const cluster =
    testing::AddGlobalTestEnvironment(new ClusterEnvironment);

}  // namespace
}  // namespace mnemos::conformance
