// The JetStream store under faults, on a real 3-node cluster: writers with idempotent retries on
// two Mnemos nodes (this process, and a child process started from this binary), SIGKILL of the
// stream's leader (then its restart), SIGKILL of the child node (then its restart). Afterwards
// every acknowledged event is there exactly once, in order, with contiguous revisions; a live
// subscriber saw the log with no gap and no duplicate; a fresh node rebuilds the same copy. The
// longest write pause is reported. About a minute.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "mnemos/jetstream.h"
#include "nats/jetstream.h"
#include "store_conformance.h"
#include "support/child_process.h"
#include "support/temp_dir.h"
#include "test_cluster.h"

namespace mnemos::conformance {
namespace {

using Clock = std::chrono::steady_clock;

struct Ack {
  std::string stream;
  uint64_t revision = 0;
  std::string id;
  Clock::time_point at;
};

std::unique_ptr<Store> open_node(const std::string& urls, const std::string& stream,
                                 const std::string& dir) {
  JetStreamOptions o;
  o.urls = urls;
  o.stream = stream;
  o.local_dir = dir;
  o.timeout = std::chrono::seconds(3);  // a retry after a lost leader comes sooner
  // A node that starts while the cluster recovers from a lost server may find JetStream's API
  // unanswered for a while (meta leader election): it tries again, as a supervisor would.
  const auto give_up = Clock::now() + std::chrono::seconds(20);
  for (;;) {
    auto store = open_jetstream(o);
    if (store) return std::move(*store);
    std::fprintf(stderr, "open_jetstream: %s\n", store.error().to_string().c_str());
    if (Clock::now() >= give_up) return nullptr;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

// One writer owns `stream`: single-event appends at exact expected revisions until `deadline`.
// A failed append is retried with the same event (same id, same expected revision) until it is
// acknowledged: the store recognises a retry of a write that did land and answers with the
// original result. Returns false on an outcome that must not happen.
bool write_until(Store& store, const std::string& stream, Clock::time_point deadline,
                 const std::function<void(const Ack&)>& on_ack, std::string& problem) {
  uint64_t next = 0;
  auto last = store.read_stream(stream, ReadStreamOptions{.direction = Direction::kBackwards, .limit = 1});
  if (last && !last->events.empty()) next = last->events[0].revision.value + 1;
  while (Clock::now() < deadline) {
    EventData event = json_event("Written", fmt::format(R"({{"n":{}}})", next));
    event.id = Uuid::random();
    const ExpectedRevision expected =
        next == 0 ? ExpectedRevision::no_stream() : ExpectedRevision::exact(Revision{next - 1});
    for (;;) {
      auto r = store.append(stream, expected, {event});
      if (r) {
        if (r->first_revision.value != next) {
          problem = fmt::format("{}: acknowledged at revision {}, expected {}", stream,
                                r->first_revision.value, next);
          return false;
        }
        on_ack({stream, next, event.id->to_string(), Clock::now()});
        ++next;
        break;
      }
      if (r.error().code == ErrorCode::kWrongExpectedRevision) {
        problem = fmt::format("{}: {}", stream, r.error().to_string());
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // timeout, no leader: retry
    }
  }
  return true;
}

// The child node: `--node URLS STREAM DIR PREFIX SECONDS`, two writers; prints "ack S R ID".
int run_child_node(char** argv) {
  auto store = open_node(argv[2], argv[3], argv[4]);
  if (!store) return 1;
  const auto deadline = Clock::now() + std::chrono::seconds(std::atoi(argv[6]));
  std::mutex out_mu;
  std::atomic<bool> ok{true};
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&, w] {
      std::string problem;
      bool fine = write_until(*store, fmt::format("{}-{}", argv[5], w), deadline,
                              [&](const Ack& a) {
                                std::lock_guard lock(out_mu);
                                std::printf("ack %s %lu %s\n", a.stream.c_str(),
                                            static_cast<unsigned long>(a.revision), a.id.c_str());
                                std::fflush(stdout);
                              },
                              problem);
      if (!fine) {
        std::fprintf(stderr, "child writer: %s\n", problem.c_str());
        ok = false;
      }
    });
  }
  for (auto& t : writers) t.join();
  return ok ? 0 : 1;
}

class ChildNode {
 public:
  ChildNode(const std::string& urls, const std::string& stream, const std::string& dir, int seconds)
      : child_({test::ChildProcess::self_path(), "--node", urls, stream, dir, "b", std::to_string(seconds)}),
        reader_([this] {
          std::string buffer;
          while (child_.read_until(Clock::now() + std::chrono::seconds(1), buffer) || !buffer.empty()) {
            size_t nl;
            while ((nl = buffer.find('\n')) != std::string::npos) {
              std::istringstream line(buffer.substr(0, nl));
              buffer.erase(0, nl + 1);
              std::string word;
              Ack a;
              if (line >> word >> a.stream >> a.revision >> a.id && word == "ack") {
                a.at = Clock::now();
                std::lock_guard lock(mu_);
                acks_.push_back(a);
              }
            }
            if (done_) break;
          }
        }) {}
  ~ChildNode() { finish(); }
  void kill() { child_.kill(SIGKILL); }
  int finish() {
    if (reader_.joinable()) {
      status_ = child_.wait();
      done_ = true;
      reader_.join();
    }
    return status_;
  }
  std::vector<Ack> acks() {
    std::lock_guard lock(mu_);
    return acks_;
  }

