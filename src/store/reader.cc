// Read paths: streams through the index, $all straight from the log, both bounded by the
// committed end (and by an as-of position) so that readers never see an uncommitted byte.
#include <algorithm>
#include <limits>

#include "store/engine.h"
#include "store/validation.h"
#include "util/time_format.h"

namespace mnemos::store {
namespace {

constexpr uint64_t kNoBound = std::numeric_limits<uint64_t>::max();

}  // namespace

RecordedEventView view_of(const storage::EventRecord& r, uint64_t position) {
  RecordedEventView e;
  e.stream = r.stream;
  e.revision = Revision{r.revision};
  e.position = Position{position};
  e.id.bytes = r.id;
  e.type = r.type;
  e.timestamp = Timestamp{r.timestamp_micros};
  e.data = r.data;
  e.metadata = r.metadata;
  e.data_type = (r.content_flags & storage::kDataBinary) ? ContentType::kBinary : ContentType::kJson;
  e.metadata_type =
      (r.content_flags & storage::kMetadataBinary) ? ContentType::kBinary : ContentType::kJson;
  return e;
}

RecordedEvent to_recorded(const storage::EventRecord& r, uint64_t position) {
  return view_of(r, position).to_recorded();
}

namespace {

std::unexpected<Error> not_found(std::string_view stream) {
  return make_error(ErrorCode::kNotFound, "stream '" + std::string(stream) + "' not found");
}

}  // namespace

// ---- building blocks ----

Status Engine::scan_log(uint64_t from, uint64_t end, const EventVisitor& visit,
                        size_t first_read) const {
  from = std::max(from, segments_.first_position());
  if (from >= end) return {};
  auto visit_rest = [&](storage::LogCursor& cursor) -> Status {
    while (true) {
      auto more = cursor.next_valid();
      if (!more) return std::unexpected(more.error());
      if (!*more) return {};
      if (cursor.position() < from) continue;
      if (!visit(cursor.record(), cursor.position())) return {};
    }
  };
  // Fast path: `from` is a record start (it came from a previous read).
  {
    storage::LogCursor cursor(segments_, from, end, first_read);
    auto step = cursor.next();
    if (!step) return std::unexpected(step.error());
    if (*step == storage::LogCursor::Step::kEnd) return {};
    if (*step == storage::LogCursor::Step::kRecord && cursor.position() == from) {
      if (!visit(cursor.record(), cursor.position())) return {};
      return visit_rest(cursor);
    }
  }
  // Otherwise start at the sparse point before it and skip what comes before `from`.
  auto boundary = index_->boundary_at_or_before(from);
  storage::LogCursor cursor(segments_, boundary ? boundary->position : segments_.first_position(),
                            end, first_read);
  return visit_rest(cursor);
}

Status Engine::read_run(storage::LogCursor& cursor, const storage::StreamRun& run,
                        uint64_t max_position, const EventVisitor& visit) const {
  cursor.seek(run.position);
  for (uint64_t k = 0; k < run.count; ++k) {
    auto more = cursor.next_valid();
    if (!more) return std::unexpected(more.error());
    if (!*more || cursor.position() > max_position) return {};
    const uint64_t revision = run.first_revision + k;
    if (cursor.record().revision != revision) {
      return std::unexpected(Error{ErrorCode::kCorruption,
                                   "index and log disagree at log position " +
                                       std::to_string(cursor.position()) +
                                       "; run `mnemos reindex`",
                                   std::nullopt, cursor.position()});
    }
    if (!visit(cursor.record(), cursor.position())) return {};
  }
  return {};
}

Status Engine::visit_stream_forwards(uint64_t stream_id, uint64_t from_revision,
                                     uint64_t max_position, uint64_t end,
                                     const EventVisitor& visit) const {
  auto runs = index_->runs(stream_id);
  bool stopped = false;
  for (runs.seek(from_revision); runs.valid() && !stopped; runs.next()) {
    const storage::StreamRun run = runs.run();
    if (run.position > max_position || run.position >= end) break;
    storage::LogCursor cursor(segments_, run.position, end);
    auto s = read_run(cursor, run, max_position,
                      [&](const storage::EventRecord& r, uint64_t position) {
                        if (r.revision < from_revision) return true;
                        stopped = !visit(r, position);
                        return !stopped;
                      });
    if (!s) return s;
  }
  return runs.status();
}

Status Engine::visit_stream_backwards(uint64_t stream_id, uint64_t from_revision,
                                      uint64_t max_position, uint64_t end,
                                      const EventVisitor& visit) const {
  auto runs = index_->runs(stream_id);
  for (runs.seek_for_prev(from_revision); runs.valid(); runs.prev()) {
    const storage::StreamRun run = runs.run();
    if (run.position > max_position || run.position >= end) continue;
    // A run is read forwards (records have no back links), noting where each record starts;
    // then only the records that the visitor takes are decoded again, newest first. Copying
    // whole runs instead made a read of the last event cost as much as a read of all of them.
    std::vector<uint64_t> starts;
    starts.reserve(run.count);
    storage::LogCursor cursor(segments_, run.position, end);
    auto s = read_run(cursor, run, max_position, [&](const storage::EventRecord& r, uint64_t pos) {
      if (r.revision > from_revision) return false;
      starts.push_back(pos);
      return true;
    });
    if (!s) return s;
    for (auto it = starts.rbegin(); it != starts.rend(); ++it) {
      cursor.seek(*it);
      auto more = cursor.next_valid();
      if (!more) return std::unexpected(more.error());
      if (!*more || cursor.position() != *it) {
        return std::unexpected(Error{ErrorCode::kCorruption,
                                     "a record read a moment ago is gone at log position " +
                                         std::to_string(*it),
                                     std::nullopt, *it});
      }
      if (!visit(cursor.record(), *it)) return {};
    }
  }
  return runs.status();
}

uint64_t Engine::read_bound(const AsOf& as_of, uint64_t end) const {
  uint64_t bound = end == 0 ? 0 : end - 1;
  if (as_of.position) bound = std::min(bound, as_of.position->value);
  if (as_of.time) {
    auto p = resolve_time(*as_of.time);
    bound = std::min(bound, p ? p->value : 0);
  }
  return bound;
}

Result<std::optional<std::string>> Engine::metadata_as_of(std::string_view stream,
                                                          uint64_t max_position,
                                                          uint64_t end) const {
  auto info = index_->stream(metastream_of(stream));
  if (!info) return std::unexpected(info.error());
  std::optional<std::string> json;
  if (!*info || (*info)->last_revision < 0) return json;
  auto s = visit_stream_backwards((*info)->id, static_cast<uint64_t>((*info)->last_revision),
                                  max_position, end,
                                  [&](const storage::EventRecord& r, uint64_t) {
                                    json = std::string(r.data);
                                    return false;
                                  });
  if (!s) return std::unexpected(s.error());
  return json;
}

Result<int64_t> Engine::last_revision_as_of(uint64_t stream_id, uint64_t max_position,
                                            uint64_t end) const {
  auto runs = index_->runs(stream_id);
  for (runs.seek_last(); runs.valid(); runs.prev()) {
    const storage::StreamRun run = runs.run();
    if (run.position > max_position || run.position >= end) continue;
    if (max_position + 1 >= end) {
      // A run is one commit's events, published whole: all of it is below the committed end.
      return static_cast<int64_t>(run.first_revision + run.count - 1);
    }
    int64_t last = -1;
    storage::LogCursor cursor(segments_, run.position, end);
    for (uint64_t k = 0; k < run.count; ++k) {
      auto more = cursor.next_valid();
      if (!more) return std::unexpected(more.error());
      if (!*more || cursor.position() > max_position) break;
      last = static_cast<int64_t>(run.first_revision + k);
    }
    return last;
  }
  if (auto s = runs.status(); !s) return std::unexpected(s.error());
  return -1;
}

// ---- public reads ----

Result<StreamReadResult> Engine::read_stream(std::string_view stream,
                                             const ReadStreamOptions& o) const {
  if (auto s = validate_stream_name(stream); !s) return std::unexpected(s.error());
  const uint64_t end = committed_end();
  const uint64_t bound = read_bound(o.as_of, end);
  auto info = index_->stream_ref(stream);
  if (!info) return std::unexpected(info.error());
  if (!*info) return not_found(stream);
  if ((*info)->tombstone_position != 0 && (*info)->tombstone_position <= bound) {
    return make_error(ErrorCode::kStreamDeleted,
                      "stream '" + std::string(stream) + "' is tombstoned");
  }
  StreamMetadata meta;
  if (!is_metastream(stream)) {
    auto json = metadata_as_of(stream, bound, end);
    if (!json) return std::unexpected(json.error());
    if (*json) meta = parse_stream_metadata(**json);
  }
  if (meta.soft_deleted()) return not_found(stream);
  auto last = last_revision_as_of((*info)->id, bound, end);
  if (!last) return std::unexpected(last.error());
  if (*last < 0) return not_found(stream);
  const auto last_rev = static_cast<uint64_t>(*last);

  uint64_t first_visible = meta.truncate_before.value_or(0);
  if (meta.max_count) {
    first_visible = std::max(first_visible, last_rev + 1 > *meta.max_count
                                                ? last_rev + 1 - *meta.max_count
                                                : 0);
  }
  int64_t oldest_time = std::numeric_limits<int64_t>::min();
  if (meta.max_age_seconds) {
    const int64_t now = o.as_of.time ? o.as_of.time->micros : now_timestamp().micros;
    oldest_time = now - static_cast<int64_t>(*meta.max_age_seconds) * 1'000'000;
  }

  StreamReadResult result;
  result.events.reserve(static_cast<size_t>(std::min<uint64_t>(o.limit, 1024)));
  uint64_t last_seen = 0;
  bool more = false;
  auto visit = [&](const storage::EventRecord& r, uint64_t position) {
    if (o.direction == Direction::kBackwards && r.revision < first_visible) return false;
    if (result.events.size() >= o.limit) {
      more = true;
      return false;
    }
    last_seen = r.revision;
    if (r.timestamp_micros >= oldest_time) result.events.push_back(to_recorded(r, position));
    return true;
  };
  if (o.limit == 0) return result;
  if (o.direction == Direction::kForwards) {
    const uint64_t from = std::max(o.from.value_or(Revision{0}).value, first_visible);
    if (from > last_rev) return result;
    if (auto s = visit_stream_forwards((*info)->id, from, bound, end, visit); !s) {
      return std::unexpected(s.error());
    }
    if (more) result.next = Revision{last_seen + 1};
  } else {
    const uint64_t from = std::min(o.from.value_or(Revision{last_rev}).value, last_rev);
    if (from < first_visible) return result;
    if (auto s = visit_stream_backwards((*info)->id, from, bound, end, visit); !s) {
      return std::unexpected(s.error());
    }
    if (more && last_seen > first_visible) result.next = Revision{last_seen - 1};
  }
  return result;
}

// $all forwards from o.from: each event that passes the filter, up to o.limit, goes to `emit`
// as it lies in the log. Returns where the next page starts (empty at the end or the bound).
Result<std::optional<Position>> Engine::scan_all_forwards(
    const ReadAllOptions& o, uint64_t end, uint64_t bound,
    const std::function<void(const storage::EventRecord&, uint64_t)>& emit) const {
  const uint64_t from = o.from.value_or(Position{0}).value;
  std::optional<uint64_t> next;
  uint64_t emitted = 0;
  // A page of `limit` events is read in about one go (~200 bytes an event, at most 1 MiB).
  const auto first_read = static_cast<size_t>(std::clamp<uint64_t>(
      o.filter.empty() ? o.limit * 200 : 1 << 20, 16 << 10, 1 << 20));
  auto s = scan_log(
      from, end,
      [&](const storage::EventRecord& r, uint64_t position) {
        if (position > bound) return false;
        if (emitted >= o.limit) {
          next = position;
          return false;
        }
        if (o.filter.matches(r.stream, r.type)) {
          emit(r, position);
          ++emitted;
        }
        return true;
      },
      first_read);
  if (!s) return std::unexpected(s.error());
  if (next) return Position{*next};
  return std::optional<Position>();
}

Result<AllScanResult> Engine::scan_all(const ReadAllOptions& o,
                                       const std::function<void(const RecordedEventView&)>& visit) const {
  AllScanResult result;
  if (o.limit == 0) return result;
  if (o.direction == Direction::kBackwards) {
    // Backward chunks are reversed before they are handed out, so they are copied anyway.
    auto page = read_all(o);
    if (!page) return std::unexpected(page.error());
    for (const RecordedEvent& event : page->events) visit(view_of(event));
    return AllScanResult{page->events.size(), page->next};
  }
  const uint64_t end = committed_end();
  auto next = scan_all_forwards(o, end, read_bound(o.as_of, end),
                                [&](const storage::EventRecord& r, uint64_t position) {
                                  visit(view_of(r, position));
                                  ++result.events;
                                });
  if (!next) return std::unexpected(next.error());
  result.next = *next;
  return result;
}

Result<AllReadResult> Engine::read_all(const ReadAllOptions& o) const {
  const uint64_t end = committed_end();
  const uint64_t bound = read_bound(o.as_of, end);
  AllReadResult result;
  if (o.limit == 0) return result;
  result.events.reserve(static_cast<size_t>(std::min<uint64_t>(o.limit, 4096)));
  if (o.direction == Direction::kForwards) {
    auto next = scan_all_forwards(o, end, bound, [&](const storage::EventRecord& r, uint64_t position) {
      result.events.push_back(to_recorded(r, position));
    });
    if (!next) return std::unexpected(next.error());
    result.next = *next;
    return result;
  }
  // Backwards: walk the sparse points down, reading each chunk forwards and reversing it.
  uint64_t upper = std::min(o.from.value_or(Position{bound}).value, bound);  // inclusive
  const uint64_t first = segments_.first_position();
  while (upper >= first && end > first) {
    auto boundary = index_->boundary_at_or_before(upper);
    const uint64_t chunk_start = boundary ? boundary->position : first;
    std::vector<RecordedEvent> chunk;
    auto s = scan_log(chunk_start, end, [&](const storage::EventRecord& r, uint64_t position) {
                        if (position > upper) return false;
                        if (o.filter.matches(r.stream, r.type)) chunk.push_back(to_recorded(r, position));
                        return true;
                      });
    if (!s) return std::unexpected(s.error());
    for (auto it = chunk.rbegin(); it != chunk.rend(); ++it) {
      if (result.events.size() >= o.limit) {
        result.next = Position{it->position.value};
        return result;
      }
      result.events.push_back(std::move(*it));
    }
    if (chunk_start <= first) break;
    upper = chunk_start - 1;
  }
  return result;
}

Result<Position> Engine::resolve_time(Timestamp t) const {
  const uint64_t end = committed_end();
  auto boundary = index_->boundary_at_or_before_time(t.micros);
  if (!boundary) return Position{0};
  uint64_t found = boundary->position;
  auto s = scan_log(boundary->position, end, [&](const storage::EventRecord& r, uint64_t position) {
    if (r.timestamp_micros > t.micros) return false;
    found = position;
    return true;
  });
  if (!s) return std::unexpected(s.error());
  return Position{found};
}

Result<StreamMetadataResult> Engine::get_metadata(std::string_view stream) const {
  if (auto s = validate_stream_name(stream); !s) return std::unexpected(s.error());
  const uint64_t end = committed_end();
  StreamMetadataResult result{"{}", std::nullopt};
  auto info = index_->stream(metastream_of(stream));
  if (!info) return std::unexpected(info.error());
  if (!*info || (*info)->last_revision < 0) return result;
  auto s = visit_stream_backwards((*info)->id, static_cast<uint64_t>((*info)->last_revision),
                                  kNoBound, end, [&](const storage::EventRecord& r, uint64_t) {
                                    result.json = std::string(r.data);
                                    result.revision = Revision{r.revision};
                                    return false;
                                  });
  if (!s) return std::unexpected(s.error());
  return result;
}

Result<std::vector<StreamSummary>> Engine::list_streams(const ListStreamsOptions& o) const {
  const uint64_t end = committed_end();
  std::vector<StreamSummary> out;
  const bool want_metastreams = o.prefix.starts_with("$$");
  std::string after = o.after;
  while (out.size() < o.limit) {
    auto page = index_->list_streams(o.prefix, after, o.limit - out.size());
    if (!page) return std::unexpected(page.error());
    if (page->empty()) break;
    after = page->back().name;
    for (auto& entry : *page) {
      if (!want_metastreams && is_metastream(entry.name)) continue;
      StreamSummary summary;
      summary.name = entry.name;
      if (entry.info.last_revision >= 0) {
        summary.last_revision = Revision{static_cast<uint64_t>(entry.info.last_revision)};
      }
      if (entry.info.tombstone_position != 0) {
        summary.state = StreamState::kTombstoned;
      } else if (!is_metastream(entry.name)) {
        auto json = metadata_as_of(entry.name, kNoBound, end);
        if (!json) return std::unexpected(json.error());
        if (*json && parse_stream_metadata(**json).soft_deleted()) {
          summary.state = StreamState::kSoftDeleted;
        }
      }
      out.push_back(std::move(summary));
    }
  }
  return out;
}

Result<StoreStats> Engine::stats() const {
  StoreStats s;
  const uint64_t end = committed_end();
  auto all = segments_.all();
  for (size_t i = 0; i < all.size(); ++i) {
    const uint64_t seg_end = i + 1 < all.size() ? all[i + 1]->base : end;
    s.log_bytes += seg_end - all[i]->base;
  }
  s.segments = all.size();
  s.events = events_.load(std::memory_order_relaxed);
  s.streams = streams_.load(std::memory_order_relaxed);
  s.index_bytes = index_->disk_bytes();
  s.head = head();
  s.appends = appends_.load(std::memory_order_relaxed);
  s.syncs = syncs_.load(std::memory_order_relaxed);
  s.sync_latency = sync_latency_.snapshot();
  return s;
}

}  // namespace mnemos::store
