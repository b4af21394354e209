#include "runner.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>

#include "extras.h"
#include "peer.h"
#include "phases.h"
#include "verify.h"

namespace fs = std::filesystem;

namespace mnemos::bench {
namespace {

bool contains(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// The scratch directory of one run: <dir>/run-<pid>-<time>/<store>. Stores are removed as soon
// as they are measured, and the run directory at the end, unless `keep`.
class Scratch {
 public:
  Scratch(const std::string& base, bool keep) : keep_(keep), base_(base), made_base_(!fs::exists(base)) {
    auto stamp = std::chrono::system_clock::now().time_since_epoch() / std::chrono::seconds(1);
    run_ = fs::path(base) / fmt::format("run-{}-{}", ::getpid(), stamp);
    fs::create_directories(run_);
  }
  ~Scratch() {
    std::error_code ec;
    if (keep_) return;
    fs::remove_all(run_, ec);
    if (made_base_) fs::remove(base_, ec);  // only if empty
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  std::string fresh(const std::string& name) const {
    fs::path path = run_ / name;
    if (fs::exists(path)) throw BenchFailure(fmt::format("{} already exists", path.string()));
    fs::create_directories(path);
    return path.string();
  }
  void done(const std::string& path) const {
    if (!keep_) fs::remove_all(path);
  }

 private:
  bool keep_;
  fs::path base_;
  bool made_base_;  // the base did not exist: remove it too when it is left empty
  fs::path run_;
};

// One peer with its store open in a fresh directory.
struct OpenPeer {
  std::unique_ptr<Peer> peer;
  std::string dir;
};

class Runner {
 public:
  Runner(const BenchOptions& options, BenchReport& report)
      : options_(options), report_(report), scratch_(options.dir, options.keep) {
    for (const std::string& name : options.peers) {
      if (!find_peer(name, options_.target)) throw BenchFailure(fmt::format("peer {} is not built in", name));
    }
  }

  void run() {
    const Sizes& sizes = report_.sizes;
    for (const std::string& name : options_.peers) {
      OpenPeer p = open_fresh(name, "sanity");
      sanity_check(*p.peer);
      close(p);
    }
    if (wants("w1")) {
      for (int writers : options_.w1_writers) {
        for (const std::string& name : options_.peers) {
          OpenPeer p = open_fresh(name, fmt::format("w1x{}", writers));
          WorkloadResult result = run_w1(*p.peer, sizes, writers);
          verify_store(*p.peer, {StreamSet::kW1, sizes.w1_streams, sizes.w1_rounds});
          set_disk(result, close(p), sizes.w1_events());
          report_.results.push_back(result);
        }
      }
    }
    if (wants("w2") || wants("w3") || wants("w4")) run_on_w2_store();
    bool reopen = contains(options_.extras, "reopen");
    bool rss = contains(options_.extras, "rss");
    if (reopen || rss) {
      for (const std::string& name : options_.peers) {
        OpenPeer p{find_peer(name, options_.target, options_.keep)(), scratch_.fresh(name + "-extras")};
        report_.extras.push_back(run_extras(*p.peer, p.dir, sizes, reopen, rss));
        scratch_.done(p.dir);
      }
    }
  }

 private:
  // W2 on a fresh store of each peer (always, as W3 and W4 need its store), then W3 and W4 on
  // those stores, still open: warm cache. The stores are measured when closed, after W4.
  void run_on_w2_store() {
    const Sizes& sizes = report_.sizes;
    std::vector<OpenPeer> peers;
    std::vector<std::vector<size_t>> rows(options_.peers.size());  // report rows of each store
    auto add_row = [&](size_t peer, const WorkloadResult& result) {
      rows[peer].push_back(report_.results.size());
      report_.results.push_back(result);
    };
    for (size_t i = 0; i < options_.peers.size(); ++i) {
      peers.push_back(open_fresh(options_.peers[i], "w2"));
      WorkloadResult result = run_w2(*peers.back().peer, sizes);
      verify_store(*peers.back().peer, {StreamSet::kW2, sizes.w2_streams, sizes.w2_batch});
      if (wants("w2")) add_row(i, result);
    }
    for (auto [workload, run] : {std::pair{"w3", &run_w3}, std::pair{"w4", &run_w4}}) {
      if (!wants(workload)) continue;
      for (size_t i = 0; i < peers.size(); ++i) add_row(i, run(*peers[i].peer, sizes));
    }
    for (size_t i = 0; i < peers.size(); ++i) {
      DiskUsage usage = close(peers[i]);
      for (size_t row : rows[i]) set_disk(report_.results[row], usage, sizes.w2_events());
    }
  }

  bool wants(std::string_view workload) const { return contains(options_.workloads, workload); }

  OpenPeer open_fresh(const std::string& name, const std::string& what) {
    OpenPeer p{find_peer(name, options_.target, options_.keep)(), scratch_.fresh(name + "-" + what)};
    p.peer->open(p.dir);
    return p;
  }

  DiskUsage close(OpenPeer& p) {
    DiskUsage usage = p.peer->close();
    scratch_.done(p.dir);
    return usage;
  }

  static void set_disk(WorkloadResult& result, const DiskUsage& usage, int64_t events) {
    result.bytes_per_event = static_cast<double>(usage.used_bytes) / static_cast<double>(events);
    result.raw_bytes_per_event = static_cast<double>(usage.raw_bytes) / static_cast<double>(events);
  }

  const BenchOptions& options_;
  BenchReport& report_;
  Scratch scratch_;
};

}  // namespace

void run_bench(const BenchOptions& options, BenchReport& report) {
  report.sizes = Sizes::scaled(options.scale);
  Runner(options, report).run();
}

}  // namespace mnemos::bench
