// append: one event from the command line (append --stdin is in commands_append_stdin.cc).
#include "cli/commands.h"
#include "json/event_input.h"
#include "cli/options.h"
#include "cli/output.h"

namespace mnemos::cli {
namespace {

struct AppendArgs {
  std::string stream;
  std::string type;
  std::string data;
  std::string metadata;
  std::string id;
  std::string expected = "any";
  bool from_stdin = false;
};

// The event the options describe, or why they describe none.
Result<EventData> event_from_args(const AppendArgs& args) {
  if (args.stream.empty() || args.type.empty()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "append needs --stream and --type (or --stdin for NDJSON requests)");
  }
  if (auto s = json::check_json_text(args.data, "--data"); !s) return std::unexpected(s.error());
  if (auto s = json::check_json_text(args.metadata, "--metadata"); !s) return std::unexpected(s.error());
  EventData event;
  event.type = args.type;
  event.data = args.data;
  event.metadata = args.metadata;
  if (!args.id.empty()) {
    auto id = Uuid::parse(args.id);
    if (!id) return make_error(ErrorCode::kInvalidArgument, "--id: " + id.error().message);
    event.id = *id;
  }
  return event;
}

int run_append(const CommandSet& commands, const AppendArgs& args) {
  if (args.from_stdin) return with_store(commands, run_append_stdin);
  auto event = event_from_args(args);
  if (!event) return report_error(event.error());
  auto expected = ExpectedRevision::parse(args.expected);
  if (!expected) return report_error(expected.error());
  return with_store(commands, [&](Store& store) {
    auto result = store.append(args.stream, *expected, {std::move(*event)});
    if (!result) return report_error(result.error());
    print_line(ack_json(args.stream, *result));
    return 0;
  });
}

}  // namespace

void add_append_command(CommandSet& commands) {
  auto [sub, args] = commands.add_with_args<AppendArgs>(
      "append",
      "Append an event to a stream; prints {\"stream\",\"first_revision\",\"last_revision\","
      "\"position\"}. With --stdin, appends NDJSON requests read from stdin",
      run_append);
  CLI::Option* stream = add_stream_option(sub, args->stream);
  CLI::Option* type = sub->add_option("--type", args->type, "Event type")->type_name("T");
  CLI::Option* data = sub->add_option("--data", args->data, "Event data (JSON)")->type_name("JSON");
  CLI::Option* metadata =
      sub->add_option("--metadata", args->metadata, "Event metadata (JSON)")->type_name("JSON");
  CLI::Option* id =
      sub->add_option("--id", args->id, "Event id (generated when not given)")->type_name("UUID");
  CLI::Option* expected = add_expected_option(sub, args->expected);
  sub->add_flag("--stdin", args->from_stdin,
                "Read NDJSON requests {\"stream\",\"expected\",\"events\":[...]} from stdin and "
                "print one acknowledgement or error line for each, in order (each request "
                "has its own \"expected\")")
      ->excludes(stream)
      ->excludes(type)
      ->excludes(data)
      ->excludes(metadata)
      ->excludes(id)
      ->excludes(expected);
}

}  // namespace mnemos::cli
