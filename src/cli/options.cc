#include "cli/options.h"

#include "util/time_format.h"

namespace mnemos::cli {

CLI::Option* add_stream_option(CLI::App* sub, std::string& stream, const std::string& help) {
  return sub->add_option("--stream", stream, help)->type_name("S");
}

void add_stream_prefix_option(CLI::App* sub, std::string& prefix) {
  sub->add_option("--stream-prefix", prefix, "Only events whose stream name starts with X")
      ->type_name("X");
}

void add_filter_options(CLI::App* sub, EventFilter& filter) {
  sub->add_option("--type-prefix", filter.type_prefix, "Only events whose type starts with X")
      ->type_name("X");
  add_stream_prefix_option(sub, filter.stream_prefix);
}

void add_bound_options(CLI::App* sub, BoundArgs& args, BoundChoice choice) {
  CLI::Option* time = sub->add_option(
      "--as-of", args.as_of,
      "Read the store as it was at TIME (RFC 3339, e.g. 2026-11-25T10:00:00Z), inclusive")
      ->type_name("TIME");
  CLI::Option* position = sub->add_option(
      "--until-position", args.until_position,
      "Read the store as it was at position P (inclusive)")
      ->type_name("P");
  if (choice == BoundChoice::kOneOf) time->excludes(position);
}

Result<AsOf> to_as_of(const BoundArgs& args) {
  AsOf as_of;
  if (args.until_position) as_of.position = Position{*args.until_position};
  if (!args.as_of.empty()) {
    auto time = parse_rfc3339(args.as_of);
    if (!time) {
      return make_error(ErrorCode::kInvalidArgument,
                        "--as-of: '" + args.as_of + "' is not an RFC 3339 time (" +
                            time.error().message + ")");
    }
    as_of.time = *time;
  }
  return as_of;
}

CLI::Option* add_expected_option(CLI::App* sub, std::string& expected) {
  return sub->add_option("--expected", expected,
                  "Expected revision of the stream: any, no_stream, exists or a number")
      ->type_name("any|no_stream|exists|N")
      ->default_val("any");
}

void add_limit_option(CLI::App* sub, uint64_t& limit) {
  sub->add_option("--limit", limit, "At most N results")->type_name("N");
}

void add_from_option(CLI::App* sub, std::optional<uint64_t>& from, const std::string& unit,
                     const std::string& help) {
  sub->add_option("--from", from, help)->type_name(unit);
}

}  // namespace mnemos::cli
