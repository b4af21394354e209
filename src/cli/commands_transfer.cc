// export and import: a store as event NDJSON lines (the lines `read-all` prints).
// import keeps each event's stream, revision, id, type, data and metadata (metadata streams
// `$$S` included); positions and timestamps are those of the new store, and a tombstone
// ($streamDeleted) is written again by a hard delete, with a new id.
#include <memory>
#include <mutex>
#include <optional>

#include <fmt/core.h>

#include "cli/commands.h"
#include "json/event_input.h"
#include "cli/line_reader.h"
#include "cli/options.h"
#include "cli/output.h"
#include "cli/paging.h"
#include "cli/pipeline.h"
#include "cli/progress.h"

namespace mnemos::cli {
namespace {

constexpr size_t kImportWindow = 64;             // appends in flight
constexpr size_t kMaxBatchEvents = 1000;         // events in one append
constexpr uint64_t kMaxBatchBytes = 4ull << 20;  // payload bytes in one append

struct ExportArgs {
  std::string stream_prefix;
};

int run_export(const CommandSet& commands, const ExportArgs& args) {
  return with_store(commands, [&](Store& store) {
    ProgressMeter meter("export");
    const uint64_t head = store.head().value;
    ReadAllOptions options;
    options.filter.stream_prefix = args.stream_prefix;
    auto status = for_each_event(store, options, [&](const RecordedEvent& event) {
      print_line(event_json(event));
      meter.update(event.position.value, head);
    });
    meter.finish();
    return status ? 0 : report_error(status.error());
  });
}

// One line of import input.
struct ImportedEvent {
  std::string stream;
  uint64_t revision = 0;
  EventData event;
};

Result<ImportedEvent> imported_event_from_json(const Json& line) {
  if (!line.is_object()) return make_error(ErrorCode::kInvalidArgument, "not a JSON object");
  auto stream = json::required_string(line, "stream", "an event line");
  if (!stream) return std::unexpected(stream.error());
  auto revision = line.find("revision");
  if (revision == line.end() || !revision->is_number_unsigned()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "an event line needs \"revision\" (a number from 0)");
  }
  auto event = json::event_data_from_json(line);
  if (!event) return std::unexpected(event.error());
  return ImportedEvent{std::move(*stream), revision->get<uint64_t>(), std::move(*event)};
}

Result<ImportedEvent> parse_import_line(std::string_view line) {
  auto value = json::parse_json_line(line);
  if (!value) return std::unexpected(value.error());
  return imported_event_from_json(*value);
}

// What goes where expected = revision - 1.
ExpectedRevision expected_before(uint64_t revision) {
  return revision == 0 ? ExpectedRevision::no_stream()
                       : ExpectedRevision::exact(Revision{revision - 1});
}

// Appends imported events, batching consecutive events of one stream into one append.
class Importer {
 public:
  explicit Importer(Store& store)
      : store_(store),
        pipeline_(kImportWindow, [this](const std::string& label,
                                        const AppendPipeline::Outcome& outcome) {
          if (!outcome) fail(outcome.error(), label);
        }) {}

  Status add(ImportedEvent imported, uint64_t line_number) {
    if (auto error = failure()) return std::unexpected(*error);
    // A tombstone cannot be appended: it is written again by delete --hard (with a new id).
    // Importing it twice finds the stream already tombstoned, which is what was asked for.
    if (imported.event.type == "$streamDeleted" && imported.revision == kTombstoneRevision) {
      return write_tombstone(imported.stream, line_number);
    }
    const bool continues = !batch_.empty() && imported.stream == batch_stream_ &&
                           imported.revision == next_revision_ &&
                           batch_.size() < kMaxBatchEvents && batch_bytes_ < kMaxBatchBytes;
    if (!continues) submit_batch();
    if (batch_.empty()) {
      batch_stream_ = imported.stream;
      batch_first_revision_ = imported.revision;
      batch_line_ = line_number;
    }
    next_revision_ = imported.revision + 1;
    batch_bytes_ += imported.event.data.size() + imported.event.metadata.size();
    batch_.push_back(std::move(imported.event));
    ++events_;
    return {};
  }

  // Submits what is pending and waits for every append.
  Status finish() {
    submit_batch();
    pipeline_.finish();
    if (auto error = failure()) return std::unexpected(*error);
    return {};
  }

  uint64_t events() const { return events_; }
  uint64_t appends() const { return appends_; }

 private:
  Status write_tombstone(const std::string& stream, uint64_t line_number) {
    submit_batch();
    pipeline_.drain();  // in log order: after the appends before it
    if (auto error = failure()) return std::unexpected(*error);
    auto result = store_.tombstone_stream(stream, ExpectedRevision::any());
    if (!result && result.error().code != ErrorCode::kStreamDeleted) {
      fail(result.error(), fmt::format("line {}", line_number));
      return std::unexpected(*failure());
    }
    ++events_;
    ++appends_;
    return {};
  }

  void submit_batch() {
    if (batch_.empty()) return;
    pipeline_.submit(fmt::format("line {}", batch_line_),
                     store_.append_async(batch_stream_, expected_before(batch_first_revision_),
                                         std::move(batch_)));
    batch_.clear();
    batch_bytes_ = 0;
    ++appends_;
  }

  // The first failure, set by the pipeline's thread or this one.
  std::optional<Error> failure() {
    std::lock_guard lock(failure_mutex_);
    return failure_;
  }

  void fail(const Error& error, const std::string& where) {
    std::lock_guard lock(failure_mutex_);
    if (failure_) return;
    failure_ = error;
    failure_->message += " (import, " + where + ")";
  }

  Store& store_;
  std::vector<EventData> batch_;
  std::string batch_stream_;
  uint64_t batch_first_revision_ = 0;
  uint64_t batch_line_ = 0;
  uint64_t next_revision_ = 0;
  uint64_t batch_bytes_ = 0;
  uint64_t events_ = 0;
  uint64_t appends_ = 0;
  std::mutex failure_mutex_;
  std::optional<Error> failure_;
  AppendPipeline pipeline_;  // last: its thread stops before the members above go
};

int run_import(const CommandSet& commands) {
  return with_store(commands, [&](Store& store) {
    ProgressMeter meter("import");
    LineReader reader(stdin);
    const uint64_t total = reader.total_bytes();
    Importer importer(store);
    std::string_view line;
    Status status;
    while (status && reader.next(line)) {
      if (is_blank(line)) continue;
      auto imported = parse_import_line(line);
      if (!imported) {
        meter.finish();
        return report_usage_error(
            fmt::format("import: line {}: {}", reader.line_number(), imported.error().message));
      }
      status = importer.add(std::move(*imported), reader.line_number());
      meter.update(reader.bytes_read(), total);
    }
    if (status) status = importer.finish();
    meter.finish();
    if (!status) return report_error(status.error());
    Json out;
    out["events"] = importer.events();
    out["appends"] = importer.appends();
    print_line(out);
    return 0;
  });
}

}  // namespace

void add_transfer_commands(CommandSet& commands) {
  auto [sub, args] = commands.add_with_args<ExportArgs>(
      "export", "Write $all to stdout as event NDJSON lines (the input of import)", run_export);
  add_stream_prefix_option(sub, args->stream_prefix);
  commands.add("import",
               "Append event NDJSON lines (as export writes them) read from stdin, keeping "
               "streams, revisions, ids, types, data and metadata; prints {\"events\",\"appends\"}",
               [&commands] { return run_import(commands); });
}

}  // namespace mnemos::cli
