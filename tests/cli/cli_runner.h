// Runs the `mnemos` executable as a subprocess, the way scripts and other tools use it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mnemos::cli_test {

using Json = nlohmann::ordered_json;

// Generous: nothing here should take more than a fraction of it.
inline constexpr std::chrono::seconds kDeadline{60};

struct RunResult {
  int exit_code = -1;  // 128 + signal when killed
  std::string out;
  std::string err;

  std::vector<Json> lines() const;  // stdout as NDJSON; fails the test on a non-JSON line
  Json line() const;                // the only line of stdout
};

// Runs `mnemos args...` with `input` on stdin, waits for it (killing it past kDeadline).
RunResult run_mnemos(const std::vector<std::string>& args, const std::string& input = "");

// The keys of a JSON object, in order.
std::vector<std::string> keys_of(const Json& object);

// `mnemos args...` running in the background, its stdout read line by line.
class BackgroundMnemos {
 public:
  enum class Input { kNone, kPipe };  // kPipe: write_input() feeds its stdin
  explicit BackgroundMnemos(const std::vector<std::string>& args, Input input = Input::kNone);
  ~BackgroundMnemos();  // SIGKILLs it if still running
  BackgroundMnemos(const BackgroundMnemos&) = delete;
  BackgroundMnemos& operator=(const BackgroundMnemos&) = delete;

  pid_t pid() const { return pid_; }
  void write_input(const std::string& text);
  void close_input();
  // The next line of its stdout, or nullopt at EOF or past `timeout`.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout = kDeadline);
  // Sends `signal` and waits for the exit; returns the exit code (128 + signal when killed).
  int stop(int signal);
  std::string stderr_text();  // after stop()

 private:
  pid_t pid_ = -1;
  int in_fd_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string buffered_;
};

}  // namespace mnemos::cli_test
