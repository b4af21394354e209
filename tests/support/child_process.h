// A child process whose standard output the test reads through a pipe (stderr is inherited, so
// it shows in the test log). For crash tests (SIGKILL at a random moment) and for tests that
// need a second process.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace mnemos::test {

class ChildProcess {
 public:
  // Starts argv[0] (a path) with the arguments that follow. Throws std::runtime_error.
  explicit ChildProcess(const std::vector<std::string>& argv);
  ~ChildProcess();  // kills and reaps the child if it is still there
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Appends what the child prints to `out` until `deadline`; returns false once the output is
  // closed (the child exited or closed it).
  bool read_until(std::chrono::steady_clock::time_point deadline, std::string& out);
  // Everything until the output closes.
  std::string read_to_end();
  void kill(int signal);
  // Waits for the child to end; returns its wait status (see WIFEXITED, WIFSIGNALED).
  int wait();
  pid_t pid() const { return pid_; }

  // The path of the running executable, to start a second copy of it.
  static std::string self_path();

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  bool reaped_ = false;
  int status_ = 0;
};

}  // namespace mnemos::test
