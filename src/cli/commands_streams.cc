// delete, metadata, streams: commands about whole streams.
#include <algorithm>
#include <limits>

#include "cli/commands.h"
#include "json/event_input.h"
#include "cli/options.h"
#include "cli/output.h"
#include "cli/paging.h"

namespace mnemos::cli {
namespace {

struct StreamArgs {
  std::string stream;
  std::string expected = "any";
  bool hard = false;            // delete
  std::string set_metadata;     // metadata --set
  const CLI::Option* set_option = nullptr;
  bool set_given() const { return set_option != nullptr && set_option->count() > 0; }
};

int run_delete(const CommandSet& commands, const StreamArgs& args) {
  auto expected = ExpectedRevision::parse(args.expected);
  if (!expected) return report_error(expected.error());
  return with_store(commands, [&](Store& store) {
    auto result = args.hard ? store.tombstone_stream(args.stream, *expected)
                            : store.delete_stream(args.stream, *expected);
    if (!result) return report_error(result.error());
    Json out;
    out["stream"] = args.stream;
    out["position"] = result->position.value;
    print_line(out);
    return 0;
  });
}

int get_metadata(Store& store, const StreamArgs& args) {
  auto result = store.get_metadata(args.stream);
  if (!result) return report_error(result.error());
  print_line(json::metadata_json(args.stream, *result));
  return 0;
}

int set_metadata(Store& store, const StreamArgs& args, ExpectedRevision expected) {
  auto result = store.set_metadata(args.stream, args.set_metadata, expected);
  if (!result) return report_error(result.error());
  print_line(ack_json("$$" + args.stream, *result));  // the metadata stream was appended to
  return 0;
}

int run_metadata(const CommandSet& commands, const StreamArgs& args) {
  auto expected = ExpectedRevision::parse(args.expected);
  if (!expected) return report_error(expected.error());
  if (args.set_given()) {
    auto value = json::parse_json_line(args.set_metadata);
    if (!value || !value->is_object()) {
      return report_usage_error("--set must be a JSON object, e.g. {\"$maxCount\":10}");
    }
  }
  return with_store(commands, [&](Store& store) {
    return args.set_given() ? set_metadata(store, args, *expected) : get_metadata(store, args);
  });
}

struct ListArgs {
  std::string prefix;
  uint64_t limit = std::numeric_limits<uint64_t>::max();
};

int run_streams(const CommandSet& commands, const ListArgs& args) {
  return with_store(commands, [&](Store& store) {
    ListStreamsOptions options;
    options.prefix = args.prefix;
    uint64_t remaining = args.limit;
    while (remaining > 0) {
      options.limit = std::min(remaining, kPageSize);
      auto page = store.list_streams(options);
      if (!page) return report_error(page.error());
      for (const StreamSummary& summary : *page) {
        Json out;
        out["stream"] = summary.name;
        out["last_revision"] =
            summary.last_revision ? Json(summary.last_revision->value) : Json(nullptr);
        out["state"] = json::stream_state_name(summary.state);
        print_line(out);
      }
      remaining -= std::min<uint64_t>(remaining, page->size());
      if (page->size() < options.limit) break;
      options.after = page->back().name;
    }
    return 0;
  });
}

}  // namespace

void add_stream_commands(CommandSet& commands) {
  {
    auto [sub, args] = commands.add_with_args<StreamArgs>(
        "delete",
        "Delete a stream: soft (reads say not found; appending re-creates it) or, with --hard, "
        "for good. Prints {\"stream\",\"position\"}",
        run_delete);
    add_stream_option(sub, args->stream)->required();
    sub->add_flag("--hard", args->hard, "Tombstone: the stream can never be written again");
    add_expected_option(sub, args->expected);
  }
  {
    auto [sub, args] = commands.add_with_args<StreamArgs>(
        "metadata",
        "Print the metadata of a stream ({\"stream\",\"metadata\",\"revision\"}), or set it "
        "with --set (prints the append acknowledgement of $$<stream>)",
        run_metadata);
    add_stream_option(sub, args->stream)->required();
    args->set_option =
        sub->add_option("--set", args->set_metadata,
                        "New metadata (a JSON object; keys $maxCount, $maxAge, $tb are honoured)")
            ->type_name("JSON");
    add_expected_option(sub, args->expected);
  }
  {
    auto [sub, args] = commands.add_with_args<ListArgs>(
        "streams", "List streams in name order: {\"stream\",\"last_revision\",\"state\"}",
        run_streams);
    sub->add_option("--prefix", args->prefix, "Only streams whose name starts with X")
        ->type_name("X");
    add_limit_option(sub, args->limit);
  }
}

}  // namespace mnemos::cli
