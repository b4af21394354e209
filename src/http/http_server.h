// HttpServer: the HTTP/JSON API of docs/HTTP.md (appends, reads, SSE subscriptions, streams,
// metadata, /stats, /health, /metrics and the web UI's assets) over a Store, on one or more
// addresses. Uses only the public Store API.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "mnemos/error.h"
#include "mnemos/store.h"

namespace mnemos::http {

struct HttpOptions {
  std::vector<std::string> addresses = {"127.0.0.1:2114"};  // HOST:PORT; port 0 picks one
  size_t max_request_bytes = 17u << 20;  // a body over this is refused with 413
  size_t max_subscribers = 128;          // concurrent SSE streams; more are refused with 503
  size_t request_threads = 16;           // threads for requests other than SSE
  std::chrono::milliseconds keepalive_interval{15000};  // ": keepalive" on an idle SSE stream
  std::chrono::milliseconds poll_interval{200};  // how often an SSE stream checks for shutdown
  std::chrono::seconds write_timeout{5};  // a client that takes no bytes for this long is dropped
  uint64_t default_page = 100;            // events or streams a read returns without `limit`
  uint64_t max_page = 10000;              // `limit` is capped at this
};

class HttpServer {
 public:
  // Binds every address and starts serving. `store` must outlive the server.
  // Errors: kInvalidArgument (bad address), kIoError (cannot bind).
  static Result<std::unique_ptr<HttpServer>> start(Store& store, const HttpOptions& options);

  virtual ~HttpServer() = default;

  // "HOST:PORT" of each address as bound (the real port when 0 was asked for).
  virtual const std::vector<std::string>& bound_addresses() const = 0;

  // Stops accepting, ends SSE streams, lets requests in flight finish, joins every thread.
  // Idempotent; the destructor calls it.
  virtual void shutdown() = 0;
};

}  // namespace mnemos::http
