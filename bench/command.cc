#include <fmt/format.h>

#include <cstdio>
#include <exception>
#include <memory>

#include "bench.h"
#include "report.h"
#include "runner.h"

namespace mnemos::bench {
namespace {

int run_command(const BenchOptions& options) {
  BenchReport report;
  try {
    run_bench(options, report);
  } catch (const std::exception& e) {
    if (!report.results.empty()) print_report(report, stdout);
    fmt::print(stderr, "bench: FAILED: {}\n", e.what());
    return 1;
  }
  print_report(report, stdout);
  if (!options.json_file.empty()) {
    try {
      write_json(report, options.json_file);
    } catch (const std::exception& e) {
      fmt::print(stderr, "bench: {}\n", e.what());
      return 1;
    }
  }
  return 0;
}

}  // namespace

CLI::App* add_bench_command(CLI::App& parent) {
  auto options = std::make_shared<BenchOptions>();
  CLI::App* cmd = parent.add_subcommand(
      "bench", "Run workloads W1-W4 against the embedded engine and SQLite, compare them");
  cmd->add_option("--dir", options->dir,
                  "Scratch directory; each store gets a fresh subdirectory, removed afterwards")
      ->capture_default_str();
  cmd->add_option("--workloads", options->workloads,
                  "Workloads to run (W3 and W4 need W2's store; none: only the extras)")
      ->delimiter(',')
      ->check(CLI::IsMember({"w1", "w2", "w3", "w4", "none"}))
      ->capture_default_str();
  cmd->add_option("--peers", options->peers, "Systems to run")
      ->delimiter(',')
      ->check(CLI::IsMember({"mnemos", "sqlite", "grpc", "jetstream"}))
      ->capture_default_str();
  cmd->add_option("--target", options->target,
                  "grpc://HOST:PORT: run the grpc peer against that server (default peers: grpc only); "
                  "without it the grpc peer serves its own store in-process on loopback. "
                  "nats://HOST:PORT[,...]: the jetstream peer, the Store on that JetStream cluster "
                  "(default peers: mnemos,jetstream)")
      ->check([](const std::string& t) {
        return t.starts_with("grpc://") || t.starts_with("nats://")
                   ? std::string()
                   : "expected grpc://HOST:PORT or nats://HOST:PORT[,...]";
      });
  cmd->add_option("--w1-writers", options->w1_writers, "Writer threads of each W1 run")
      ->delimiter(',')
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  cmd->add_option("--scale", options->scale, "Scales the event counts (a scaled run says so)")
      ->check(CLI::Range(1e-6, 1e3))
      ->capture_default_str();
  cmd->add_option("--json", options->json_file, "Also write the results to this JSON file");
  cmd->add_option("--extra", options->extras,
                  "Extras: reopen (time to open a store of 10M events x scale), rss (memory "
                  "while filling it)")
      ->delimiter(',')
      ->check(CLI::IsMember({"reopen", "rss"}));
  cmd->add_flag("--keep", options->keep,
                "Keep the stores in the scratch directory (jetstream: and their JetStream streams)");
  cmd->callback([options, cmd] {
    if (options->target.starts_with("grpc://")) {
      options->target = options->target.substr(std::string_view("grpc://").size());
      if (cmd->count("--peers") == 0) options->peers = {"grpc"};
    } else if (!options->target.empty() && cmd->count("--peers") == 0) {
      options->peers = {"mnemos", "jetstream"};
    }
    if (int code = run_command(*options); code != 0) throw CLI::RuntimeError(code);
  });
  return cmd;
}

}  // namespace mnemos::bench
