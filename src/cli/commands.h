// The subcommands of `mnemos`, one adder per file (see docs/CLI.md for the contract).
#pragma once

#include "cli/command.h"

namespace mnemos::cli {

void add_append_command(CommandSet& commands);       // append (commands_append.cc)
int run_append_stdin(Store& store);                  // append --stdin (commands_append_stdin.cc)
void add_read_commands(CommandSet& commands);        // read, read-all (commands_read.cc)
void add_tail_command(CommandSet& commands);         // tail (commands_tail.cc)
void add_stream_commands(CommandSet& commands);      // delete, metadata, streams (commands_streams.cc)
void add_maintenance_commands(CommandSet& commands); // stats, verify, reindex (commands_maintenance.cc)
void add_transfer_commands(CommandSet& commands);    // export, import (commands_transfer.cc)
void add_serve_command(CommandSet& commands);        // serve (commands_serve.cc)

// Builds the whole command line and runs it: the body of main().
int run_cli(int argc, char** argv);

}  // namespace mnemos::cli
