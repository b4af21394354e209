// `mnemos serve` as a process: the ready line names both listeners, the HTTP API answers, and
// SIGTERM ends a live SSE stream and exits 0.
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <string>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "support/child_process.h"
#include "support/temp_dir.h"

namespace mnemos::test {
namespace {

using namespace std::chrono_literals;

// The first line the server prints (empty when none comes within 30 s).
std::string ready_line(ChildProcess& server) {
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (out.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    if (!server.read_until(std::chrono::steady_clock::now() + 50ms, out)) break;
  }
  return out;
}

TEST(HttpServe, ReadyLineNamesGrpcAndHttpAndSigtermEndsSse) {
  TempDir dir("http-serve");
  ChildProcess server({MNEMOS_BINARY, "--db", dir.path(), "serve", "--grpc", "127.0.0.1:0",
                       "--http", "127.0.0.1:0"});
  const std::string out = ready_line(server);
  ASSERT_NE(out.find('\n'), std::string::npos) << "no ready line: " << out;
  auto ready = nlohmann::json::parse(out.substr(0, out.find('\n')));
  ASSERT_TRUE(ready.contains("grpc")) << out;
  ASSERT_TRUE(ready.contains("http")) << out;
  const std::string http = ready["http"];
  const int port = std::stoi(http.substr(http.rfind(':') + 1));

  httplib::Client client("127.0.0.1", port);
  auto appended = client.Post("/streams/s", R"([{"type":"T"}])", "application/json");
  ASSERT_TRUE(appended);
  EXPECT_EQ(appended->status, 201);

  // A live SSE stream, read until the server ends it.
  httplib::Client sse("127.0.0.1", port);
  sse.set_read_timeout(30s);
  bool caught_up = false;
  bool signalled = false;
  auto r = sse.Get("/all", {{"Accept", "text/event-stream"}}, [&](const char* data, size_t size) {
    if (std::string_view(data, size).find("caught-up") != std::string_view::npos) caught_up = true;
    if (caught_up && !signalled) {
      signalled = true;
      server.kill(SIGTERM);
    }
    return true;
  });
  EXPECT_TRUE(caught_up);
  EXPECT_TRUE(signalled);
  const int status = server.wait();
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(HttpServe, NoHttpLeavesTheReadyLineWithGrpcOnly) {
  TempDir dir("http-serve");
  ChildProcess server({MNEMOS_BINARY, "--db", dir.path(), "serve", "--grpc", "127.0.0.1:0", "--no-http"});
  const std::string out = ready_line(server);
  ASSERT_NE(out.find('\n'), std::string::npos) << "no ready line: " << out;
  auto ready = nlohmann::json::parse(out.substr(0, out.find('\n')));
  EXPECT_TRUE(ready.contains("grpc"));
  EXPECT_FALSE(ready.contains("http"));
  server.kill(SIGTERM);
  const int status = server.wait();
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace mnemos::test
