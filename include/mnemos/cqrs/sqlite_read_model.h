// The embedded query database: a ReadModel on one SQLite file (WAL mode).
#pragma once

#include <memory>
#include <string>

#include "mnemos/cqrs/read_model.h"

namespace mnemos::cqrs {

struct SqliteReadModelOptions {
  // NORMAL (the default) does not sync at each commit: after a power loss the file holds a
  // consistent earlier transaction, changes and checkpoint together, and the projection
  // replays the rest from the event store, which is the durable truth. FULL syncs each batch.
  bool synchronous_full = false;
  int busy_timeout_ms = 10000;
};

// Opens (creating when missing) the SQLite database at `path`, in WAL mode, with the table
// `mnemos_checkpoints(projection TEXT PRIMARY KEY, position INTEGER, events INTEGER)`.
// Errors: kIoError (cannot open or create it), kInvalidArgument (not a SQLite database).
Result<std::unique_ptr<ReadModel>> open_sqlite_read_model(const std::string& path,
                                                          const SqliteReadModelOptions& options = {});

}  // namespace mnemos::cqrs
