// Options that several subcommands share, declared once so that they read the same everywhere.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "mnemos/types.h"

namespace mnemos::cli {

// --stream S
CLI::Option* add_stream_option(CLI::App* sub, std::string& stream,
                               const std::string& help = "Stream name");

// --stream-prefix X
void add_stream_prefix_option(CLI::App* sub, std::string& prefix);

// --type-prefix X, --stream-prefix X
void add_filter_options(CLI::App* sub, EventFilter& filter);

// --as-of TIME, --until-position P: the store as it was at a time or a position.
struct BoundArgs {
  std::string as_of;  // RFC 3339; empty: none
  std::optional<uint64_t> until_position;
};
enum class BoundChoice { kOneOf, kBoth };  // kBoth: both may be given; the earlier wins
void add_bound_options(CLI::App* sub, BoundArgs& args, BoundChoice choice);
Result<AsOf> to_as_of(const BoundArgs& args);

// --expected any|no_stream|exists|N (default any)
CLI::Option* add_expected_option(CLI::App* sub, std::string& expected);

// --limit N
void add_limit_option(CLI::App* sub, uint64_t& limit);

// --from N (a revision) or P (a position); `unit` names it in --help.
void add_from_option(CLI::App* sub, std::optional<uint64_t>& from, const std::string& unit,
                     const std::string& help);

}  // namespace mnemos::cli
