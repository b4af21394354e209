// A projection for tests: it records every event it applies in the table `applied`, one row per
// position, counting how many times each was applied (exactly once: `times` stays 1). It can be
// told to fail at one position, to test that a failed batch leaves nothing behind.
// Shared by the projection tests and the projection crash test's child process.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include "mnemos/cqrs/projection.h"

namespace mnemos::test {

class CountingProjection : public cqrs::Projection {
 public:
  explicit CountingProjection(EventFilter filter = {}) : filter_(std::move(filter)) {}

  std::string_view name() const override { return "counting"; }
  EventFilter filter() const override { return filter_; }

  Status setup(cqrs::SqlSession& db) override {
    return db.execute(
        "CREATE TABLE IF NOT EXISTS applied(position INTEGER PRIMARY KEY, stream TEXT NOT NULL, "
        "revision INTEGER NOT NULL, type TEXT NOT NULL, times INTEGER NOT NULL)");
  }

  Status apply(cqrs::SqlSession& db, const RecordedEventView& event) override {
    if (event.position.value == fail_at.load()) {
      return make_error(ErrorCode::kInvalidArgument, "told to fail at " + std::to_string(fail_at.load()));
    }
    ++applied_calls;
    return db.execute(
        "INSERT INTO applied(position, stream, revision, type, times) VALUES(?, ?, ?, ?, 1) "
        "ON CONFLICT(position) DO UPDATE SET times = times + 1",
        {event.position.value, event.stream, event.revision.value, event.type});
  }

  Status drop(cqrs::SqlSession& db) override { return db.execute("DROP TABLE IF EXISTS applied"); }

  std::atomic<uint64_t> fail_at{0};  // the position to fail at (0: none); may change while it runs
  std::atomic<uint64_t> applied_calls{0};

 private:
  EventFilter filter_;
};

}  // namespace mnemos::test
