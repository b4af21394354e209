// The $all filters of ReadReq (stream name or event type; a regex, or prefixes) as a predicate.
// A single prefix is handed to the store's own filter; regexes and several prefixes are
// checked by the server on each event.
#pragma once

#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "mnemos/error.h"
#include "mnemos/types.h"
#include "streams.pb.h"

namespace mnemos::server {

class ReadFilter {
 public:
  // Errors: kInvalidArgument (a regex that does not compile).
  static Result<ReadFilter> from(const event_store::client::streams::ReadReq::Options& options);

  bool empty() const { return !on_stream_ && !on_type_; }
  // What the store can filter by itself (a single prefix); empty otherwise.
  EventFilter store_filter() const { return store_filter_; }
  // Whether the server must still check each event the store hands out.
  bool needs_check() const { return !empty() && store_filter_.empty(); }
  bool matches(std::string_view stream, std::string_view type) const;

  // Events considered between two checkpoints of a filtered subscription (window x multiplier).
  uint64_t checkpoint_interval() const { return checkpoint_interval_; }

 private:
  bool on_stream_ = false;
  bool on_type_ = false;
  std::optional<std::regex> regex_;
  std::vector<std::string> prefixes_;
  EventFilter store_filter_;
  uint64_t checkpoint_interval_ = 32;
};

}  // namespace mnemos::server
