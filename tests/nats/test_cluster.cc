#include "test_cluster.h"

#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <vector>

namespace mnemos::nats::test {
namespace {

bool port_free(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// Client ports base..base+2, routes base+1000.., monitoring base+2000.. (scripts/cluster).
int pick_base_port(std::mt19937& rng) {
  for (int attempt = 0; attempt < 200; ++attempt) {
    int base = 20000 + static_cast<int>(rng() % 20000);
    bool all = true;
    for (int offset : {0, 1000, 2000}) {
      for (int i = 0; i < 3; ++i) all = all && port_free(base + offset + i);
    }
    if (all) return base;
  }
  return 0;
}

std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
  int rc = ::pclose(pipe);
  if (rc != 0) out.clear();
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

}  // namespace

bool TestCluster::start(const std::string& dir) {
  dir_ = dir;
  std::mt19937 rng(std::random_device{}());
  stop();  // one left behind by a crashed run
  // A fresh data folder: JetStream state of an earlier cluster (other ports, other peers) makes
  // the new one wait for peers that are gone.
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
  for (int attempt = 0; attempt < 3 && urls_.empty(); ++attempt) {
    base_ = pick_base_port(rng);
    urls_ = run(fmt::format("'{}' start --dir '{}' --port {} --sync default --no-serve", MNEMOS_CLUSTER_SCRIPT,
                            dir_, base_));
  }
  return !urls_.empty();
}

void TestCluster::stop() {
  (void)std::system(
      fmt::format("'{}' stop --dir '{}' --port {} >/dev/null 2>&1", MNEMOS_CLUSTER_SCRIPT, dir_,
                  base_ == 0 ? 4222 : base_)
          .c_str());
}

std::string TestCluster::urls_from(size_t first) {
  std::vector<std::string> parts;
  for (size_t i = 0; i < 3; ++i) parts.push_back(fmt::format("nats://127.0.0.1:{}", base_ + (first + i) % 3));
  return fmt::format("{}", fmt::join(parts, ","));
}

}  // namespace mnemos::nats::test
