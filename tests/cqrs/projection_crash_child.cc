// The process the projection crash test kills. On the store DIR/events and the read model
// DIR/read.db it loops: append a few events (to "p-*" streams, which the projection takes,
// and "q-*" streams, which it filters out), then catch the projection up in small batches.
// After each catch-up it prints "checkpoint <position>".
//
//   projection_crash_child DIR SEED
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "counting_projection.h"
#include "mnemos/cqrs/projection_runner.h"
#include "mnemos/cqrs/sqlite_read_model.h"
#include "mnemos/embedded.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: projection_crash_child DIR SEED\n");
    return 2;
  }
  const std::string dir = argv[1];
  std::mt19937_64 random(std::strtoull(argv[2], nullptr, 10));
  auto store = mnemos::open_embedded(dir + "/events");
  auto model = mnemos::cqrs::open_sqlite_read_model(dir + "/read.db");
  if (!store || !model) {
    std::fprintf(stderr, "projection_crash_child: %s\n",
                 (!store ? store.error() : model.error()).to_string().c_str());
    return 1;
  }
  mnemos::EventFilter filter;
  filter.stream_prefix = "p-";
  mnemos::test::CountingProjection projection(filter);
  mnemos::cqrs::RunnerOptions options;
  options.batch_size = 1 + random() % 40;
  mnemos::cqrs::ProjectionRunner runner(**store, **model, projection, options);
  while (true) {
    for (int i = 0; i < 20; ++i) {
      std::vector<mnemos::EventData> events(1 + random() % 5);
      for (auto& e : events) {
        e.type = "crash.event";
        e.data = R"({"pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"})";
      }
      const std::string stream = (random() % 3 == 0 ? "q-" : "p-") + std::to_string(random() % 20);
      if (auto r = (*store)->append(stream, mnemos::ExpectedRevision::any(), std::move(events)); !r) {
        std::fprintf(stderr, "projection_crash_child: append: %s\n", r.error().to_string().c_str());
        return 1;
      }
    }
    if (auto caught = runner.catch_up(); !caught) {
      std::fprintf(stderr, "projection_crash_child: catch_up: %s\n", caught.error().to_string().c_str());
      return 1;
    }
    std::printf("checkpoint %llu\n", static_cast<unsigned long long>(runner.checkpoint().value().value));
    std::fflush(stdout);
  }
}
