#include "sqlite_peer.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "system_probe.h"

namespace mnemos::bench {
namespace {

constexpr int kBusyTimeoutMs = 60'000;

[[noreturn]] void fail(sqlite3* db, std::string_view what) {
  throw BenchFailure(fmt::format("sqlite: {}: {}", what, db ? sqlite3_errmsg(db) : "no handle"));
}

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Db = std::unique_ptr<sqlite3, DbCloser>;

struct StmtFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using Stmt = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

Db open_db(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  Db db(raw);
  if (rc != SQLITE_OK) fail(raw, fmt::format("open {}", path));
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  return db;
}

void exec(sqlite3* db, const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    throw BenchFailure(fmt::format("sqlite: {}: {}", sql, text));
  }
}

Stmt prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr) != SQLITE_OK) {
    fail(db, fmt::format("prepare {}", sql));
  }
  return Stmt(raw);
}

std::string_view column_text(sqlite3_stmt* stmt, int column) {
  auto* bytes = reinterpret_cast<const char*>(sqlite3_column_text(stmt, column));
  return {bytes ? bytes : "", static_cast<size_t>(sqlite3_column_bytes(stmt, column))};
}

std::string_view column_blob(sqlite3_stmt* stmt, int column) {
  auto* bytes = static_cast<const char*>(sqlite3_column_blob(stmt, column));
  return {bytes ? bytes : "", static_cast<size_t>(sqlite3_column_bytes(stmt, column))};
}

// Every stored field reaches the reader: id and metadata are fetched too, though the
// workloads check only the ones in EventView.
constexpr const char* kSelectColumns = "position, stream, version, type, data, ts, id, metadata";

EventView row_view(sqlite3_stmt* stmt) {
  EventView view;
  view.position = static_cast<uint64_t>(sqlite3_column_int64(stmt, 0));
  view.stream = column_text(stmt, 1);
  view.version = sqlite3_column_int64(stmt, 2);
  view.type = column_text(stmt, 3);
  view.data = column_blob(stmt, 4);
  view.timestamp_us = sqlite3_column_int64(stmt, 5);
  (void)column_blob(stmt, 6);
  (void)column_blob(stmt, 7);
  return view;
}

