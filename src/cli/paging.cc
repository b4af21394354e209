#include "cli/paging.h"

#include <algorithm>

namespace mnemos::cli {
namespace {

// Shared loop: `read_page(from, limit)` returns a page of events and where the next one starts.
template <class From, class ReadPage>
Status for_each_page(std::optional<From> from, uint64_t limit, ReadPage read_page,
                     const EventSink& sink) {
  uint64_t remaining = limit;
  while (remaining > 0) {
    auto page = read_page(from, std::min(remaining, kPageSize));
    if (!page) return std::unexpected(page.error());
    for (const RecordedEvent& event : page->events) sink(event);
    remaining -= std::min<uint64_t>(remaining, page->events.size());
    if (!page->next || (page->events.empty() && page->next == from)) break;
    from = page->next;
  }
  return {};
}

}  // namespace

Status for_each_stream_event(const Store& store, std::string_view stream,
                             ReadStreamOptions options, const EventSink& sink) {
  auto read_page = [&](std::optional<Revision> from, uint64_t limit) {
    options.from = from;
    options.limit = limit;
    return store.read_stream(stream, options);
  };
  return for_each_page(options.from, options.limit, read_page, sink);
}

Status for_each_event(const Store& store, ReadAllOptions options, const EventSink& sink) {
  auto read_page = [&](std::optional<Position> from, uint64_t limit) {
    options.from = from;
    options.limit = limit;
    return store.read_all(options);
  };
  return for_each_page(options.from, options.limit, read_page, sink);
}

}  // namespace mnemos::cli
