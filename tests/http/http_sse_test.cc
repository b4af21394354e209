// Subscriptions over SSE: catch-up then live, resume with Last-Event-ID, filters, and clients
// that stop reading or vanish without holding up writers.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "http_fixture.h"
#include "support/wait.h"

namespace mnemos::test {
namespace {

using namespace std::chrono_literals;

struct SseMessage {
  std::string id;
  std::string event;  // empty: a plain message
  std::string data;
};

// Reads an SSE response on its own thread and splits it into messages.
class SseReader {
 public:
  SseReader(int port, std::string path, httplib::Headers headers = {})
      : client_("127.0.0.1", port) {
    headers.emplace("Accept", "text/event-stream");
    thread_ = std::thread([this, path = std::move(path), headers = std::move(headers)] {
      auto r = client_.Get(
          path, headers,
          [this](const httplib::Response& res) {
            status_ = res.status;
            return true;
          },
          [this](const char* data, size_t size) {
            std::lock_guard lock(mu_);
            buffer_.append(data, size);
            split();
            return !stop_.load();
          });
      if (r) status_ = r->status;
      done_ = true;
    });
  }
  ~SseReader() { stop(); }

  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

  std::vector<SseMessage> messages() {
    std::lock_guard lock(mu_);
    return messages_;
  }
  // Waits until `n` messages (of any kind) have come.
  bool wait_for(size_t n, std::chrono::milliseconds timeout = 20s) {
    return wait_until([&] { return messages().size() >= n; }, timeout);
  }
  bool wait_done(std::chrono::milliseconds timeout = 20s) {
    return wait_until([&] { return done_.load(); }, timeout);
  }
  int status() const { return status_; }
  bool keepalive_seen() {
    std::lock_guard lock(mu_);
    return keepalive_;
  }

 private:
  void split() {
    for (size_t end; (end = buffer_.find("\n\n")) != std::string::npos;) {
      std::string block = buffer_.substr(0, end + 1);
      buffer_.erase(0, end + 2);
      SseMessage m;
      bool any = false;
      for (size_t start = 0; start < block.size();) {
        const size_t nl = block.find('\n', start);
        const std::string line = block.substr(start, nl - start);
        start = nl + 1;
        if (line.starts_with(":")) {
          keepalive_ = true;
        } else if (line.starts_with("id: ")) {
          m.id = line.substr(4), any = true;
        } else if (line.starts_with("event: ")) {
          m.event = line.substr(7), any = true;
        } else if (line.starts_with("data: ")) {
          m.data = line.substr(6), any = true;
        }
      }
      if (any) messages_.push_back(std::move(m));
    }
  }

  httplib::Client client_;
  std::thread thread_;
  std::mutex mu_;
  std::string buffer_;
  std::vector<SseMessage> messages_;
  bool keepalive_ = false;
  std::atomic<bool> stop_{false};
  std::atomic<bool> done_{false};
  std::atomic<int> status_{0};
};

std::vector<SseMessage> events_only(const std::vector<SseMessage>& all) {
  std::vector<SseMessage> out;
  for (const auto& m : all) {
    if (m.event.empty()) out.push_back(m);
  }
  return out;
}

TEST_F(HttpTest, StreamSubscriptionCatchesUpThenGoesLive) {
  append_direct("s", "Old", R"({"i":0})");
  append_direct("s", "Old", R"({"i":1})");
  SseReader reader(port_, "/streams/s");
  ASSERT_TRUE(reader.wait_for(3));  // two events, then caught-up
  auto messages = reader.messages();
  EXPECT_EQ(messages[0].id, "0");
  EXPECT_EQ(messages[1].id, "1");
  EXPECT_EQ(Json::parse(messages[1].data)["data"]["i"], 1);
  EXPECT_EQ(messages[2].event, "caught-up");
  EXPECT_EQ(Json::parse(messages[2].data)["position"], store_->head().value);
  ASSERT_EQ(post("/streams/s", R"([{"type":"New","data":{"i":2}}])")->status, 201);
  ASSERT_TRUE(reader.wait_for(4));
  messages = reader.messages();
  EXPECT_EQ(messages[3].id, "2");
  EXPECT_EQ(Json::parse(messages[3].data)["type"], "New");
  EXPECT_EQ(reader.status(), 200);
}

TEST_F(HttpTest, StreamSubscriptionResumesAfterLastEventId) {
  for (int i = 0; i < 5; ++i) append_direct("r", "T", "{\"i\":" + std::to_string(i) + "}");
  SseReader reader(port_, "/streams/r", {{"Last-Event-ID", "2"}});
  ASSERT_TRUE(reader.wait_for(3));
  auto events = events_only(reader.messages());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].id, "3");
  EXPECT_EQ(events[1].id, "4");
}

