// Projections: the query side of CQRS. A projection reads the events it cares about from $all
// and keeps tables of a read model (read_model.h) up to date; ProjectionRunner
// (projection_runner.h) feeds it, batch by batch, with its checkpoint in the same transaction.
#pragma once

#include <optional>
#include <string_view>

#include "mnemos/cqrs/codec.h"
#include "mnemos/cqrs/read_model.h"
#include "mnemos/error.h"
#include "mnemos/types.h"

namespace mnemos::cqrs {

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
};

// A projection over a variant of event types (codec.h): each event is decoded and handed to
// on(). Events of types the variant does not declare are skipped; one that does not decode is
// an error.
template <class EventVariant>
class TypedProjection : public Projection {
 public:
  Status apply(SqlSession& db, const RecordedEventView& event) final {
    Result<std::optional<EventVariant>> decoded = Codec<EventVariant>::decode(event, UnknownEvents::kSkip);
    if (!decoded) return std::unexpected(std::move(decoded.error()));
    if (!decoded->has_value()) return {};
    return on(db, **decoded, event);
  }

 protected:
  // `recorded` gives the stream, revision, position and timestamp of `event`.
  virtual Status on(SqlSession& db, const EventVariant& event, const RecordedEventView& recorded) = 0;
};

}  // namespace mnemos::cqrs
