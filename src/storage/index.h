// The derived index, kept in RocksDB. Everything in it can be rebuilt from the log.
//
// Keys (one-byte prefix, then big-endian numbers so that they sort numerically):
//   'M' name                     -> metadata of the index: checkpoint, counters, store id
//   'S' stream name              -> StreamInfo (varints: id, last revision + 1, tombstone pos),
//                                   written when the stream is created or tombstoned; its
//                                   current last revision is that of its last run
//   'R' stream id, first revision -> StreamRun (varints: position of the first event, count)
//   'B' position                 -> timestamp (varint): a record start, every ~64 KiB of log
//   'T' timestamp, position      -> "" : the same sparse points, ordered by time
//
// A run is a set of consecutive events of one stream written in one commit, so they are
// consecutive records in the log: revision first+k is the k-th record from `position`.
// Writes skip RocksDB's WAL: the checkpoint 'M' "indexed_up_to" is written in the same batch as
// the entries it covers, and RocksDB flushes a memtable atomically, so after a crash the index
// is a consistent prefix and the log tail after the checkpoint is replayed.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mnemos/error.h"
#include "mnemos/types.h"
#include "storage/segment_format.h"

namespace rocksdb {
class DB;
class Iterator;
class WriteBatch;
}  // namespace rocksdb

namespace mnemos::storage {

struct StreamInfo {
  uint64_t id = 0;
  int64_t last_revision = -1;       // -1: no events (yet); Index::stream derives it from the runs
  uint64_t tombstone_position = 0;  // 0: not tombstoned
};

// What a reader that walks a stream's runs needs of its entry: no last revision.
struct StreamRef {
  uint64_t id = 0;
  uint64_t tombstone_position = 0;  // 0: not tombstoned
};

struct StreamRun {
  uint64_t first_revision = 0;
  uint64_t position = 0;
  uint64_t count = 0;
};

struct Boundary {
  uint64_t position = 0;
  int64_t timestamp_micros = 0;
};

struct IndexCounters {
  uint64_t indexed_up_to = 0;  // log position: every commit ending at or before it is indexed
  uint64_t next_stream_id = 1;
  uint64_t events = 0;
  uint64_t streams = 0;
  uint64_t head_position = 0;   // of the last indexed record
  int64_t last_timestamp = 0;   // of the last indexed record
};

class Index;

// Walks the runs of one stream in revision order.
class RunIterator {
 public:
  ~RunIterator();
  RunIterator(RunIterator&&) noexcept;
  RunIterator(const RunIterator&) = delete;
  RunIterator& operator=(const RunIterator&) = delete;

  // Positions at the run holding `revision`, or else the first run after it.
  void seek(uint64_t revision);
  // Positions at the run holding `revision`, or else the last run before it.
  void seek_for_prev(uint64_t revision);
  void seek_last();
  void next();
  void prev();
  bool valid() const;
  StreamRun run() const;
  Status status() const;

 private:
  friend class Index;
  RunIterator(std::unique_ptr<rocksdb::Iterator> it, uint64_t stream_id);
  bool in_stream() const;
  std::unique_ptr<rocksdb::Iterator> it_;
  std::string prefix_;
};

// Changes to the index, applied atomically by Index::write.
class IndexBatch {
 public:
  IndexBatch();
  ~IndexBatch();
  void put_stream(std::string_view name, const StreamInfo& info);
  void put_run(uint64_t stream_id, const StreamRun& run);
  void put_boundary(const Boundary& b);
  void put_counters(const IndexCounters& c);
  void clear();
  void swap(IndexBatch& other) { batch_.swap(other.batch_); }
  size_t count() const;

 private:
  friend class Index;
  std::unique_ptr<rocksdb::WriteBatch> batch_;
};

class Index {
 public:
  // Opens or creates the index in `dir`.
  static Result<std::unique_ptr<Index>> open(const std::string& dir, uint64_t cache_bytes);
  // Removes an index directory (for a rebuild).
  static Status destroy(const std::string& dir);
  ~Index();
  Index(const Index&) = delete;
  Index& operator=(const Index&) = delete;

  // The stream with its current last revision (read from its last run: one seek more).
  Result<std::optional<StreamInfo>> stream(std::string_view name) const;
  // The stream's id and tombstone alone: one point lookup.
  Result<std::optional<StreamRef>> stream_ref(std::string_view name) const;
  RunIterator runs(uint64_t stream_id) const;

  // The last sparse point at or before `position`.
  std::optional<Boundary> boundary_at_or_before(uint64_t position) const;
  // The last sparse point whose time is at or before `t`.
  std::optional<Boundary> boundary_at_or_before_time(int64_t micros) const;

  struct StreamEntry {
    std::string name;
    StreamInfo info;
  };
  // Streams whose names start with `prefix`, after `after` (exclusive), in name order.
  Result<std::vector<StreamEntry>> list_streams(std::string_view prefix, std::string_view after,
                                                uint64_t limit) const;

  IndexCounters counters() const;
  std::optional<StoreId> store_id() const;
  Status set_store_id(const StoreId& id);

  Status write(IndexBatch& batch);
  Status flush();  // persist the memtable (the checkpoint with it)
  uint64_t disk_bytes() const;

 private:
  explicit Index(std::unique_ptr<rocksdb::DB> db);
  Result<std::optional<StreamInfo>> stream_entry(std::string_view name) const;
  Status read_last_revision(rocksdb::Iterator& it, StreamInfo& info) const;
  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace mnemos::storage
