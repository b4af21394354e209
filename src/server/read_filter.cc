#include "read_filter.h"

#include <algorithm>

namespace mnemos::server {

Result<ReadFilter> ReadFilter::from(const event_store::client::streams::ReadReq::Options& options) {
  ReadFilter f;
  if (!options.has_filter()) return f;
  const auto& filter = options.filter();
  const auto* expression = filter.has_stream_identifier() ? &filter.stream_identifier()
                           : filter.has_event_type()      ? &filter.event_type()
                                                          : nullptr;
  if (expression == nullptr) return f;
  f.on_stream_ = filter.has_stream_identifier();
  f.on_type_ = !f.on_stream_;
  if (!expression->regex().empty()) {
    try {
      // Unanchored search, as the clients expect (.NET Regex.IsMatch).
      f.regex_.emplace(expression->regex(), std::regex::ECMAScript | std::regex::optimize);
    } catch (const std::regex_error& e) {
      return make_error(ErrorCode::kInvalidArgument, "filter regex '" + expression->regex() + "': " + e.what());
    }
  } else {
    f.prefixes_.assign(expression->prefix().begin(), expression->prefix().end());
    if (f.prefixes_.size() == 1) {
      (f.on_stream_ ? f.store_filter_.stream_prefix : f.store_filter_.type_prefix) = f.prefixes_.front();
    }
    if (f.prefixes_.empty()) f.on_stream_ = f.on_type_ = false;  // nothing to filter on
  }
  const uint64_t window = filter.has_max() && filter.max() > 0 ? filter.max() : 32;
  f.checkpoint_interval_ = window * std::max<uint32_t>(1, filter.checkpointintervalmultiplier());
  return f;
}

bool ReadFilter::matches(std::string_view stream, std::string_view type) const {
  if (empty()) return true;
  const std::string_view subject = on_stream_ ? stream : type;
  if (regex_) return std::regex_search(subject.begin(), subject.end(), *regex_);
  return std::any_of(prefixes_.begin(), prefixes_.end(),
                     [&](const std::string& p) { return subject.starts_with(p); });
}

}  // namespace mnemos::server
