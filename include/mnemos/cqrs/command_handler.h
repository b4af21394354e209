// Loading an aggregate's state from its stream (now, or as of a time or position), and handling
// a command: load, decide, append with the expected revision that was read, retry on conflict.
// Header-only; uses only the public Store API (mnemos/store.h), so it works on any backend.
#pragma once

#include <algorithm>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mnemos/cqrs/codec.h"
#include "mnemos/cqrs/decider.h"
#include "mnemos/cqrs/snapshot.h"
#include "mnemos/error.h"
#include "mnemos/store.h"
#include "mnemos/types.h"

namespace mnemos::cqrs {

struct LoadOptions {
  AsOf as_of;  // empty: the current state; otherwise the state as of that position or time
  UnknownEvents unknown = UnknownEvents::kError;
  uint64_t page_size = 4096;  // events per read_stream call
  // Start from the newest usable snapshot (snapshot.h); empty: always fold from the first event.
  // The state type needs a JSON mapping (SnapshotState).
  std::optional<SnapshotPolicy> snapshots;
};

// A folded state and what it covers.
template <class State>
struct Loaded {
  State state;
  std::optional<Revision> revision;  // the last event folded in; empty: the stream had none
  Position position;                 // that event's position in $all (0 when none)
  uint64_t events = 0;               // how many events were folded (skipped unknowns excluded)
  std::optional<Revision> snapshot;  // the snapshot the fold started from; empty: from the start
};

namespace detail {

// The newest snapshot of `stream` that the load may start from: of the policy's schema version,
// intact, and within the as-of bound. fold_events() then checks that it still matches the stream.
template <Decider D>
std::optional<DecodedSnapshot<typename D::State>> newest_snapshot(const Store& store,
                                                                  std::string_view stream,
                                                                  const LoadOptions& options) {
  ReadStreamOptions newest;
  newest.direction = Direction::kBackwards;
  newest.limit = std::clamp<uint64_t>(options.snapshots->keep, 1, 16);
  Result<StreamReadResult> snapshots = store.read_stream(snapshot_stream(stream), newest);
  if (!snapshots) return std::nullopt;
  for (const RecordedEvent& recorded : snapshots->events) {
    auto snapshot = decode_snapshot<typename D::State>(recorded, options.snapshots->schema_version);
    if (!snapshot) continue;
    const SnapshotPoint& point = snapshot->point;
    if (options.as_of.position && point.position > *options.as_of.position) continue;
    if (options.as_of.time && point.timestamp > *options.as_of.time) continue;
    return snapshot;
  }
  return std::nullopt;
}

// Folds the events of `stream` from `loaded` on. With `covered`, the read starts at the snapshot's
// own event, which must still be there at the same position (not truncated by $tb, $maxCount or
// a delete since): otherwise it returns false and the snapshot must not be used.
template <Decider D>
Result<bool> fold_events(const Store& store, const D& decider, std::string_view stream,
                         const LoadOptions& options, std::optional<SnapshotPoint> covered,
                         Loaded<typename D::State>& loaded) {
  ReadStreamOptions read;
  read.direction = Direction::kForwards;
  read.limit = options.page_size == 0 ? 1 : options.page_size;
  read.as_of = options.as_of;
  if (covered) read.from = covered->revision;
  while (true) {
    Result<StreamReadResult> page = store.read_stream(stream, read);
    if (!page) {
      if (page.error().code == ErrorCode::kNotFound) return !covered;
      return std::unexpected(std::move(page.error()));
    }
    for (const RecordedEvent& recorded : page->events) {
      if (covered) {
        if (recorded.revision != covered->revision || recorded.position != covered->position) return false;
        covered.reset();  // already folded into the snapshot
        continue;
      }
      Result<std::optional<typename D::Event>> event =
          Codec<typename D::Event>::decode(recorded, options.unknown);
      if (!event) return std::unexpected(std::move(event.error()));
      // A skipped event still counts as read: the expected revision must cover it.
      loaded.revision = recorded.revision;
      loaded.position = recorded.position;
      if (!event->has_value()) continue;
      loaded.state = decider.evolve(std::move(loaded.state), **event);
      ++loaded.events;
    }
    if (!page->next || page->events.empty()) return !covered;
    read.from = page->next;
  }
}

}  // namespace detail

// Reads `stream` forwards (page by page, bounded by options.as_of), decodes each event and folds
// it into the decider's initial state, or into the newest usable snapshot's state when
// options.snapshots is set. A stream with no events (or soft-deleted, or not yet existing as of
// the bound) gives the initial state and an empty revision.
// Errors: kInvalidArgument (an event that does not decode, or an unknown type with kError),
// kStreamDeleted (tombstoned), and the store's read errors.
template <Decider D>
Result<Loaded<typename D::State>> load(const Store& store, const D& decider,
                                       std::string_view stream, const LoadOptions& options = {}) {
  using Folded = Loaded<typename D::State>;
  if (options.snapshots) {
    if constexpr (SnapshotState<typename D::State>) {
      if (auto snapshot = detail::newest_snapshot<D>(store, stream, options)) {
        const SnapshotPoint point = snapshot->point;
        Folded loaded{std::move(snapshot->state), point.revision, point.position, 0, point.revision};
        Result<bool> matched = detail::fold_events(store, decider, stream, options, point, loaded);
        if (!matched) return std::unexpected(std::move(matched.error()));
        if (*matched) return loaded;
        // The stream changed under the snapshot: fold from the start.
      }
    } else {
      return make_error(ErrorCode::kInvalidArgument,
                        "snapshots need a state type with a JSON mapping both ways");
    }
  }
  Folded loaded{decider.initial_state(), std::nullopt, Position{}, 0, std::nullopt};
  Result<bool> folded = detail::fold_events(store, decider, stream, options, std::nullopt, loaded);
  if (!folded) return std::unexpected(std::move(folded.error()));
  return loaded;
}

// The state as of a position or a time (inclusive; when both are set the earlier wins).
template <Decider D>
Result<Loaded<typename D::State>> load(const Store& store, const D& decider,
                                       std::string_view stream, AsOf as_of,
                                       UnknownEvents unknown = UnknownEvents::kError) {
  LoadOptions options;
  options.as_of = as_of;
  options.unknown = unknown;
  return load(store, decider, stream, options);
}

struct HandleOptions {
  // Attempts after the first one that met a concurrency conflict (kWrongExpectedRevision):
  // each reloads the state and decides again. 0 disables retrying.
  int max_retries = 3;
  UnknownEvents unknown = UnknownEvents::kError;
  // Load from snapshots and write one when a command crosses a multiple of `every` events.
  std::optional<SnapshotPolicy> snapshots;
};

// A command handled successfully.
template <class Event>
struct Handled {
  std::vector<Event> events;            // what decide() produced, in order
  std::optional<AppendResult> appended;  // where they went; empty when `events` is empty
  // The stream's head after handling: the last appended event, or, when nothing was appended,
  // the last event the decision was based on (empty revision, position 0: no stream yet).
  // Wait for a projection to reach `position` to read this command's writes.
  std::optional<Revision> revision;
  Position position;
  int attempts = 0;  // 1 + the conflicts that were retried
  // Set when a snapshot was due and could not be written. The command itself succeeded: the
  // snapshot is only an optimisation, and the next one due will be tried again.
  std::optional<Error> snapshot_error;
};

template <Decider D>
using HandleResult = std::expected<Handled<typename D::Event>, HandleError<typename D::Error>>;

// Loads the state of `stream`, decides `command` against it, and appends the new events with
// ExpectedRevision::exact(last revision read), or no_stream when the stream had no events. On
// kWrongExpectedRevision it starts again, at most options.max_retries more times; then it
// returns Conflict. A decision with no events appends nothing and succeeds (Handled::appended
// empty). Domain errors come back as Rejected (no retry), everything else as Failure.
template <Decider D>
HandleResult<D> handle(Store& store, const D& decider, std::string_view stream,
                       const typename D::Command& command, const HandleOptions& options = {}) {
  using Event = typename D::Event;
  using DomainError = typename D::Error;
  const int max_attempts = 1 + (options.max_retries < 0 ? 0 : options.max_retries);
  Error last_conflict{ErrorCode::kWrongExpectedRevision, "", std::nullopt, std::nullopt};
  for (int attempt = 1; attempt <= max_attempts; ++attempt) {
    LoadOptions load_options;
    load_options.unknown = options.unknown;
    load_options.snapshots = options.snapshots;
    Result<Loaded<typename D::State>> loaded = load(store, decider, stream, load_options);
    if (!loaded) return std::unexpected(HandleError<DomainError>(Failure{std::move(loaded.error())}));

    Decision<Event, DomainError> decision = decider.decide(command, std::as_const(loaded->state));
    if (!decision) {
      return std::unexpected(HandleError<DomainError>(Rejected<DomainError>{std::move(decision.error())}));
    }
    Handled<Event> handled;
    handled.attempts = attempt;
    if (decision->empty()) {
      handled.revision = loaded->revision;
      handled.position = loaded->position;
      return handled;
    }

    std::vector<EventData> batch;
    batch.reserve(decision->size());
    for (const Event& event : *decision) {
      Result<EventData> data = Codec<Event>::encode(event);
      if (!data) return std::unexpected(HandleError<DomainError>(Failure{std::move(data.error())}));
      batch.push_back(std::move(*data));
    }
    const ExpectedRevision expected = loaded->revision
                                          ? ExpectedRevision::exact(*loaded->revision)
                                          : ExpectedRevision::no_stream();
    Result<AppendResult> appended = store.append(stream, expected, std::move(batch));
    if (!appended) {
      if (appended.error().code == ErrorCode::kWrongExpectedRevision) {
        last_conflict = std::move(appended.error());
        continue;
      }
      return std::unexpected(HandleError<DomainError>(Failure{std::move(appended.error())}));
    }
    handled.appended = *appended;
    handled.revision = appended->last_revision;
    handled.position = appended->position;
    if (options.snapshots && snapshot_due(*options.snapshots, loaded->revision, appended->last_revision)) {
      if constexpr (SnapshotState<typename D::State>) {
        const typename D::State state = fold(
            [&](auto&& s, const Event& e) { return decider.evolve(std::forward<decltype(s)>(s), e); },
            std::move(loaded->state), *decision);
        const SnapshotPoint point{appended->last_revision, appended->position, appended->timestamp};
        Result<AppendResult> written = write_snapshot(store, stream, state, point, *options.snapshots);
        if (!written) handled.snapshot_error = std::move(written.error());
      }
    }
    handled.events = std::move(*decision);
    return handled;
  }
  return std::unexpected(HandleError<DomainError>(Conflict{std::move(last_conflict), max_attempts}));
}

}  // namespace mnemos::cqrs
