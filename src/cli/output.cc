#include "cli/output.h"

#include <cstdio>

#include <fmt/core.h>

#include "cli/exit_codes.h"

namespace mnemos::cli {

void print_line(const Json& value) {
  std::string line = json::dump_line(value);
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), stdout);
}

void flush_output() { std::fflush(stdout); }

void print_error_line(std::string_view cause) {
  std::string line = "mnemos: " + std::string(cause);
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';  // one line a cause
  }
  flush_output();  // what was printed before the error comes first
  fmt::print(stderr, "{}\n", line);
}

int report_error(const Error& error) {
  std::string cause = error.to_string();
  if (error.position && error.message.find(std::to_string(*error.position)) == std::string::npos) {
    cause += fmt::format(" (at position {})", *error.position);
  }
  print_error_line(cause);
  return exit_code_for(error.code);
}

int report_usage_error(std::string_view message) {
  return report_error(Error{ErrorCode::kInvalidArgument, std::string(message), {}, {}});
}

}  // namespace mnemos::cli
