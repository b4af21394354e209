// `mnemos`: the command-line interface. Everything is in cli/app.cc and the commands_*.cc files.
#include "cli/commands.h"

int main(int argc, char** argv) { return mnemos::cli::run_cli(argc, argv); }
