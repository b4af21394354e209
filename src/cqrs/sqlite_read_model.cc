// ReadModel on SQLite: one connection for transactions (projections), one for queries, so that
// in WAL mode queries never wait for a batch and never see half of one.
#include "mnemos/cqrs/sqlite_read_model.h"

#include <sqlite3.h>

#include <mutex>
#include <string>
#include <unordered_map>

#include <fmt/format.h>

namespace mnemos::cqrs {
namespace {

ErrorCode code_of(int rc) {
  switch (rc & 0xff) {
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return ErrorCode::kIoError;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return ErrorCode::kTimeout;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return ErrorCode::kCorruption;
    default:
      return ErrorCode::kInvalidArgument;
  }
}

bool only_blanks(std::string_view text) {
  return text.find_first_not_of(" \t\r\n;") == std::string_view::npos;
}

struct TransparentHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// One SQLite connection with its prepared statements. Not thread-safe: its owner locks.
class Connection final : public SqlSession {
 public:
  ~Connection() override {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    if (db_ != nullptr) sqlite3_close(db_);
  }

  Status open(const std::string& path, int flags, int busy_timeout_ms) {
    const int rc = sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      return failure(rc, "open");
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, busy_timeout_ms);
    return {};
  }

  Status execute(std::string_view sql, SqlParams params) override {
    auto stmt = prepare(sql, params.size());
    if (!stmt) return std::unexpected(stmt.error());
    if (*stmt == nullptr) return exec_script(sql);
    if (auto bound = bind(*stmt, params); !bound) return bound;
    int rc;
    while ((rc = sqlite3_step(*stmt)) == SQLITE_ROW) {
    }
    sqlite3_reset(*stmt);
    if (rc != SQLITE_DONE) return failure(rc, std::string(sql));
    changes_ = static_cast<uint64_t>(sqlite3_changes64(db_));
    return {};
  }

  Result<std::vector<SqlRow>> query(std::string_view sql, SqlParams params) override {
    auto stmt = prepare(sql, params.size());
    if (!stmt) return std::unexpected(stmt.error());
    if (*stmt == nullptr) return make_error(ErrorCode::kInvalidArgument, "a query must be one statement");
    if (auto bound = bind(*stmt, params); !bound) return std::unexpected(bound.error());
    std::vector<SqlRow> rows;
    int rc;
    while ((rc = sqlite3_step(*stmt)) == SQLITE_ROW) {
      SqlRow row;
      const int columns = sqlite3_column_count(*stmt);
      row.values.reserve(static_cast<size_t>(columns));
      for (int c = 0; c < columns; ++c) row.values.push_back(column(*stmt, c));
      rows.push_back(std::move(row));
    }
    sqlite3_reset(*stmt);
    if (rc != SQLITE_DONE) return std::unexpected(failure(rc, std::string(sql)).error());
    return rows;
  }

  uint64_t changes() const override { return changes_; }

  Status failure(int rc, const std::string& what) const {
    const char* detail = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    return make_error(code_of(rc), fmt::format("read model: {}: {}", what, detail));
  }

 private:
  // The cached statement for `sql`; nullptr for a script of several statements (run uncached,
  // only without parameters).
  Result<sqlite3_stmt*> prepare(std::string_view sql, size_t param_count) {
    if (auto it = statements_.find(sql); it != statements_.end()) return it->second;
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, &tail);
    if (rc != SQLITE_OK) return std::unexpected(failure(rc, std::string(sql)).error());
    const std::string_view rest(tail, static_cast<size_t>(sql.data() + sql.size() - tail));
    if (!only_blanks(rest)) {
      sqlite3_finalize(stmt);
      if (param_count != 0) {
        return make_error(ErrorCode::kInvalidArgument,
                          "a statement with parameters must be a single statement: " + std::string(sql));
      }
      return static_cast<sqlite3_stmt*>(nullptr);
    }
    if (stmt == nullptr) return make_error(ErrorCode::kInvalidArgument, "empty statement");
    statements_.emplace(std::string(sql), stmt);
    return stmt;
  }

  Status exec_script(std::string_view sql) {
    char* message = nullptr;
    const int rc = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &message);
    std::string detail = message != nullptr ? message : "";
    sqlite3_free(message);
    if (rc != SQLITE_OK) return make_error(code_of(rc), "read model: " + std::string(sql) + ": " + detail);
    changes_ = static_cast<uint64_t>(sqlite3_changes64(db_));
    return {};
  }

  Status bind(sqlite3_stmt* stmt, SqlParams params) {
    if (static_cast<int>(params.size()) != sqlite3_bind_parameter_count(stmt)) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("read model: {} parameters given, the statement takes {}: {}",
                                    params.size(), sqlite3_bind_parameter_count(stmt), sqlite3_sql(stmt)));
    }
    int i = 1;
    for (const SqlParam& p : params) {
      int rc = SQLITE_OK;
      if (const auto* n = std::get_if<int64_t>(&p.value())) {
        rc = sqlite3_bind_int64(stmt, i, *n);
      } else if (const auto* d = std::get_if<double>(&p.value())) {
        rc = sqlite3_bind_double(stmt, i, *d);
      } else if (const auto* s = std::get_if<std::string_view>(&p.value())) {
        // SQLITE_STATIC: the text outlives the statement's use, which ends in this call.
        rc = sqlite3_bind_text64(stmt, i, s->data(), s->size(), SQLITE_STATIC, SQLITE_UTF8);
      } else {
        rc = sqlite3_bind_null(stmt, i);
      }
      if (rc != SQLITE_OK) return failure(rc, "binding a parameter");
      ++i;
    }
    return {};
  }

  static SqlValue column(sqlite3_stmt* stmt, int c) {
    switch (sqlite3_column_type(stmt, c)) {
      case SQLITE_INTEGER: return sqlite3_column_int64(stmt, c);
      case SQLITE_FLOAT: return sqlite3_column_double(stmt, c);
      case SQLITE_NULL: return nullptr;
      default: {
        const auto* bytes = static_cast<const char*>(sqlite3_column_blob(stmt, c));
        return std::string(bytes == nullptr ? "" : bytes, static_cast<size_t>(sqlite3_column_bytes(stmt, c)));
      }
    }
  }

  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*, TransparentHash, std::equal_to<>> statements_;
  uint64_t changes_ = 0;
};

