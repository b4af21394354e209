// Projections: the query side of CQRS. A projection reads the events it cares about from $all
// and keeps tables of a read model (read_model.h) up to date; ProjectionRunner
// (projection_runner.h) feeds it, batch by batch, with its checkpoint in the same transaction.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "mnemos/cqrs/codec.h"
#include "mnemos/cqrs/read_model.h"
#include "mnemos/error.h"
#include "mnemos/types.h"

namespace mnemos::cqrs {

// What Projection::prepare() made of a batch, handed back to apply_batch().
class PreparedBatch {
 public:
  virtual ~PreparedBatch() = default;
};

class Projection {
 public:
  virtual ~Projection() = default;

  // The key of its checkpoint in the read model: keep it stable.
  virtual std::string_view name() const = 0;

  // The events it is given, filtered by the store (e.g. stream prefix "post-").
  virtual EventFilter filter() const { return {}; }

  // Creates its tables when they are missing. Runs before the first batch of every run.
  virtual Status setup(SqlSession& db) = 0;

  // Applies one event. It runs inside the batch's transaction: an error rolls the whole batch
  // back (checkpoint included) and stops the runner, so no event is skipped or applied twice.
  virtual Status apply(SqlSession& db, const RecordedEventView& event) = 0;

  // Removes everything it built (for a rebuild); setup() follows in the same transaction.
  virtual Status drop(SqlSession& db) = 0;

  // Optional, for speed: the part of a batch's work that needs no database (decoding). While
  // catching up, the runner calls it on its reading thread, at the same time as it applies the
  // previous batch, so it must not touch what apply() changes. Default: nothing to prepare.
  virtual std::unique_ptr<PreparedBatch> prepare(std::span<const RecordedEventView> events) {
    (void)events;
    return nullptr;
  }

  // Applies one batch, in its transaction, with what prepare() made of it (null when nothing).
  // Default: apply() for each event in order.
  virtual Status apply_batch(SqlSession& db, std::span<const RecordedEventView> events, PreparedBatch* prepared) {
    (void)prepared;
    for (const RecordedEventView& event : events) {
      if (auto s = apply(db, event); !s) return s;
    }
    return {};
  }
};

// A projection over a variant of event types (codec.h): each event is decoded and handed to
// on(). Events of types the variant does not declare are skipped; one that does not decode is
// an error. Decoding is done in prepare(), off the database thread while catching up.
template <class EventVariant>
class TypedProjection : public Projection {
 public:
  Status apply(SqlSession& db, const RecordedEventView& event) final {
    return apply_decoded(db, decode(event), event);
  }

  std::unique_ptr<PreparedBatch> prepare(std::span<const RecordedEventView> events) final {
    auto decoded = std::make_unique<Decoded>();
    decoded->events.reserve(events.size());
    for (const RecordedEventView& event : events) decoded->events.push_back(decode(event));
    return decoded;
  }

  Status apply_batch(SqlSession& db, std::span<const RecordedEventView> events, PreparedBatch* prepared) final {
    auto* decoded = dynamic_cast<Decoded*>(prepared);
    if (decoded == nullptr || decoded->events.size() != events.size()) return Projection::apply_batch(db, events, nullptr);
    for (size_t i = 0; i < events.size(); ++i) {
      if (auto s = apply_decoded(db, std::move(decoded->events[i]), events[i]); !s) return s;
    }
    return {};
  }

 protected:
  // `recorded` gives the stream, revision, position and timestamp of `event`.
  virtual Status on(SqlSession& db, const EventVariant& event, const RecordedEventView& recorded) = 0;

 private:
  using DecodeResult = Result<std::optional<EventVariant>>;
  struct Decoded final : PreparedBatch {
    std::vector<DecodeResult> events;
  };

  static DecodeResult decode(const RecordedEventView& event) {
    return Codec<EventVariant>::decode(event, UnknownEvents::kSkip);
  }

  Status apply_decoded(SqlSession& db, DecodeResult decoded, const RecordedEventView& event) {
    if (!decoded) return std::unexpected(std::move(decoded.error()));
    if (!decoded->has_value()) return {};
    return on(db, **decoded, event);
  }
};

}  // namespace mnemos::cqrs
