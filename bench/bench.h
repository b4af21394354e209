// `mnemos bench`: workloads W1-W4 of WORKLOADS.md against the embedded engine and SQLite, in the
// same run, with a table of the results and their ratio to SQLite. See docs/BENCHMARKS.md.
#pragma once

#include <CLI/CLI.hpp>

namespace mnemos::bench {

// Adds the `bench` subcommand to `parent`. It runs from its own callback; on failure it prints
// the cause to stderr and throws CLI::RuntimeError(1), which parent.exit() turns into exit code 1.
CLI::App* add_bench_command(CLI::App& parent);

}  // namespace mnemos::bench
