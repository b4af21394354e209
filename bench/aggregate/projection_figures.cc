// Projection throughput into SQLite and the time to rebuild, beside the time to simply read the
// same events (and to read and decode them), so that the projection's own cost shows as a ratio.
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "aggregate_bench.h"
#include "cart.h"
#include "mnemos/cqrs/projection_runner.h"
#include "mnemos/cqrs/sqlite_read_model.h"

namespace mnemos::bench::aggregate {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void check(const Status& s, const char* what) {
  if (!s) throw std::runtime_error(fmt::format("{}: {}", what, s.error().to_string()));
}

// The simplest projection: one row per event (position, stream, type), no decoding.
class EventRowsProjection final : public cqrs::Projection {
 public:
  std::string_view name() const override { return "bench-event-rows"; }
  EventFilter filter() const override { return EventFilter{"", "cart-"}; }
  Status setup(cqrs::SqlSession& db) override {
    return db.execute("CREATE TABLE IF NOT EXISTS event_rows(position INTEGER PRIMARY KEY, stream TEXT, type TEXT)");
  }
  Status apply(cqrs::SqlSession& db, const RecordedEventView& e) override {
    return db.execute("INSERT INTO event_rows VALUES(?, ?, ?)", {e.position.value, e.stream, e.type});
  }
  Status drop(cqrs::SqlSession& db) override { return db.execute("DROP TABLE IF EXISTS event_rows"); }
};

// A read model a shop would keep: per cart, the number of items and of lines, from the typed
// cart events (JSON decoded into cart::Event, then one upsert per event). Keyed by text, so
// WITHOUT ROWID: one B-tree to update instead of a table and its key index.
class CartTotalsProjection final : public cqrs::TypedProjection<cart::Event> {
 public:
  std::string_view name() const override { return "bench-cart-totals"; }
  EventFilter filter() const override { return EventFilter{"", "cart-"}; }
  Status setup(cqrs::SqlSession& db) override {
    return db.execute(
        "CREATE TABLE IF NOT EXISTS cart_totals(cart TEXT PRIMARY KEY, items INTEGER NOT NULL, "
        "lines INTEGER NOT NULL, checked_out INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID");
  }
  Status drop(cqrs::SqlSession& db) override { return db.execute("DROP TABLE IF EXISTS cart_totals"); }

 protected:
  Status on(cqrs::SqlSession& db, const cart::Event& event, const RecordedEventView& e) override {
    if (const auto* added = std::get_if<cart::ItemAdded>(&event)) {
      return db.execute(
          "INSERT INTO cart_totals(cart, items, lines) VALUES(?, ?, 1) ON CONFLICT(cart) DO UPDATE SET "
          "items = items + excluded.items, lines = lines + 1",
          {e.stream, added->quantity});
    }
    if (std::holds_alternative<cart::CheckedOut>(event)) {
      return db.execute("UPDATE cart_totals SET checked_out = 1 WHERE cart = ?", {e.stream});
    }
    return {};  // removals and changes: not in this benchmark's events
  }
};

// Fills the store with `events` cart.item-added events: carts of 100 events, one append each.
void fill(Store& store, uint64_t events) {
  const uint64_t per_cart = 100;
  for (uint64_t c = 0; c * per_cart < events; ++c) {
    std::vector<EventData> batch;
    for (uint64_t i = 0; i < per_cart && c * per_cart + i < events; ++i) {
      auto data = cqrs::encode_event(cart::ItemAdded{fmt::format("SKU-{:05d}", (c * 7919 + i) % 100000),
                                                     static_cast<int>(1 + i % 5)});
      if (!data) throw std::runtime_error(data.error().to_string());
      batch.push_back(std::move(*data));
    }
    auto appended = store.append(fmt::format("cart-{:07d}", c), ExpectedRevision::no_stream(), std::move(batch));
    if (!appended) throw std::runtime_error("fill: " + appended.error().to_string());
  }
}

// Time to catch `projection` up on every event from nothing (a fresh read model file).
double time_catch_up(Store& store, const std::string& path, cqrs::Projection& projection, uint64_t batch_size,
                     uint64_t expected_events) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix, ec);
  auto model = cqrs::open_sqlite_read_model(path);
  if (!model) throw std::runtime_error(model.error().to_string());
  cqrs::RunnerOptions options;
  options.batch_size = batch_size;
  cqrs::ProjectionRunner runner(store, **model, projection, options);
  const auto start = Clock::now();
  auto applied = runner.catch_up();
  const double seconds = seconds_since(start);
  if (!applied) throw std::runtime_error(fmt::format("{}: {}", projection.name(), applied.error().to_string()));
  if (*applied != expected_events) {
    throw std::runtime_error(fmt::format("{} applied {} events, expected {}", projection.name(), *applied, expected_events));
  }
  return seconds;
}

}  // namespace

