// Running an example program as a user does: a subprocess, its output and its exit code.
#pragma once

#include <sys/wait.h>

#include <string>
#include <vector>

#include "support/child_process.h"

namespace mnemos::test {

struct ProgramRun {
  int exit_code = -1;
  std::string out;
};

inline ProgramRun run_program(const std::string& binary, const std::vector<std::string>& args) {
  std::vector<std::string> argv{binary};
  argv.insert(argv.end(), args.begin(), args.end());
  ChildProcess child(argv);
  ProgramRun run;
  run.out = child.read_to_end();
  const int status = child.wait();
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return run;
}

// How many times `what` occurs in `text`.
inline size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace mnemos::test
