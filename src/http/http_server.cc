#include "http/http_server.h"

#include <sys/socket.h>

#include <charconv>
#include <chrono>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>

#include "http/context.h"
#include "http/request.h"
#include "http/routes.h"
#include "http/task_pool.h"

namespace mnemos::http {
namespace {

struct HostPort {
  std::string host;
  int port = 0;
};

// "127.0.0.1:2114", "[::1]:2114", "localhost:0".
Result<HostPort> parse_address(std::string_view address) {
  const auto colon = address.rfind(':');
  auto bad = [&] {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("bad HTTP address '{}': use HOST:PORT, e.g. 127.0.0.1:2114", address));
  };
  if (colon == std::string_view::npos || colon == 0) return bad();
  std::string_view host = address.substr(0, colon);
  if (host.starts_with('[') && host.ends_with(']')) host = host.substr(1, host.size() - 2);
  const std::string_view port_text = address.substr(colon + 1);
  int port = -1;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port < 0 || port > 65535) {
    return bad();
  }
  return HostPort{std::string(host), port};
}

// Fills the body of the errors httplib answers by itself (unknown method, 413, bad request).
httplib::Server::HandlerResponse json_error_body(const Context& ctx, const httplib::Request& req,
                                                 httplib::Response& res) {
  if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
  switch (res.status) {
    case 413:
      send_error(res, 413, ErrorCode::kTooLarge,
                 fmt::format("the request body is over the limit of {} bytes",
                             ctx.options.max_request_bytes));
      break;
    case 404:
      send_no_route(req, res);
      break;
    default:
      send_error(res, res.status, ErrorCode::kInvalidArgument,
                 fmt::format("the server could not take this request (HTTP {})", res.status));
  }
  return httplib::Server::HandlerResponse::Handled;
}

class HttpServerImpl final : public HttpServer {
 public:
  HttpServerImpl(Store& store, const HttpOptions& options)
      : ctx_(std::make_unique<Context>(store, options)) {}
  ~HttpServerImpl() override { shutdown(); }

  Status listen_on(const std::string& address) {
    auto host_port = parse_address(address);
    if (!host_port) return std::unexpected(host_port.error());
    auto server = std::make_unique<httplib::Server>();
    configure(*server);
    int port = host_port->port;
    if (port == 0) {
      port = server->bind_to_any_port(host_port->host);
    } else if (!server->bind_to_port(host_port->host, port)) {
      port = -1;
    }
    if (port < 0) {
      return make_error(ErrorCode::kIoError, fmt::format("cannot listen on {} (in use, or not an "
                                                         "address of this machine)",
                                                         address));
    }
    const bool bracket = host_port->host.find(':') != std::string::npos;
    bound_.push_back(bracket ? fmt::format("[{}]:{}", host_port->host, port)
                             : fmt::format("{}:{}", host_port->host, port));
    httplib::Server* raw = server.get();
    servers_.push_back(std::move(server));
    threads_.emplace_back([raw] { raw->listen_after_bind(); });
    // httplib's stop() does nothing until the loop runs: wait for it, so that shutdown() holds.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!raw->is_running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return {};
  }

  const std::vector<std::string>& bound_addresses() const override { return bound_; }

  void shutdown() override {
    if (stopped_) return;
    stopped_ = true;
    ctx_->subscribers.cancel_all();  // SSE streams end at their next turn
    for (auto& server : servers_) server->stop();
    for (auto& thread : threads_) thread.join();
    servers_.clear();
  }

  Context& context() { return *ctx_; }

 private:
  void configure(httplib::Server& server) {
    Context& ctx = *ctx_;
    const HttpOptions& o = ctx.options;
    const size_t threads = o.max_subscribers + o.request_threads;
    server.new_task_queue = [threads] { return new TaskPool(threads, 4 * threads); };
    server.set_payload_max_length(o.max_request_bytes);
    server.set_write_timeout(o.write_timeout);
    server.set_read_timeout(std::chrono::seconds(10));
    server.set_keep_alive_timeout(3);
    server.set_keep_alive_max_count(100000);
    server.set_tcp_nodelay(true);
    // httplib's default also sets SO_REUSEPORT, which lets a second server take a port in use.
    server.set_socket_options([](socket_t sock) {
      int yes = 1;
      setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    server.set_logger([&ctx](const httplib::Request&, const httplib::Response&) {
      ctx.counters.requests.fetch_add(1, std::memory_order_relaxed);
    });
    server.set_error_handler(httplib::Server::HandlerWithResponse(
        [&ctx](const httplib::Request& req, httplib::Response& res) {
          return json_error_body(ctx, req, res);
        }));
    server.set_exception_handler(
        [](const httplib::Request&, httplib::Response& res, std::exception_ptr e) {
          std::string what = "unknown exception";
          try {
            if (e) std::rethrow_exception(e);
          } catch (const std::exception& ex) {
            what = ex.what();
          } catch (...) {
          }
          send_error(res, 500, ErrorCode::kIoError, "internal error: " + what);
        });
    add_stream_routes(server, ctx);
    add_all_routes(server, ctx);
    add_admin_routes(server, ctx);
    add_asset_routes(server, ctx);  // last: it takes every GET the others did not
  }

  std::unique_ptr<Context> ctx_;
  std::vector<std::unique_ptr<httplib::Server>> servers_;
  std::vector<std::thread> threads_;
  std::vector<std::string> bound_;
  bool stopped_ = false;
};

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::start(Store& store, const HttpOptions& options) {
  if (options.addresses.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "no HTTP address to listen on");
  }
  auto server = std::make_unique<HttpServerImpl>(store, options);
  if (auto stats = store.stats(); stats) server->context().events_at_start = stats->events;
  for (const std::string& address : options.addresses) {
    if (auto s = server->listen_on(address); !s) return std::unexpected(s.error());
  }
  return server;
}

}  // namespace mnemos::http
