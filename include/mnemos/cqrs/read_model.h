// The query database that projections fill: a small SQL interface, so that a projection is
// written once and runs on SQLite (the embedded default, sqlite_read_model.h) or on another
// SQL database later without change.
//
// Statements use `?` placeholders (a backend with another syntax rewrites them). A projection
// sees a SqlSession only inside a ReadModel transaction; queries go through ReadModel::query.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "mnemos/error.h"
#include "mnemos/types.h"

namespace mnemos::cqrs {

// A statement parameter. Text is a view: it must outlive the call that binds it.
class SqlParam {
 public:
  using Value = std::variant<std::nullptr_t, int64_t, double, std::string_view>;

  SqlParam(std::nullptr_t) : value_(nullptr) {}
  template <class I>
    requires(std::is_integral_v<I> && !std::is_same_v<I, bool>)
  SqlParam(I v) : value_(static_cast<int64_t>(v)) {}
  SqlParam(bool v) : value_(int64_t{v ? 1 : 0}) {}
  SqlParam(double v) : value_(v) {}
  SqlParam(std::string_view v) : value_(v) {}
  SqlParam(const std::string& v) : value_(std::string_view(v)) {}
  SqlParam(const char* v) : value_(std::string_view(v)) {}

  const Value& value() const { return value_; }

 private:
  Value value_;
};

using SqlParams = std::initializer_list<SqlParam>;

// One cell of a query result: NULL, an integer, a real or text (blobs come back as text).
using SqlValue = std::variant<std::nullptr_t, int64_t, double, std::string>;

struct SqlRow {
  std::vector<SqlValue> values;

  bool is_null(size_t i) const { return std::holds_alternative<std::nullptr_t>(values.at(i)); }
  int64_t integer(size_t i) const {
    const SqlValue& v = values.at(i);
    if (const auto* n = std::get_if<int64_t>(&v)) return *n;
    if (const auto* d = std::get_if<double>(&v)) return static_cast<int64_t>(*d);
    return 0;
  }
  std::string text(size_t i) const {
    const SqlValue& v = values.at(i);
    if (const auto* s = std::get_if<std::string>(&v)) return *s;
    if (const auto* n = std::get_if<int64_t>(&v)) return std::to_string(*n);
    if (const auto* d = std::get_if<double>(&v)) return std::to_string(*d);
    return {};
  }
};

// SQL inside one transaction. Statements are prepared once per distinct text and reused.
class SqlSession {
 public:
  virtual ~SqlSession() = default;
  // Runs one statement (or, without parameters, a script of several). Errors: kInvalidArgument
  // (bad SQL, constraint violation), kIoError.
  virtual Status execute(std::string_view sql, SqlParams params = {}) = 0;
  virtual Result<std::vector<SqlRow>> query(std::string_view sql, SqlParams params = {}) = 0;
  // Rows changed by the last execute().
  virtual uint64_t changes() const = 0;
};

// How far a projection has got: every event of $all at or before `position` has been applied
// (or was not for it). Stored in the read model, in the transaction of the changes it covers.
struct ProjectionCheckpoint {
  Position position;
  uint64_t events = 0;  // events applied since the projection was (re)built
};

using SqlWork = std::function<Status(SqlSession&)>;
using CheckpointedWork = std::function<Result<ProjectionCheckpoint>(SqlSession&)>;

// A transactional query database with one checkpoint per projection. Thread-safe: transactions
// are serialised; queries run on their own connection and see only committed transactions.
class ReadModel {
 public:
  virtual ~ReadModel() = default;

  // The projection's checkpoint; empty before its first transaction (or after reset()).
  virtual Result<std::optional<ProjectionCheckpoint>> checkpoint(std::string_view projection) const = 0;

  // Runs `work` and stores the checkpoint it returns for `projection`, in one transaction: both
  // stay, or neither does (when `work` fails, the commit fails, or the process dies half way).
  virtual Status transact(std::string_view projection, const CheckpointedWork& work) = 0;

  // Runs `work` in one transaction that leaves every checkpoint as it is (e.g. creating tables).
  virtual Status execute(const SqlWork& work) = 0;

  // Runs `work` (e.g. dropping the projection's tables) and removes the projection's checkpoint,
  // in one transaction: the next run replays every event.
  virtual Status reset(std::string_view projection, const SqlWork& work) = 0;

  // A read-only query on committed data.
  virtual Result<std::vector<SqlRow>> query(std::string_view sql, SqlParams params = {}) const = 0;
};

}  // namespace mnemos::cqrs
