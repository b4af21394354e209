// Each test gets a fresh temporary directory (removed afterwards) and runs `mnemos` on it.
#pragma once

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cli/cli_runner.h"
#include "support/temp_dir.h"

namespace mnemos::cli_test {

class CliTest : public ::testing::Test {
 protected:
  std::string db() const { return dir_.file("db"); }
  std::string path(const std::string& name) const { return dir_.file(name); }

  // `mnemos --db <db> args...`
  RunResult mnemos(std::vector<std::string> args, const std::string& input = "") const {
    return mnemos_on(db(), std::move(args), input);
  }
  static RunResult mnemos_on(const std::string& db, std::vector<std::string> args,
                             const std::string& input = "") {
    args.insert(args.begin(), {"--db", db});
    return run_mnemos(args, input);
  }

  // Appends one event and returns the acknowledgement; fails the test when it fails.
  Json append(const std::string& stream, const std::string& type, const std::string& data = "{}",
              std::vector<std::string> extra = {}) const {
    std::vector<std::string> args{"append", "--stream", stream, "--type", type, "--data", data};
    args.insert(args.end(), extra.begin(), extra.end());
    RunResult r = mnemos(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.line();
  }

  std::vector<Json> read(const std::string& stream, std::vector<std::string> extra = {}) const {
    std::vector<std::string> args{"read", "--stream", stream};
    args.insert(args.end(), extra.begin(), extra.end());
    RunResult r = mnemos(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.lines();
  }

 private:
  mnemos::test::TempDir dir_{"cli"};
};

}  // namespace mnemos::cli_test