TEST_F(HttpTest, AllSubscriptionUsesPositionsAndFilters) {
  append_direct("cart-1", "ItemAdded");
  append_direct("order-1", "OrderPlaced");
  SseReader reader(port_, "/all?stream_prefix=cart-");
  ASSERT_TRUE(reader.wait_for(2));  // cart-1's event, caught-up
  append_direct("order-2", "OrderPlaced");
  append_direct("cart-2", "ItemAdded");
  ASSERT_TRUE(reader.wait_for(3));
  auto events = events_only(reader.messages());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(Json::parse(events[0].data)["stream"], "cart-1");
  EXPECT_EQ(Json::parse(events[1].data)["stream"], "cart-2");
  EXPECT_EQ(events[1].id, std::to_string(store_->head().value));

  // Resuming $all after the first event's position skips it.
  SseReader resumed(port_, "/all?stream_prefix=cart-", {{"Last-Event-ID", events[0].id}});
  ASSERT_TRUE(resumed.wait_for(2));
  auto again = events_only(resumed.messages());
  ASSERT_GE(again.size(), 1u);
  EXPECT_EQ(Json::parse(again[0].data)["stream"], "cart-2");
}

TEST_F(HttpTest, FromEndSkipsTheCatchUp) {
  append_direct("e", "Old");
  SseReader reader(port_, "/streams/e?from=end");
  ASSERT_TRUE(reader.wait_for(1));
  EXPECT_EQ(reader.messages()[0].event, "caught-up");
  append_direct("e", "New");
  ASSERT_TRUE(reader.wait_for(2));
  EXPECT_EQ(Json::parse(reader.messages()[1].data)["type"], "New");
}

TEST_F(HttpTest, IdleSubscriptionGetsKeepalives) {
  SseReader reader(port_, "/all?from=end");
  EXPECT_TRUE(wait_until([&] { return reader.keepalive_seen(); }, 10s));
}

TEST_F(HttpTest, SubscriptionsAreCountedAndBounded) {
  std::vector<std::unique_ptr<SseReader>> readers;
  for (size_t i = 0; i < test_options().max_subscribers; ++i) {
    readers.push_back(std::make_unique<SseReader>(port_, "/all"));
  }
  for (auto& r : readers) ASSERT_TRUE(r->wait_for(1));
  EXPECT_EQ(body_of(get("/stats"))["subscriptions"], test_options().max_subscribers);
  auto refused = client().Get("/all", {{"Accept", "text/event-stream"}});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  readers.clear();
  EXPECT_TRUE(wait_until([&] { return body_of(get("/stats"))["subscriptions"] == 0; }, 10s));
}

// A raw connection that asks for SSE and then never reads.
int open_silent_subscriber(int port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int small = 4096;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return -1;
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n";
  if (::write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) return -1;
  return fd;
}

TEST_F(HttpTest, AClientThatStopsReadingDoesNotBlockAppendsAndIsDropped) {
  const int fd = open_silent_subscriber(port_, "/all");
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(wait_until([&] { return body_of(get("/stats"))["subscriptions"] == 1; }, 10s));
  // Far more than the socket buffers hold: the subscriber falls behind, writers do not.
  const std::string data = "{\"fill\":\"" + std::string(4000, 'x') + "\"}";
  std::vector<EventData> batch;
  for (int i = 0; i < 50; ++i) batch.push_back(EventData{{}, "Big", data, "", {}, {}});
  for (int i = 0; i < 40; ++i) {
    auto r = store_->append("big", ExpectedRevision::any(), batch);
    ASSERT_TRUE(r) << r.error().to_string();
  }
  EXPECT_EQ(post("/streams/after", R"([{"type":"T"}])")->status, 201);
  // The server gives up on it after the write timeout.
  EXPECT_TRUE(wait_until([&] { return body_of(get("/stats"))["subscriptions"] == 0; }, 20s));
  ::close(fd);
}

TEST_F(HttpTest, AVanishedClientIsDroppedAndAppendsGoOn) {
  const int fd = open_silent_subscriber(port_, "/all");
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(wait_until([&] { return body_of(get("/stats"))["subscriptions"] == 1; }, 10s));
  ::close(fd);
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(post("/streams/v", R"([{"type":"T"}])")->status, 201);
  }
  EXPECT_TRUE(wait_until([&] { return body_of(get("/stats"))["subscriptions"] == 0; }, 20s));
}

TEST_F(HttpTest, ShutdownEndsLiveSubscriptions) {
  SseReader reader(port_, "/all");
  ASSERT_TRUE(reader.wait_for(1));
  server_->shutdown();
  EXPECT_TRUE(reader.wait_done());
}

TEST_F(HttpTest, TombstoningTheStreamEndsItsSubscriptionWithAnError) {
  append_direct("t", "T");
  SseReader reader(port_, "/streams/t");
  ASSERT_TRUE(reader.wait_for(2));
  ASSERT_EQ(client().Delete("/streams/t?hard=true")->status, 204);
  ASSERT_TRUE(reader.wait_done());
  auto messages = reader.messages();
  ASSERT_GE(messages.size(), 3u);
  EXPECT_EQ(messages.back().event, "error");
  EXPECT_EQ(Json::parse(messages.back().data)["error"]["code"], "stream_deleted");
}

}  // namespace
}  // namespace mnemos::test