 private:
  test::ChildProcess child_;
  std::mutex mu_;
  std::vector<Ack> acks_;
  std::atomic<bool> done_{false};
  int status_ = 0;
  std::thread reader_;
};

// SIGKILLs the server that leads `stream`; returns its node number (1..3), 0 when unknown.
int kill_stream_leader(const std::string& stream) {
  nats::ConnectOptions co;
  co.urls = nats::test::TestCluster::urls();
  auto c = nats::Connection::connect(co);
  if (!c) return 0;
  auto info = (*c)->stream_info(stream);
  if (!info || !info->leader.starts_with("mnemos-n")) return 0;
  int node = info->leader.back() - '0';
  std::ifstream pid_file(fmt::format("{}/n{}.pid", nats::test::TestCluster::dir(), node));
  pid_t pid = 0;
  pid_file >> pid;
  if (pid <= 0 || ::kill(pid, SIGKILL) != 0) return 0;
  return node;
}

void restart_server(int node) {
  const std::string& dir = nats::test::TestCluster::dir();
  (void)std::system(fmt::format("nats-server -c '{0}/n{1}.conf' -l '{0}/n{1}.log' -P '{0}/n{1}.pid' "
                                "</dev/null >/dev/null 2>&1 &",
                                dir, node)
                        .c_str());
}

TEST(JetStreamFaults, AcknowledgedWritesSurviveALostLeaderAndALostNode) {
  ASSERT_TRUE(nats::test::TestCluster::start(MNEMOS_NATS_TEST_DIR)) << "the cluster did not start";
  test::TempDir dir("jetstream-faults");
  const std::string urls = nats::test::TestCluster::urls();
  const std::string stream = "FAULTS";
  auto a = open_node(urls, stream, dir.path() + "/a");
  ASSERT_TRUE(a);

  // A live subscriber on node a, from the start of $all.
  std::atomic<bool> stop{false};
  std::vector<RecordedEvent> live;
  std::optional<Error> live_error;
  auto sub = a->subscribe_all({});
  ASSERT_TRUE(sub.has_value());
  std::thread subscriber([&] {
    while (!stop) {
      auto m = (*sub)->next(std::chrono::milliseconds(100));
      if (!m) {
        live_error = m.error();
        return;
      }
      if (*m && std::holds_alternative<RecordedEvent>(**m)) live.push_back(std::get<RecordedEvent>(**m));
    }
  });

  std::mutex acks_mu;
  std::vector<Ack> acks;
  std::vector<std::string> problems;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::seconds(24);
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&, w] {
      std::string problem;
      if (!write_until(*a, fmt::format("a-{}", w), deadline,
                       [&](const Ack& ack) {
                         std::lock_guard lock(acks_mu);
                         acks.push_back(ack);
                       },
                       problem)) {
        std::lock_guard lock(acks_mu);
        problems.push_back(problem);
      }
    });
  }
  auto child = std::make_unique<ChildNode>(urls, stream, dir.path() + "/b", 22);

  std::this_thread::sleep_for(std::chrono::seconds(4));
  const int leader = kill_stream_leader(stream);
  EXPECT_NE(leader, 0) << "could not find and kill the stream leader";
  std::this_thread::sleep_for(std::chrono::seconds(4));
  if (leader != 0) restart_server(leader);
  std::this_thread::sleep_for(std::chrono::seconds(3));
  child->kill();
  child->finish();
  std::vector<Ack> child_acks = child->acks();
  const auto left = std::chrono::duration_cast<std::chrono::seconds>(deadline - Clock::now()).count();
  child = std::make_unique<ChildNode>(urls, stream, dir.path() + "/b", static_cast<int>(std::max<int64_t>(left, 2)));
  for (auto& t : writers) t.join();
  EXPECT_EQ(child->finish(), 0) << "the restarted child node's writers failed (see its stderr)";
  for (const Ack& ack : child->acks()) child_acks.push_back(ack);
  EXPECT_TRUE(problems.empty()) << fmt::format("{}", fmt::join(problems, "; "));

  // Node a has applied everything once its head stops moving.
  Position head = a->head();
  for (int i = 0; i < 50; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (a->head() == head) break;
    head = a->head();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  stop = true;
  subscriber.join();
  EXPECT_FALSE(live_error.has_value()) << live_error->to_string();

  auto all = a->read_all({});
  ASSERT_TRUE(all.has_value());
  const auto& events = all->events;
  std::vector<Ack> every = acks;
  every.insert(every.end(), child_acks.begin(), child_acks.end());
  ASSERT_GT(acks.size(), 20u);
  ASSERT_GT(child_acks.size(), 10u);

  // Every acknowledged event exactly once, where it was acknowledged.
  std::map<std::string, int> count_by_id;
  std::map<std::string, std::pair<std::string, uint64_t>> place_by_id;
  for (const RecordedEvent& e : events) {
    ++count_by_id[e.id.to_string()];
    place_by_id[e.id.to_string()] = {e.stream, e.revision.value};
  }
  for (const Ack& ack : every) {
    ASSERT_EQ(count_by_id[ack.id], 1) << "acknowledged event " << ack.id << " of " << ack.stream;
    EXPECT_EQ(place_by_id[ack.id], std::make_pair(ack.stream, ack.revision));
  }
  for (const auto& [id, n] : count_by_id) EXPECT_EQ(n, 1) << "event " << id << " stored twice";
  // Contiguous revisions per stream, positions increasing.
  std::map<std::string, uint64_t> next_revision;
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].revision.value, next_revision[events[i].stream]++) << describe(events[i]);
    if (i > 0) {
      EXPECT_GT(events[i].position, events[i - 1].position);
    }
  }
  // The live subscriber saw exactly the log: no gap, no duplicate, same order.
  EXPECT_TRUE(same_events(live, events));
  // A fresh node rebuilds the same copy from the log after all of that.
  auto fresh = open_node(urls, stream, dir.path() + "/c");
  ASSERT_TRUE(fresh);
  auto again = fresh->read_all({});
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(same_events(again->events, events));

  std::sort(every.begin(), every.end(), [](const Ack& x, const Ack& y) { return x.at < y.at; });
  Clock::duration pause{};
  for (size_t i = 1; i < every.size(); ++i) pause = std::max(pause, every[i].at - every[i - 1].at);
  const auto pause_ms = std::chrono::duration_cast<std::chrono::milliseconds>(pause).count();
  std::printf("acknowledged %zu appends (node a %zu, node b %zu), %zu events in the log; "
              "killed leader n%d; longest write pause %ld ms\n",
              every.size(), acks.size(), child_acks.size(), events.size(), leader,
              static_cast<long>(pause_ms));
  RecordProperty("longest_write_pause_ms", static_cast<int>(pause_ms));
  fresh.reset();
  a.reset();
  nats::test::TestCluster::stop();
}

}  // namespace
}  // namespace mnemos::conformance

int main(int argc, char** argv) {
  if (argc == 7 && std::string_view(argv[1]) == "--node") return mnemos::conformance::run_child_node(argv);
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
