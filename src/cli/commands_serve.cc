// serve: the server on the --db data directory, speaking the KurrentDB gRPC client protocol and
// the HTTP/JSON API (with the web UI), until SIGINT or SIGTERM; then in-flight calls finish and
// subscribers (gRPC and SSE) are ended.
#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/output.h"
#include "http/http_server.h"
#include "server/grpc_server.h"

namespace mnemos::cli {
namespace {

struct ServeArgs {
  std::vector<std::string> grpc;
  std::vector<std::string> http;
  bool no_http = false;
  bool no_batch_append = false;
  std::string backend;
};

void log(const std::string& line) {
  const auto now = std::chrono::system_clock::now();
  fmt::print(stderr, "{:%Y-%m-%dT%H:%M:%S}Z mnemos serve: {}\n", std::chrono::floor<std::chrono::seconds>(now), line);
  std::fflush(stderr);
}

// "127.0.0.1:0" with the port really bound.
std::string bound(const std::string& address, int port) {
  const auto colon = address.rfind(':');
  return (colon == std::string::npos ? address : address.substr(0, colon)) + ":" + std::to_string(port);
}

int run_serve(const CommandSet& commands, const ServeArgs& args) {
  // Block the stop signals before any thread starts, so that only sigwait() below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // A 16 MiB event must pass: its data, plus its type, id and metadata.
  Options store_options;
  store_options.max_event_size = server::GrpcOptions{}.max_message_bytes;
  if (!args.backend.empty() && !args.backend.starts_with("nats://")) {
    return report_error(Error{ErrorCode::kInvalidArgument,
                              "--backend takes a nats:// URL (nats://HOST:PORT,...)", std::nullopt,
                              std::nullopt});
  }
  if (!args.backend.empty()) log(fmt::format("catching up with the JetStream log at {}", args.backend));
  auto opened = commands.open_store(store_options, args.backend);
  if (!opened) return report_error(opened.error());
  Store& store = **opened;
  {
    server::GrpcOptions options;
    if (!args.grpc.empty()) options.addresses = args.grpc;
    options.batch_append = !args.no_batch_append;
    auto server = server::GrpcServer::start(store, options);
    if (!server) {
      fmt::print(stderr, "mnemos serve: {}\n", server.error().message);
      return 1;
    }
    std::vector<std::string> listening;
    for (size_t i = 0; i < options.addresses.size(); ++i) {
      listening.push_back(bound(options.addresses[i], (*server)->ports()[i]));
    }
    if (args.backend.empty()) {
      log(fmt::format("data directory {}, head position {}", commands.global().db, store.head().value));
    } else {
      log(fmt::format("JetStream store at {}, local copy in {}, head position {}", args.backend,
                      commands.global().db, store.head().value));
    }
    log(fmt::format("gRPC (KurrentDB client protocol) on {}", fmt::join(listening, ", ")));
    log(fmt::format("connect with kurrentdb://{}?tls=false or esdb://{}?tls=false", listening.front(),
                    listening.front()));
    std::unique_ptr<http::HttpServer> web;
    if (!args.no_http) {
      http::HttpOptions http_options;
      if (!args.http.empty()) http_options.addresses = args.http;
      http_options.max_request_bytes = store_options.max_event_size + (1u << 20);
      auto started = http::HttpServer::start(store, http_options);
      if (!started) {
        fmt::print(stderr, "mnemos serve: {}\n", started.error().message);
        (*server)->shutdown();
        return 1;
      }
      web = std::move(*started);
      const auto& addresses = web->bound_addresses();
      log(fmt::format("HTTP/JSON API on {}", fmt::join(addresses, ", ")));
      log(fmt::format("web UI on http://{}/", addresses.front()));
    }
    // Flush a line on stdout too, for scripts that wait for the server to be ready.
    if (web) {
      fmt::print("{{\"grpc\":\"{}\",\"http\":\"{}\"}}\n", listening.front(),
                 web->bound_addresses().front());
    } else {
      fmt::print("{{\"grpc\":\"{}\"}}\n", listening.front());
    }
    std::fflush(stdout);
    int signal = 0;
    sigwait(&stop_signals, &signal);
    log(fmt::format("{}: shutting down (in-flight calls finish, subscriptions end)", signal == SIGINT ? "SIGINT" : "SIGTERM"));
    if (web) web->shutdown();
    (*server)->shutdown();
    log("stopped");
    return 0;
  }
}

}  // namespace

void add_serve_command(CommandSet& commands) {
  auto [sub, args] = commands.add_with_args<ServeArgs>(
      "serve",
      "Serve the data directory over the KurrentDB (EventStoreDB) gRPC client protocol and the "
      "HTTP/JSON API with the web UI (docs/HTTP.md)",
      run_serve);
  sub->add_option("--grpc", args->grpc,
                  "ADDR:PORT to listen on (repeatable; default 127.0.0.1:2113 and [::1]:2113, loopback only)");
  sub->add_option("--http", args->http,
                  "ADDR:PORT for the HTTP/JSON API and the web UI (repeatable; default 127.0.0.1:2114, "
                  "loopback only)");
  sub->add_option("--backend", args->backend,
                  "Serve the store on a NATS JetStream cluster instead of --db alone: "
                  "nats://HOST:PORT[,...][?stream=NAME] (--db then holds this node's local copy; "
                  "docs/NATS.md)");
  sub->add_flag("--no-http", args->no_http, "Serve gRPC only: no HTTP API, no web UI");
  sub->add_flag("--no-batch-append", args->no_batch_append,
                "Do not list BatchAppend in ServerFeatures: the clients then append through Append");
}

}  // namespace mnemos::cli
