// The connection of the bench/nats tools to a cluster: without one they can only say why and
// stop.
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "nats/jetstream.h"

namespace mnemos::nats {

inline std::unique_ptr<Connection> must_connect(const std::string& urls, const char* program) {
  ConnectOptions options;
  options.urls = urls;
  options.timeout = std::chrono::milliseconds(10000);
  auto c = Connection::connect(options);
  if (!c) {
    std::fprintf(stderr, "%s: %s\n", program, c.error().to_string().c_str());
    std::exit(1);
  }
  return std::move(*c);
}

}  // namespace mnemos::nats
