// verify and reindex: whole-log maintenance on a store that no other process has open.
#include "mnemos/embedded.h"
#include "store/engine.h"

namespace mnemos {
namespace {

std::unexpected<Error> mismatch(uint64_t position, const std::string& what) {
  return std::unexpected(Error{ErrorCode::kCorruption,
                               "index disagrees with the log at position " +
                                   std::to_string(position) + ": " + what +
                                   " (run `mnemos reindex`)",
                               std::nullopt, position});
}

// Every record of the log: framing, checksums, commit ends.
Status verify_log(const store::Engine& engine, VerifyReport& report, const Progress& progress) {
  const uint64_t end = engine.committed_end();
  const uint64_t first = engine.segments().first_position();
  storage::LogCursor cursor(engine.segments(), first, end);
  bool open_commit = false;
  uint64_t last_report = 0;
  while (true) {
    auto more = cursor.next_valid();
    if (!more) return std::unexpected(more.error());
    if (!*more) break;
    ++report.records;
    open_commit = !cursor.record().commit_end;
    if (!open_commit) ++report.commits;
    report.bytes = cursor.next_position() - first;
    if (progress && report.bytes - last_report >= (16 << 20)) {
      progress(report.bytes, end - first);
      last_report = report.bytes;
    }
  }
  if (open_commit) {
    return std::unexpected(Error{ErrorCode::kCorruption,
                                 "the last commit of the log has no end record",
                                 std::nullopt, cursor.position()});
  }
  if (progress) progress(end - first, end - first);
  return {};
}

// Every stream of the index: its runs point at the right records.
Status verify_index(const store::Engine& engine, VerifyReport& report) {
  const uint64_t end = engine.committed_end();
  std::string after;
  while (true) {
    auto page = engine.index().list_streams("", after, 1000);
    if (!page) return std::unexpected(page.error());
    if (page->empty()) return {};
    after = page->back().name;
    for (const auto& entry : *page) {
      int64_t expected_next = 0;
      auto runs = engine.index().runs(entry.info.id);
      for (runs.seek(0); runs.valid(); runs.next()) {
        const storage::StreamRun run = runs.run();
        if (static_cast<int64_t>(run.first_revision) < expected_next) {
          return mismatch(run.position, "overlapping revisions in stream '" + entry.name + "'");
        }
        storage::LogCursor cursor(engine.segments(), run.position, end);
        for (uint64_t k = 0; k < run.count; ++k) {
          auto more = cursor.next_valid();
          if (!more) return std::unexpected(more.error());
          if (!*more || cursor.record().stream != entry.name ||
              cursor.record().revision != run.first_revision + k) {
            return mismatch(cursor.position(), "expected revision " +
                                                   std::to_string(run.first_revision + k) +
                                                   " of stream '" + entry.name + "'");
          }
        }
        expected_next = static_cast<int64_t>(run.first_revision + run.count);
        ++report.index_entries_checked;
      }
      if (auto s = runs.status(); !s) return s;
      if (expected_next - 1 != entry.info.last_revision) {
        return mismatch(0, "stream '" + entry.name + "' head revision");
      }
    }
  }
}

}  // namespace

Result<VerifyReport> verify_embedded(const std::string& dir, const Progress& progress) {
  auto engine = store::Engine::open(dir, Options{});
  if (!engine) return std::unexpected(engine.error());
  VerifyReport report;
  if (auto s = verify_log(**engine, report, progress); !s) return std::unexpected(s.error());
  if (auto s = verify_index(**engine, report); !s) return std::unexpected(s.error());
  (*engine)->close();
  return report;
}

Status reindex_embedded(const std::string& dir, const Progress& progress) {
  auto engine = store::Engine::open(dir, Options{}, store::IndexMode::kRebuild, progress);
  if (!engine) return std::unexpected(engine.error());
  (*engine)->close();
  return {};
}

}  // namespace mnemos
