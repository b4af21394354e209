// /stats, /health, /metrics, the web UI's files, and `mnemos serve` with its ready line.
#include <algorithm>
#include <map>
#include <sstream>

#include "http_fixture.h"

namespace mnemos::test {
namespace {

TEST_F(HttpTest, HealthIsOk) {
  for (const char* url : {"/health/live", "/health/ready"}) {
    auto r = get(url);
    ASSERT_TRUE(r) << url;
    EXPECT_EQ(r->status, 200) << url;
    EXPECT_EQ(body_of(r)["status"], "ok") << url;
  }
}

TEST_F(HttpTest, StatsCountAppendsReadsAndSyncs) {
  ASSERT_EQ(post("/streams/s", R"([{"type":"T"},{"type":"T"}])")->status, 201);
  ASSERT_EQ(get("/streams/s")->status, 200);
  ASSERT_EQ(get("/all")->status, 200);
  Json stats = body_of(get("/stats"));
  for (const char* key : {"events", "streams", "log_bytes", "index_bytes", "segments",
                          "head_position", "appends", "events_appended", "reads", "syncs",
                          "sync_latency_us", "subscriptions", "uptime_seconds"}) {
    EXPECT_TRUE(stats.contains(key)) << key << " missing in " << stats.dump();
  }
  EXPECT_EQ(stats["events"], 2);
  EXPECT_EQ(stats["events_appended"], 2);
  EXPECT_EQ(stats["appends"], 1);
  EXPECT_EQ(stats["reads"], 2);
  EXPECT_GE(stats["syncs"].get<int>(), 1);
  EXPECT_EQ(stats["head_position"], store_->head().value);
  const Json& latency = stats["sync_latency_us"];
  EXPECT_GE(latency["count"].get<int>(), 1);
  EXPECT_LE(latency["p50"].get<uint64_t>(), latency["p99"].get<uint64_t>());
  EXPECT_GT(latency["p99"].get<uint64_t>(), 0u);
}

// name{labels} -> value, for every sample line; fails the test on a line that does not parse.
std::map<std::string, double> parse_prometheus(const std::string& text) {
  std::map<std::string, double> samples;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') {
      if (!line.empty()) {
        EXPECT_TRUE(line.starts_with("# HELP ") || line.starts_with("# TYPE ")) << line;
      }
      continue;
    }
    const auto space = line.rfind(' ');
    EXPECT_NE(space, std::string::npos) << line;
    if (space == std::string::npos) continue;
    const std::string name = line.substr(0, space);
    size_t used = 0;
    const double value = std::stod(line.substr(space + 1), &used);
    EXPECT_EQ(used, line.size() - space - 1) << line;
    EXPECT_TRUE(samples.emplace(name, value).second) << "twice: " << name;
  }
  return samples;
}

TEST_F(HttpTest, MetricsParseAsPrometheusText) {
  ASSERT_EQ(post("/streams/s", R"([{"type":"T"}])")->status, 201);
  ASSERT_EQ(get("/streams/s")->status, 200);
  auto r = get("/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->get_header_value("Content-Type").find("text/plain"), std::string::npos);
  auto samples = parse_prometheus(r->body);
  EXPECT_EQ(samples["mnemos_appends_total"], 1);
  EXPECT_EQ(samples["mnemos_events_appended_total"], 1);
  EXPECT_EQ(samples["mnemos_reads_total"], 1);
  EXPECT_EQ(samples["mnemos_subscriptions"], 0);
  EXPECT_GE(samples["mnemos_fsyncs_total"], 1);
  const double count = samples["mnemos_fsync_seconds_count"];
  EXPECT_GE(count, 1);
  EXPECT_EQ(samples["mnemos_fsync_seconds_bucket{le=\"+Inf\"}"], count);
  // Buckets are cumulative: in the order of their bounds, counts never go down.
  std::vector<std::pair<double, double>> buckets;  // le, count
  const std::string prefix = "mnemos_fsync_seconds_bucket{le=\"";
  for (const auto& [name, value] : samples) {
    if (!name.starts_with(prefix) || name.find("+Inf") != std::string::npos) continue;
    buckets.emplace_back(std::stod(name.substr(prefix.size())), value);
  }
  std::sort(buckets.begin(), buckets.end());
  EXPECT_GE(buckets.size(), 10u);
  for (size_t i = 1; i < buckets.size(); ++i) EXPECT_LE(buckets[i - 1].second, buckets[i].second);
  if (!buckets.empty()) {
    EXPECT_LE(buckets.back().second, count);
  }
  EXPECT_TRUE(samples.contains("mnemos_fsync_seconds_sum"));
  EXPECT_TRUE(samples.contains("mnemos_subscription_lag_bytes"));
}

TEST_F(HttpTest, RootServesTheWebUiOr404) {
  auto r = get("/");
  ASSERT_TRUE(r);
  if (r->status == 200) {
    EXPECT_NE(r->get_header_value("Content-Type").find("text/html"), std::string::npos);
  } else {
    EXPECT_EQ(r->status, 404);
    EXPECT_EQ(body_of(r)["error"]["code"], "not_found");
  }
}

TEST_F(HttpTest, ABadAddressIsRefused) {
  http::HttpOptions options = test_options();
  options.addresses = {"no-port"};
  auto started = http::HttpServer::start(*store_, options);
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().code, ErrorCode::kInvalidArgument);
  options.addresses = {address_};  // already taken by the fixture's server
  started = http::HttpServer::start(*store_, options);
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().code, ErrorCode::kIoError);
}

}  // namespace
}  // namespace mnemos::test
