// Snapshots: an aggregate's folded state, stored with the revision it covers, so that loading
// folds only the events after it. A snapshot is an optimisation and never changes a result:
// one is used only when its schema version matches, its checksum holds, and the event it says
// it covers is still the one at that revision of the stream; otherwise it is ignored and the
// state is folded from the events.
//
// Snapshots of stream S live in the stream "$snapshot-S" (event type "$snapshot"), which keeps
// the newest SnapshotPolicy::keep of them ($maxCount). The payload is JSON:
//   {"schema":1,"revision":41,"position":9120,"timestamp":1764...,"checksum":"...","state":{...}}
// The state needs a JSON mapping both ways (e.g. NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE).
// Header-only; uses only the public Store API.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "mnemos/error.h"
#include "mnemos/store.h"
#include "mnemos/types.h"

namespace mnemos::cqrs {

struct SnapshotPolicy {
  // A snapshot is written after a command whose events cross a multiple of `every` events in the
  // stream (every=100: at revisions 99, 199, ...). 0 never writes (existing ones are still read).
  uint64_t every = 100;
  // The version of the state's JSON shape. Bump it when the state type or evolve() changes:
  // snapshots of another version are then ignored, and rebuilt as commands come in.
  uint32_t schema_version = 1;
  // Snapshots kept per stream (older ones are truncated by $maxCount). More than one lets a load
  // "as of" an earlier time start from a snapshot too.
  uint64_t keep = 2;
};

inline constexpr std::string_view kSnapshotStreamPrefix = "$snapshot-";
inline constexpr std::string_view kSnapshotEventType = "$snapshot";

inline std::string snapshot_stream(std::string_view stream) {
  return std::string(kSnapshotStreamPrefix) + std::string(stream);
}

// A state that can be snapshotted: it converts to JSON and back.
template <class S>
concept SnapshotState = requires(const S& state, const nlohmann::json& json) {
  { nlohmann::json(state) };
  { json.get<S>() } -> std::same_as<S>;
};

// Where a snapshot's state sits in its stream: the last event folded into it.
struct SnapshotPoint {
  Revision revision;
  Position position;
  Timestamp timestamp;
};

namespace detail {

// FNV-1a over the state's JSON text: detects a snapshot edited or damaged above the log's own
// CRC (e.g. written by a buggy tool), which is what "damaged" means at this layer.
inline std::string snapshot_checksum(std::string_view text) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, hash >>= 4) out[static_cast<size_t>(i)] = kHex[hash & 0xf];
  return out;
}

}  // namespace detail

// The snapshot payload for `state` at `point`.
template <SnapshotState S>
Result<std::string> encode_snapshot(const S& state, const SnapshotPoint& point, uint32_t schema) {
  try {
    const std::string state_text = nlohmann::json(state).dump();
    nlohmann::json envelope = {
        {"schema", schema},
        {"revision", point.revision.value},
        {"position", point.position.value},
        {"timestamp", point.timestamp.micros},
        {"checksum", detail::snapshot_checksum(state_text)},
    };
    // The state is spliced in as text so that the checksum covers exactly what is stored.
    std::string out = envelope.dump();
    out.pop_back();
    out += ",\"state\":";
    out += state_text;
    out += '}';
    return out;
  } catch (const nlohmann::json::exception& e) {
    return make_error(ErrorCode::kInvalidArgument, std::string("cannot encode snapshot: ") + e.what());
  }
}

template <class S>
struct DecodedSnapshot {
  S state;
  SnapshotPoint point;
};

// A stored snapshot, or empty when it is of another schema version, damaged, or does not fit S.
template <SnapshotState S>
std::optional<DecodedSnapshot<S>> decode_snapshot(const RecordedEvent& recorded, uint32_t schema) {
  if (recorded.type != kSnapshotEventType || recorded.data_type != ContentType::kJson) return std::nullopt;
  // The state's text is the payload's tail (encode_snapshot); the envelope before it holds
  // only numbers and the checksum, so the first `,"state":` is where it starts.
  constexpr std::string_view kStateKey = ",\"state\":";
  const std::string_view payload = recorded.data;
  const size_t key = payload.find(kStateKey);
  if (key == std::string_view::npos || payload.back() != '}') return std::nullopt;
  const std::string_view state_text =
      payload.substr(key + kStateKey.size(), payload.size() - key - kStateKey.size() - 1);
  const nlohmann::json envelope = nlohmann::json::parse(payload, nullptr, false);
  if (!envelope.is_object()) return std::nullopt;
  try {
    if (envelope.at("schema").get<uint32_t>() != schema) return std::nullopt;
    if (envelope.at("checksum").get<std::string>() != detail::snapshot_checksum(state_text)) {
      return std::nullopt;
    }
    const nlohmann::json& state = envelope.at("state");
    return DecodedSnapshot<S>{state.get<S>(),
                              SnapshotPoint{Revision{envelope.at("revision").get<uint64_t>()},
                                            Position{envelope.at("position").get<uint64_t>()},
                                            Timestamp{envelope.at("timestamp").get<int64_t>()}}};
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

// Appends a snapshot of `state` at `point` to the snapshot stream of `stream`. The first one
// also sets the snapshot stream's $maxCount to policy.keep.
template <SnapshotState S>
Result<AppendResult> write_snapshot(Store& store, std::string_view stream, const S& state,
                                    const SnapshotPoint& point, const SnapshotPolicy& policy) {
  Result<std::string> payload = encode_snapshot(state, point, policy.schema_version);
  if (!payload) return std::unexpected(std::move(payload.error()));
  EventData event;
  event.type = std::string(kSnapshotEventType);
  event.data = std::move(*payload);
  const std::string name = snapshot_stream(stream);
  Result<AppendResult> appended = store.append(name, ExpectedRevision::any(), {std::move(event)});
  if (appended && appended->first_revision.value == 0) {
    const std::string limit =
        nlohmann::json{{"$maxCount", policy.keep == 0 ? 1 : policy.keep}}.dump();
    Result<AppendResult> meta = store.set_metadata(name, limit, ExpectedRevision::any());
    if (!meta) return std::unexpected(std::move(meta.error()));
  }
  return appended;
}

// True when a command that moved the stream from `before` (empty: no stream) to `after` crossed
// a multiple of policy.every events.
inline bool snapshot_due(const SnapshotPolicy& policy, std::optional<Revision> before, Revision after) {
  if (policy.every == 0) return false;
  const uint64_t events_before = before ? before->value + 1 : 0;
  return events_before / policy.every != (after.value + 1) / policy.every;
}

}  // namespace mnemos::cqrs
