// read (one stream) and read-all ($all): events as NDJSON, page by page.
#include <functional>
#include <limits>
#include <optional>

#include "cli/commands.h"
#include "cli/options.h"
#include "cli/output.h"
#include "cli/paging.h"

namespace mnemos::cli {
namespace {

// Options common to both reads.
struct ReadArgs {
  std::string stream;  // read only
  std::optional<uint64_t> from;
  bool backwards = false;
  uint64_t limit = std::numeric_limits<uint64_t>::max();
  BoundArgs bound;
  EventFilter filter;  // read-all only
};

void print_event(const RecordedEvent& event) { print_line(event_json(event)); }

void add_read_options(CLI::App* sub, ReadArgs& args, const std::string& unit,
                      const std::string& from_help) {
  add_from_option(sub, args.from, unit, from_help);
  sub->add_flag("--backwards", args.backwards, "Read from the end towards the start");
  add_limit_option(sub, args.limit);
}

// What ReadStreamOptions and ReadAllOptions share.
template <class Options>
Options options_for(const ReadArgs& args, const AsOf& as_of) {
  Options options;
  options.direction = args.backwards ? Direction::kBackwards : Direction::kForwards;
  options.limit = args.limit;
  options.as_of = as_of;
  return options;
}

// Resolves the bounds, opens the store, and prints the events `read` goes through.
int print_events(const CommandSet& commands, const ReadArgs& args,
                 const std::function<Status(Store&, const AsOf&)>& read) {
  auto as_of = to_as_of(args.bound);
  if (!as_of) return report_error(as_of.error());
  return with_store(commands, [&](Store& store) {
    auto status = read(store, *as_of);
    return status ? 0 : report_error(status.error());
  });
}

int run_read(const CommandSet& commands, const ReadArgs& args) {
  return print_events(commands, args, [&](Store& store, const AsOf& as_of) {
    auto options = options_for<ReadStreamOptions>(args, as_of);
    if (args.from) options.from = Revision{*args.from};
    return for_each_stream_event(store, args.stream, options, print_event);
  });
}

int run_read_all(const CommandSet& commands, const ReadArgs& args) {
  return print_events(commands, args, [&](Store& store, const AsOf& as_of) {
    auto options = options_for<ReadAllOptions>(args, as_of);
    if (args.from) options.from = Position{*args.from};
    options.filter = args.filter;
    return for_each_event(store, options, print_event);
  });
}

}  // namespace

void add_read_commands(CommandSet& commands) {
  {
    auto [sub, args] = commands.add_with_args<ReadArgs>(
        "read", "Print the events of a stream, one NDJSON line each", run_read);
    add_stream_option(sub, args->stream)->required();
    add_read_options(sub, *args, "N",
                     "First revision to read (inclusive; default: the first, or the last "
                     "with --backwards)");
    add_bound_options(sub, args->bound, BoundChoice::kOneOf);
  }
  {
    auto [sub, args] = commands.add_with_args<ReadArgs>(
        "read-all", "Print the events of all streams ($all) in commit order", run_read_all);
    add_read_options(sub, *args, "P",
                     "First position to read (inclusive; default: the start, or the head with "
                     "--backwards)");
    add_filter_options(sub, args->filter);
    add_bound_options(sub, args->bound, BoundChoice::kBoth);
  }
}

}  // namespace mnemos::cli
