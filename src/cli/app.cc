// The `mnemos` command line: global options, the subcommands, parsing and exit codes.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>

#include <fmt/core.h>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/output.h"

#ifdef MNEMOS_HAVE_BENCH
#include "bench/bench.h"
#endif

namespace mnemos::cli {
namespace {

// Parses the command line and runs the chosen subcommand; exceptions are the caller's.
int parse_and_run(int argc, char** argv) {
  CLI::App app{"Mnemos, an event store. Output is NDJSON, one JSON object a line; errors go "
               "to stderr, with the exit codes of docs/CLI.md.",
               "mnemos"};
  app.require_subcommand(1);
  app.fallthrough();  // --db is accepted after the subcommand too
  GlobalOptions global;
  app.add_option("--db", global.db,
                 "Data directory, or nats://HOST:PORT[,...][?stream=NAME&local=DIR] for the store "
                 "on a JetStream cluster (docs/NATS.md)")->type_name("DIR")->capture_default_str();

  CommandSet commands(app, global);
  add_append_command(commands);
  add_read_commands(commands);
  add_tail_command(commands);
  add_stream_commands(commands);
  add_maintenance_commands(commands);
  add_transfer_commands(commands);
  add_serve_command(commands);
#ifdef MNEMOS_HAVE_BENCH
  mnemos::bench::add_bench_command(app);
#endif

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help (exit 0) and a subcommand's own exit code (CLI::RuntimeError) pass through.
    if (e.get_exit_code() == 0 || e.get_name() == "RuntimeError") return app.exit(e);
    print_error_line(fmt::format("usage: {} (see mnemos --help)", e.what()));
    return kExitUsage;
  }
  return commands.run_selected();
}

}  // namespace

int run_cli(int argc, char** argv) {
  int code;
  try {
    code = parse_and_run(argc, argv);
  } catch (const std::exception& e) {
    print_error_line(fmt::format("error: {}", e.what()));
    return kExitOtherError;
  }
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    print_error_line(fmt::format("io_error: writing to stdout: {}", std::strerror(errno)));
    return code == kExitOk ? kExitIoError : code;
  }
  return code;
}

}  // namespace mnemos::cli
