#include "cli/cli_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string_view>

#include <gtest/gtest.h>

namespace mnemos::cli_test {
namespace {

using Clock = std::chrono::steady_clock;

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string(what) + ": " + std::strerror(errno));
}

struct Pipe {
  int read_end = -1;
  int write_end = -1;
  Pipe() {
    int fds[2];
    check(::pipe2(fds, O_CLOEXEC) == 0, "pipe2");
    read_end = fds[0];
    write_end = fds[1];
  }
};

struct Child {
  pid_t pid;
  int in_fd;  // -1 when stdin is /dev/null
  int out_fd;
  int err_fd;
};

Child spawn(const std::vector<std::string>& args, bool with_stdin) {
  Pipe in, out, err;
  std::vector<std::string> argv_strings{MNEMOS_BIN};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  check(pid >= 0, "fork");
  if (pid == 0) {
    int stdin_fd = with_stdin ? in.read_end : ::open("/dev/null", O_RDONLY);
    ::dup2(stdin_fd, 0);
    ::dup2(out.write_end, 1);
    ::dup2(err.write_end, 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(in.read_end);
  ::close(out.write_end);
  ::close(err.write_end);
  if (!with_stdin) ::close(in.write_end);
  return Child{pid, with_stdin ? in.write_end : -1, out.read_end, err.read_end};
}

int wait_exit(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    check(errno == EINTR, "waitpid");
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

// Appends what `fd` has to `into`; false at EOF.
bool drain_some(int fd, std::string& into) {
  char buffer[65536];
  const ssize_t n = ::read(fd, buffer, sizeof buffer);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
  check(n >= 0, "read");
  into.append(buffer, static_cast<size_t>(n));
  return n > 0;
}

// A child that exits before reading all its input must not take the test process with it.
const bool kSigpipeIgnored = [] {
  ::signal(SIGPIPE, SIG_IGN);
  return true;
}();

std::string read_all(int fd) {
  std::string text;
  while (drain_some(fd, text)) {
  }
  return text;
}

}  // namespace

std::vector<Json> RunResult::lines() const {
  std::vector<Json> values;
  std::string_view rest = out;
  while (!rest.empty()) {
    const size_t end = rest.find('\n');
    EXPECT_NE(end, std::string_view::npos) << "stdout does not end with a newline: " << rest;
    const std::string_view line = rest.substr(0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
    Json value = Json::parse(line, nullptr, false);
    EXPECT_FALSE(value.is_discarded()) << "not JSON: " << line;
    EXPECT_TRUE(value.is_object()) << "not an object: " << line;
    values.push_back(std::move(value));
  }
  return values;
}

Json RunResult::line() const {
  auto all = lines();
  EXPECT_EQ(all.size(), 1u) << out;
  return all.empty() ? Json() : all.front();
}

RunResult run_mnemos(const std::vector<std::string>& args, const std::string& input) {
  Child child = spawn(args, /*with_stdin=*/true);
  ::fcntl(child.in_fd, F_SETFL, O_NONBLOCK);
  RunResult result;
  size_t written = 0;
  if (input.empty()) {
    ::close(child.in_fd);
    child.in_fd = -1;
  }
  bool out_open = true, err_open = true;
  const auto deadline = Clock::now() + kDeadline;
  while (out_open || err_open) {
    if (Clock::now() >= deadline) {
      ::kill(child.pid, SIGKILL);
      ADD_FAILURE() << "mnemos did not finish within the deadline";
      break;
    }
    std::vector<pollfd> fds;
    if (out_open) fds.push_back({child.out_fd, POLLIN, 0});
    if (err_open) fds.push_back({child.err_fd, POLLIN, 0});
    if (child.in_fd >= 0) fds.push_back({child.in_fd, POLLOUT, 0});
    const int ready = ::poll(fds.data(), fds.size(), 100);
    if (ready < 0 && errno == EINTR) continue;
    check(ready >= 0, "poll");
    for (const pollfd& p : fds) {
      if (p.revents == 0) continue;
      if (p.fd == child.out_fd) out_open = drain_some(p.fd, result.out);
      if (p.fd == child.err_fd) err_open = drain_some(p.fd, result.err);
      if (p.fd == child.in_fd) {
        const ssize_t n = ::write(p.fd, input.data() + written, input.size() - written);
        if (n > 0) written += static_cast<size_t>(n);
        if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == input.size()) {
          ::close(child.in_fd);  // EOF for the child (or it stopped reading)
          child.in_fd = -1;
        }
      }
    }
  }
  if (child.in_fd >= 0) ::close(child.in_fd);
  ::close(child.out_fd);
  ::close(child.err_fd);
  result.exit_code = wait_exit(child.pid);
  return result;
}

std::vector<std::string> keys_of(const Json& object) {
  std::vector<std::string> keys;
  for (auto it = object.begin(); it != object.end(); ++it) keys.push_back(it.key());
  return keys;
}

BackgroundMnemos::BackgroundMnemos(const std::vector<std::string>& args, Input input) {
  Child child = spawn(args, /*with_stdin=*/input == Input::kPipe);
  pid_ = child.pid;
  in_fd_ = child.in_fd;
  out_fd_ = child.out_fd;
  err_fd_ = child.err_fd;
}

BackgroundMnemos::~BackgroundMnemos() {
  if (pid_ > 0) stop(SIGKILL);
  close_input();
  if (out_fd_ >= 0) ::close(out_fd_);
  if (err_fd_ >= 0) ::close(err_fd_);
}

void BackgroundMnemos::write_input(const std::string& text) {
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(in_fd_, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    check(n > 0, "write to mnemos");
    written += static_cast<size_t>(n);
  }
}

void BackgroundMnemos::close_input() {
  if (in_fd_ >= 0) ::close(in_fd_);
  in_fd_ = -1;
}

std::optional<std::string> BackgroundMnemos::read_line(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (size_t end = buffered_.find('\n'); end != std::string::npos) {
      std::string line = buffered_.substr(0, end);
      buffered_.erase(0, end + 1);
      return line;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd p{out_fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    check(ready >= 0, "poll");
    if (ready > 0 && !drain_some(out_fd_, buffered_)) return std::nullopt;
  }
}

int BackgroundMnemos::stop(int signal) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, signal);
  // Bounded: SIGKILL it if the signal did not end it within the deadline.
  const auto deadline = Clock::now() + kDeadline;
  int status = 0;
  bool killed = signal == SIGKILL;
  for (;;) {
    const pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) break;
    if (!killed && Clock::now() >= deadline) {
      ADD_FAILURE() << "mnemos did not exit on signal " << signal;
      ::kill(pid_, SIGKILL);
      killed = true;
    }
    ::usleep(10'000);  // polling a child's exit: no event to wait on without SIGCHLD plumbing
  }
  pid_ = -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

std::string BackgroundMnemos::stderr_text() { return read_all(err_fd_); }

}  // namespace mnemos::cli_test
