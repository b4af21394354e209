// SqlitePeer: SQLite as people use it for an event store. One file, WAL mode, synchronous=FULL
// (the WAL is synced on every commit), one table:
//   events(position INTEGER PRIMARY KEY, stream TEXT, version INTEGER, id BLOB(16), type TEXT,
//          data BLOB, metadata BLOB, ts INTEGER, UNIQUE(stream, version))
// An append is BEGIN IMMEDIATE; SELECT coalesce(max(version),-1) for the stream; compare; the
// INSERTs; COMMIT. Each Connection is its own sqlite3 connection with a busy timeout.
#pragma once

#include <memory>
#include <string>

#include "peer.h"

namespace mnemos::bench {

std::unique_ptr<Peer> make_sqlite_peer();

}  // namespace mnemos::bench