constexpr std::string_view kCreateCheckpoints =
    "CREATE TABLE IF NOT EXISTS mnemos_checkpoints("
    "projection TEXT PRIMARY KEY, position INTEGER NOT NULL, events INTEGER NOT NULL)";
constexpr std::string_view kSelectCheckpoint =
    "SELECT position, events FROM mnemos_checkpoints WHERE projection = ?";
constexpr std::string_view kUpsertCheckpoint =
    "INSERT INTO mnemos_checkpoints(projection, position, events) VALUES(?, ?, ?) "
    "ON CONFLICT(projection) DO UPDATE SET position = excluded.position, events = excluded.events";
constexpr std::string_view kDeleteCheckpoint = "DELETE FROM mnemos_checkpoints WHERE projection = ?";

class SqliteReadModel final : public ReadModel {
 public:
  Status open(const std::string& path, const SqliteReadModelOptions& options) {
    Status opened = open_connections(path, options);
    if (!opened) opened.error().message = "cannot open the read model '" + path + "': " + opened.error().message;
    return opened;
  }

  Status open_connections(const std::string& path, const SqliteReadModelOptions& options) {
    if (auto s = writer_.open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, options.busy_timeout_ms); !s) return s;
    // journal_mode answers with a row, so it goes through query().
    auto mode = writer_.query("PRAGMA journal_mode=WAL", {});
    if (!mode) return std::unexpected(mode.error());
    if (mode->empty() || mode->front().text(0) != "wal") {
      return make_error(ErrorCode::kIoError, "read model: '" + path + "' cannot use WAL mode");
    }
    const std::string sync = options.synchronous_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL";
    if (auto s = writer_.execute(sync, {}); !s) return s;
    // Projections rewrite the same pages batch after batch: keep them in memory (64 MiB).
    if (auto s = writer_.execute("PRAGMA cache_size=-65536", {}); !s) return s;
    if (auto s = writer_.execute(kCreateCheckpoints, {}); !s) return s;
    if (auto s = reader_.open(path, SQLITE_OPEN_READONLY, options.busy_timeout_ms); !s) return s;
    return {};
  }

  Result<std::optional<ProjectionCheckpoint>> checkpoint(std::string_view projection) const override {
    std::lock_guard lock(reader_mutex_);
    auto rows = reader_.query(kSelectCheckpoint, {projection});
    if (!rows) return std::unexpected(rows.error());
    if (rows->empty()) return std::optional<ProjectionCheckpoint>();
    const SqlRow& row = rows->front();
    return ProjectionCheckpoint{Position{static_cast<uint64_t>(row.integer(0))},
                                static_cast<uint64_t>(row.integer(1))};
  }

  Status transact(std::string_view projection, const CheckpointedWork& work) override {
    return in_transaction([&]() -> Status {
      Result<ProjectionCheckpoint> checkpoint = work(writer_);
      if (!checkpoint) return std::unexpected(std::move(checkpoint.error()));
      return writer_.execute(kUpsertCheckpoint, {projection, checkpoint->position.value, checkpoint->events});
    });
  }

  Status execute(const SqlWork& work) override {
    return in_transaction([&] { return work(writer_); });
  }

  Status reset(std::string_view projection, const SqlWork& work) override {
    return in_transaction([&]() -> Status {
      if (auto s = work(writer_); !s) return s;
      return writer_.execute(kDeleteCheckpoint, {projection});
    });
  }

  Result<std::vector<SqlRow>> query(std::string_view sql, SqlParams params) const override {
    std::lock_guard lock(reader_mutex_);
    return reader_.query(sql, params);
  }

 private:
  template <class Work>
  Status in_transaction(Work&& work) {
    std::lock_guard lock(writer_mutex_);
    if (auto s = writer_.execute("BEGIN IMMEDIATE", {}); !s) return s;
    Status done = work();
    if (done) done = writer_.execute("COMMIT", {});
    if (!done) (void)writer_.execute("ROLLBACK", {});  // after a failed COMMIT too; may find none
    return done;
  }

  std::mutex writer_mutex_;
  Connection writer_;
  mutable std::mutex reader_mutex_;
  mutable Connection reader_;
};

}  // namespace

Result<std::unique_ptr<ReadModel>> open_sqlite_read_model(const std::string& path,
                                                          const SqliteReadModelOptions& options) {
  auto model = std::make_unique<SqliteReadModel>();
  if (auto s = model->open(path, options); !s) return std::unexpected(s.error());
  return std::unique_ptr<ReadModel>(std::move(model));
}

}  // namespace mnemos::cqrs