ProjectionFigures measure_projection(Store& store, const std::string& dir, uint64_t events, uint64_t batch_size) {
  ProjectionFigures f;
  f.events = events;
  f.batch_size = batch_size;
  auto start = Clock::now();
  fill(store, events);
  f.fill_seconds = seconds_since(start);

  // Reading alone: every event of $all in pages of batch_size, in place.
  ReadAllOptions read;
  read.filter.stream_prefix = "cart-";
  read.limit = batch_size;
  auto scan = [&](const std::function<void(const RecordedEventView&)>& visit) {
    ReadAllOptions page = read;
    uint64_t seen = 0;
    while (true) {
      auto r = store.scan_all(page, visit);
      check(r ? Status{} : std::unexpected(r.error()), "scan_all");
      seen += r->events;
      if (!r->next) break;
      page.from = r->next;
    }
    if (seen != events) throw std::runtime_error(fmt::format("scan saw {} events, expected {}", seen, events));
  };
  start = Clock::now();
  uint64_t bytes = 0;
  scan([&](const RecordedEventView& e) { bytes += e.data.size(); });
  f.read_seconds = seconds_since(start);

  // Reading and decoding each event into cart::Event: the least a typed projection does.
  start = Clock::now();
  uint64_t quantity = 0;
  scan([&](const RecordedEventView& e) {
    auto decoded = cqrs::Codec<cart::Event>::decode(e);
    if (decoded && *decoded) quantity += static_cast<uint64_t>(std::get<cart::ItemAdded>(**decoded).quantity);
  });
  f.decode_seconds = seconds_since(start);
  if (quantity == 0 || bytes == 0) throw std::runtime_error("nothing read");

  const std::string path = dir + "/projection-bench.sqlite";
  EventRowsProjection rows;
  f.rows_seconds = time_catch_up(store, path, rows, batch_size, events);
  CartTotalsProjection totals;
  f.totals_seconds = time_catch_up(store, path, totals, batch_size, events);

  // Rebuild: drop the tables and replay everything, on the read model that has it all.
  auto model = cqrs::open_sqlite_read_model(path);
  if (!model) throw std::runtime_error(model.error().to_string());
  cqrs::RunnerOptions options;
  options.batch_size = batch_size;
  cqrs::ProjectionRunner runner(store, **model, totals, options);
  start = Clock::now();
  auto rebuilt = runner.rebuild();
  f.rebuild_seconds = seconds_since(start);
  if (!rebuilt || *rebuilt != events) throw std::runtime_error("rebuild did not replay every event");
  auto carts = (*model)->query("SELECT count(*), sum(lines) FROM cart_totals");
  if (!carts || carts->front().integer(1) != static_cast<int64_t>(events)) {
    throw std::runtime_error("the rebuilt read model does not hold every event");
  }
  return f;
}

nlohmann::json to_json(const ProjectionFigures& f) {
  auto rate = [&](double s) { return s > 0 ? static_cast<double>(f.events) / s : 0; };
  return {{"events", f.events},
          {"batch_size", f.batch_size},
          {"fill_s", f.fill_seconds},
          {"read_s", f.read_seconds},
          {"read_events_per_s", rate(f.read_seconds)},
          {"read_decode_s", f.decode_seconds},
          {"read_decode_events_per_s", rate(f.decode_seconds)},
          {"event_rows_s", f.rows_seconds},
          {"event_rows_events_per_s", rate(f.rows_seconds)},
          {"cart_totals_s", f.totals_seconds},
          {"cart_totals_events_per_s", rate(f.totals_seconds)},
          {"rebuild_s", f.rebuild_seconds}};
}

}  // namespace mnemos::bench::aggregate
