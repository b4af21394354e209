// stats, verify, reindex: the state and the health of a data directory.
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/output.h"
#include "cli/progress.h"
#include "mnemos/embedded.h"

namespace mnemos::cli {
namespace {

int run_stats(const CommandSet& commands) {
  return with_store(commands, [](Store& store) {
    auto stats = store.stats();
    if (!stats) return report_error(stats.error());
    print_line(json::stats_json(*stats));
    return 0;
  });
}

Progress progress_to(ProgressMeter& meter) {
  return [&meter](uint64_t done, uint64_t total) { meter.update(done, total); };
}

int run_verify(const CommandSet& commands) {
  ProgressMeter meter("verify");
  auto report = verify_embedded(commands.global().db, progress_to(meter));
  meter.finish();
  if (!report) {
    const Error& error = report.error();
    if (error.code == ErrorCode::kCorruption) {
      Json detail;
      detail["code"] = error_code_name(error.code);
      detail["message"] = error.message;
      detail["position"] = error.position ? Json(*error.position) : Json(nullptr);
      Json out;
      out["ok"] = false;
      out["error"] = std::move(detail);
      print_line(out);
    }
    return report_error(error);
  }
  Json out;
  out["ok"] = true;
  out["records"] = report->records;
  out["commits"] = report->commits;
  out["bytes"] = report->bytes;
  out["index_entries_checked"] = report->index_entries_checked;
  print_line(out);
  return 0;
}

int run_reindex(const CommandSet& commands) {
  ProgressMeter meter("reindex");
  auto status = reindex_embedded(commands.global().db, progress_to(meter));
  meter.finish();
  if (!status) return report_error(status.error());
  Json out;
  out["ok"] = true;
  print_line(out);
  return 0;
}

}  // namespace

void add_maintenance_commands(CommandSet& commands) {
  commands.add("stats",
               "Print one object: events, streams, log_bytes, index_bytes, segments, "
               "head_position, appends, syncs",
               [&commands] { return run_stats(commands); });
  commands.add("verify",
               "Check every record's checksum and framing and the index against the log; "
               "exit 5 naming the position of the first damage",
               [&commands] { return run_verify(commands); });
  commands.add("reindex", "Drop the index and rebuild it from the whole log",
               [&commands] { return run_reindex(commands); });
}

}  // namespace mnemos::cli
