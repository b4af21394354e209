#include "support/append_ledger.h"

#include <nlohmann/json.hpp>

#include <map>
#include <random>
#include <sstream>

namespace mnemos::test {
namespace {

constexpr std::string_view kLedgerType = "Ledger";

uint64_t fnv1a(std::string_view s, uint64_t salt) {
  uint64_t h = 1469598103934665603ull ^ salt;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string expected_data(std::string_view stream, uint64_t first, uint64_t n, uint64_t i) {
  const uint64_t revision = first + i;
  const uint64_t h = fnv1a(stream, revision);
  std::string fill(h % 100, 'a');
  for (size_t k = 0; k < fill.size(); ++k) fill[k] = static_cast<char>('a' + (h >> (k % 50)) % 26);
  return "{\"stream\":\"" + std::string(stream) + "\",\"first\":" + std::to_string(first) +
         ",\"n\":" + std::to_string(n) + ",\"i\":" + std::to_string(i) + ",\"fill\":\"" + fill +
         "\"}";
}

std::string expected_metadata(std::string_view stream, uint64_t revision) {
  const uint64_t h = fnv1a(stream, ~revision);
  std::string bytes(h % 48, '\0');
  for (size_t k = 0; k < bytes.size(); ++k) bytes[k] = static_cast<char>((h >> (k % 56)) + k * 31);
  return bytes;
}

}  // namespace

std::vector<EventData> ledger_events(std::string_view stream, uint64_t first_revision, size_t n) {
  std::vector<EventData> events;
  for (size_t i = 0; i < n; ++i) {
    EventData e;
    e.type = std::string(kLedgerType);
    e.data = expected_data(stream, first_revision, n, i);
    e.metadata = expected_metadata(stream, first_revision + i);
    e.metadata_type = ContentType::kBinary;
    events.push_back(std::move(e));
  }
  return events;
}

std::string format_ack(const Ack& ack) {
  return "ack " + ack.stream + " " + std::to_string(ack.first_revision) + " " +
         std::to_string(ack.last_revision) + " " + std::to_string(ack.position);
}

std::optional<Ack> parse_ack(std::string_view line) {
  std::istringstream in{std::string(line)};
  std::string word;
  Ack ack;
  if (!(in >> word) || word != "ack") return std::nullopt;
  if (!(in >> ack.stream >> ack.first_revision >> ack.last_revision >> ack.position)) {
    return std::nullopt;
  }
  if (in >> word) return std::nullopt;  // trailing garbage
  return ack;
}

std::optional<Error> write_ledger(Store& store, const std::vector<std::string>& streams,
                                  uint64_t seed, uint64_t max_appends,
                                  const std::atomic<bool>& stop,
                                  const std::function<void(const Ack&)>& on_ack) {
  std::mt19937_64 random(seed);
  std::vector<std::optional<uint64_t>> last(streams.size());  // last revision of each stream
  for (size_t k = 0; k < streams.size(); ++k) {
    ReadStreamOptions o;
    o.direction = Direction::kBackwards;
    o.limit = 1;
    auto r = store.read_stream(streams[k], o);
    if (r && !r->events.empty()) {
      last[k] = r->events[0].revision.value;
    } else if (!r && r.error().code != ErrorCode::kNotFound) {
      return r.error();
    }
  }
  for (uint64_t done = 0; done < max_appends && !stop; ++done) {
    const size_t k = done % streams.size();
    const uint64_t first = last[k] ? *last[k] + 1 : 0;
    const size_t n = 1 + random() % 5;
    const ExpectedRevision expected =
        last[k] ? ExpectedRevision::exact(Revision{*last[k]}) : ExpectedRevision::no_stream();
    auto r = store.append(streams[k], expected, ledger_events(streams[k], first, n));
    if (!r) return r.error();
    if (r->first_revision.value != first || r->last_revision.value != first + n - 1) {
      return Error{ErrorCode::kInvalidArgument,
                   "append to " + streams[k] + " acknowledged revisions " +
                       std::to_string(r->first_revision.value) + ".." +
                       std::to_string(r->last_revision.value) + ", expected " +
                       std::to_string(first) + ".." + std::to_string(first + n - 1),
                   std::nullopt, std::nullopt};
    }
    last[k] = r->last_revision.value;
    on_ack(Ack{streams[k], first, r->last_revision.value, r->position.value});
  }
  return std::nullopt;
}

LedgerCheck check_ledger(const Store& store, const std::vector<Ack>& acks) {
  LedgerCheck check;
  auto all = store.read_all({});
  if (!all) {
    check.problem = "read_all: " + all.error().to_string();
    return check;
  }
  struct Open {
    std::string stream;
    uint64_t first = 0, n = 0, next_i = 0;
  };
  std::optional<Open> open;  // the append being read: its events are consecutive in $all
  std::map<std::string, uint64_t> next_revision;
  std::map<std::pair<std::string, uint64_t>, uint64_t> position_of;  // (stream, revision)
  auto fail = [&](const RecordedEvent& e, const std::string& what) {
    check.problem = what + " at position " + std::to_string(e.position.value) + " (stream " +
                    e.stream + " revision " + std::to_string(e.revision.value) + ")";
  };
  for (const RecordedEvent& e : all->events) {
    if (e.type != kLedgerType) continue;
    ++check.events;
    auto json = nlohmann::json::parse(e.data, nullptr, false);
    if (json.is_discarded() || !json.is_object() || !json.contains("first") ||
        !json.contains("n") || !json.contains("i")) {
      fail(e, "not a ledger event: " + e.data.substr(0, 100));
      return check;
    }
    const uint64_t first = json["first"].get<uint64_t>();
    const uint64_t n = json["n"].get<uint64_t>();
    const uint64_t i = json["i"].get<uint64_t>();
    if (e.data != expected_data(e.stream, first, n, i)) {
      fail(e, "data differs from what was appended");
      return check;
    }
    if (e.metadata != expected_metadata(e.stream, e.revision.value) ||
        e.metadata_type != ContentType::kBinary) {
      fail(e, "metadata differs from what was appended");
      return check;
    }
    if (e.revision.value != first + i) {
      fail(e, "revision does not match the append's first revision " + std::to_string(first));
      return check;
    }
    if (e.revision.value != next_revision[e.stream]) {
      fail(e, "revision gap: expected " + std::to_string(next_revision[e.stream]));
      return check;
    }
    if (open ? (open->stream != e.stream || open->first != first || open->next_i != i)
             : i != 0) {
      fail(e, "half an append: event " + std::to_string(i) + " of " + std::to_string(n));
      return check;
    }
    if (!open) open = Open{e.stream, first, n, 0};
    ++open->next_i;
    if (open->next_i == open->n) {
      open.reset();
      ++check.appends;
    }
    next_revision[e.stream] = e.revision.value + 1;
    position_of[{e.stream, e.revision.value}] = e.position.value;
  }
  if (open) {
    check.problem = "half an append at the end of the log: stream " + open->stream + " has " +
                    std::to_string(open->next_i) + " of " + std::to_string(open->n) + " events";
    return check;
  }
  // The stream reads (through the index) agree with the log.
  for (const auto& [stream, next] : next_revision) {
    auto read = store.read_stream(stream, {});
    if (!read) {
      check.problem = "read_stream " + stream + ": " + read.error().to_string();
      return check;
    }
    if (read->events.size() != next) {
      check.problem = "read_stream " + stream + " returns " + std::to_string(read->events.size()) +
                      " events, $all has " + std::to_string(next);
      return check;
    }
    for (const auto& e : read->events) {
      if (position_of[{stream, e.revision.value}] != e.position.value) {
        check.problem = "read_stream " + stream + " revision " +
                        std::to_string(e.revision.value) + " is at another position than in $all";
        return check;
      }
    }
  }
  for (const Ack& ack : acks) {
    auto it = position_of.find({ack.stream, ack.last_revision});
    if (it == position_of.end() || !position_of.contains({ack.stream, ack.first_revision})) {
      check.missing.push_back(ack);
    } else if (it->second != ack.position) {
      check.problem = "acknowledged append " + format_ack(ack) + " is at position " +
                      std::to_string(it->second);
      return check;
    }
  }
  return check;
}

}  // namespace mnemos::test
