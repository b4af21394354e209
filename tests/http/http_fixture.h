// A fresh embedded store served over HTTP on 127.0.0.1 (a free port), and a client for it.
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "http/http_server.h"
#include "mnemos/embedded.h"
#include "support/temp_dir.h"

namespace mnemos::test {

using Json = nlohmann::json;

class HttpTest : public ::testing::Test {
 protected:
  // Small limits so that the tests reach them quickly.
  static http::HttpOptions test_options() {
    http::HttpOptions o;
    o.addresses = {"127.0.0.1:0"};
    o.max_request_bytes = 64 << 10;
    o.max_subscribers = 8;
    o.request_threads = 8;
    o.keepalive_interval = std::chrono::milliseconds(100);
    o.poll_interval = std::chrono::milliseconds(50);
    o.write_timeout = std::chrono::seconds(2);
    o.default_page = 100;
    return o;
  }

  void SetUp() override { start(test_options()); }
  void TearDown() override {
    if (server_) server_->shutdown();
  }

  void start(const http::HttpOptions& options) {
    if (server_) server_->shutdown();
    server_.reset();
    if (!store_) {
      auto opened = open_embedded(dir_.path());
      ASSERT_TRUE(opened) << opened.error().to_string();
      store_ = std::move(*opened);
    }
    auto started = http::HttpServer::start(*store_, options);
    ASSERT_TRUE(started) << started.error().to_string();
    server_ = std::move(*started);
    address_ = server_->bound_addresses().front();
    const auto colon = address_.rfind(':');
    port_ = std::stoi(address_.substr(colon + 1));
  }

  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(std::chrono::seconds(20));
    return c;
  }

  // POST /streams/{stream} with `body` (and the Expected-Revision header when not empty).
  httplib::Result post(const std::string& path, const std::string& body,
                       const std::string& expected = "") {
    httplib::Headers headers;
    if (!expected.empty()) headers.emplace("Expected-Revision", expected);
    return client().Post(path, headers, body, "application/json");
  }

  httplib::Result get(const std::string& path) { return client().Get(path); }

  // The body as JSON (null JSON when it is not).
  static Json body_of(const httplib::Result& r) {
    if (!r) return Json();
    return Json::parse(r->body, nullptr, /*allow_exceptions=*/false);
  }

  // Appends one event of `type` with `data` to `stream` through the store.
  void append_direct(const std::string& stream, const std::string& type,
                     const std::string& data = "{}") {
    auto r = store_->append(stream, ExpectedRevision::any(), {EventData{{}, type, data, "", {}, {}}});
    ASSERT_TRUE(r) << r.error().to_string();
  }

  TempDir dir_{"http"};
  std::unique_ptr<Store> store_;
  std::unique_ptr<http::HttpServer> server_;
  std::string address_;
  int port_ = 0;
};

}  // namespace mnemos::test