int64_t now_micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class SqliteConnection : public Connection {
 public:
  explicit SqliteConnection(const std::string& path) : db_(open_db(path)) {
    exec(db_.get(), "PRAGMA synchronous=FULL");
    begin_ = prepare(db_.get(), "BEGIN IMMEDIATE");
    commit_ = prepare(db_.get(), "COMMIT");
    rollback_ = prepare(db_.get(), "ROLLBACK");
    last_version_ =
        prepare(db_.get(), "SELECT coalesce(max(version), -1) FROM events WHERE stream = ?1");
    insert_ = prepare(db_.get(),
                      "INSERT INTO events(stream, version, id, type, data, metadata, ts) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    page_ = prepare(db_.get(), fmt::format("SELECT {} FROM events WHERE position > ?1 "
                                           "ORDER BY position LIMIT ?2",
                                           kSelectColumns)
                                   .c_str());
    stream_ = prepare(db_.get(), fmt::format("SELECT {} FROM events WHERE stream = ?1 "
                                             "ORDER BY version",
                                             kSelectColumns)
                                     .c_str());
  }

  AppendOutcome append(std::string_view stream, int64_t expected,
                       std::span<const BenchEvent> events) override {
    step_done(begin_.get(), "BEGIN IMMEDIATE");
    sqlite3_stmt* q = last_version_.get();
    sqlite3_bind_text(q, 1, stream.data(), static_cast<int>(stream.size()), SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_ROW) {
      sqlite3_reset(q);
      abort_transaction();
      fail(db_.get(), "select max(version)");
    }
    int64_t actual = sqlite3_column_int64(q, 0);
    sqlite3_reset(q);
    if (actual != expected) {
      abort_transaction();
      return AppendOutcome::kWrongExpectedRevision;
    }
    int64_t ts = now_micros();
    sqlite3_stmt* ins = insert_.get();
    int64_t version = expected;
    for (const BenchEvent& event : events) {
      sqlite3_bind_text(ins, 1, stream.data(), static_cast<int>(stream.size()), SQLITE_STATIC);
      sqlite3_bind_int64(ins, 2, ++version);
      sqlite3_bind_blob(ins, 3, event.id.data(), static_cast<int>(event.id.size()),
                        SQLITE_STATIC);
      sqlite3_bind_text(ins, 4, kEventType.data(), static_cast<int>(kEventType.size()),
                        SQLITE_STATIC);
      sqlite3_bind_blob(ins, 5, event.data.data(), static_cast<int>(event.data.size()),
                        SQLITE_STATIC);
      sqlite3_bind_zeroblob(ins, 6, 0);
      sqlite3_bind_int64(ins, 7, ts);
      int rc = sqlite3_step(ins);
      sqlite3_reset(ins);
      if (rc != SQLITE_DONE) {
        std::string message = sqlite3_errmsg(db_.get());
        abort_transaction();
        throw BenchFailure(fmt::format("sqlite: insert into {}: {}", stream, message));
      }
    }
    step_done(commit_.get(), "COMMIT");
    return AppendOutcome::kOk;
  }

  size_t read_all_page(AllCursor& cursor, size_t limit, const EventVisitor& visit) override {
    sqlite3_stmt* q = page_.get();
    sqlite3_bind_int64(q, 1, static_cast<int64_t>(cursor.token));
    sqlite3_bind_int64(q, 2, static_cast<int64_t>(limit));
    size_t n = visit_rows(q, visit, [&](const EventView& view) { cursor.token = view.position; });
    if (n < limit) cursor.done = true;
    return n;
  }

  size_t read_stream(std::string_view stream, const EventVisitor& visit) override {
    sqlite3_stmt* q = stream_.get();
    sqlite3_bind_text(q, 1, stream.data(), static_cast<int>(stream.size()), SQLITE_STATIC);
    return visit_rows(q, visit, [](const EventView&) {});
  }

 private:
  template <class After>
  size_t visit_rows(sqlite3_stmt* q, const EventVisitor& visit, After after) {
    size_t n = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
      EventView view = row_view(q);
      visit(view);
      after(view);
      ++n;
    }
    sqlite3_reset(q);
    if (rc != SQLITE_DONE) fail(db_.get(), "read");
    return n;
  }

  // Steps a statement that returns no row. SQLITE_BUSY past the busy timeout is retried: it
  // means contention, not failure, and every writer must eventually get its turn.
  void step_done(sqlite3_stmt* stmt, std::string_view what) {
    for (;;) {
      int rc = sqlite3_step(stmt);
      sqlite3_reset(stmt);
      if (rc == SQLITE_DONE) return;
      if (rc != SQLITE_BUSY) fail(db_.get(), what);
      std::this_thread::yield();
    }
  }

  void abort_transaction() {
    sqlite3_step(rollback_.get());
    sqlite3_reset(rollback_.get());
  }

  Db db_;  // declared first: destroyed after the statements
  Stmt begin_, commit_, rollback_, last_version_, insert_, page_, stream_;
};

class SqlitePeer : public Peer {
 public:
  std::string_view name() const override { return "sqlite"; }

  void open(const std::string& dir) override {
    path_ = (std::filesystem::path(dir) / "events.db").string();
    db_ = open_db(path_);
    exec(db_.get(), "PRAGMA journal_mode=WAL");
    exec(db_.get(), "PRAGMA synchronous=FULL");
    exec(db_.get(),
         "CREATE TABLE IF NOT EXISTS events(position INTEGER PRIMARY KEY, stream TEXT, "
         "version INTEGER, id BLOB(16), type TEXT, data BLOB, metadata BLOB, ts INTEGER, "
         "UNIQUE(stream, version))");
  }

  std::unique_ptr<Connection> connect() override {
    return std::make_unique<SqliteConnection>(path_);
  }

  // used: the database file after a full checkpoint plus what is left of the WAL; raw: the
  // directory, measured before closing (closing the last connection removes the WAL).
  DiskUsage close() override {
    exec(db_.get(), "PRAGMA wal_checkpoint(TRUNCATE)");
    DiskUsage usage;
    for (const std::string& file : {path_, path_ + "-wal"}) {
      std::error_code ec;
      uint64_t size = std::filesystem::file_size(file, ec);
      if (!ec) usage.used_bytes += size;
    }
    usage.raw_bytes = allocated_bytes(std::filesystem::path(path_).parent_path().string());
    db_.reset();
    return usage;
  }

 private:
  std::string path_;
  Db db_;
};

}  // namespace

std::unique_ptr<Peer> make_sqlite_peer() { return std::make_unique<SqlitePeer>(); }

}  // namespace mnemos::bench
