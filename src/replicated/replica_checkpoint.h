// How far a node's local copy has applied the JetStream log: the last stream sequence applied,
// the local log's end just after it, and which JetStream stream it follows (its creation time
// tells a deleted and re-created stream of the same name apart). Kept in one small file that is
// rewritten in place after every applied batch; a CRC guards it.
//
// The file is not synced: the local copy is derived data. On open, a checkpoint that does not
// match the local log's end exactly (a crash lost one or the other's latest writes) makes the
// node rebuild its copy from the log instead of guessing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "mnemos/error.h"

namespace mnemos::replicated {

struct ReplicaCheckpoint {
  int64_t stream_created_nanos = 0;
  uint64_t applied_sequence = 0;  // 0: nothing applied
  uint64_t local_end = 0;         // Engine::committed_end() after it
  friend bool operator==(const ReplicaCheckpoint&, const ReplicaCheckpoint&) = default;
};

class CheckpointFile {
 public:
  // Opens (creating when missing) the file at `path`.
  static Result<CheckpointFile> open(const std::string& path);
  CheckpointFile(CheckpointFile&& other) noexcept;
  CheckpointFile& operator=(CheckpointFile&& other) noexcept;
  ~CheckpointFile();

  // Empty when the file is new, short or damaged.
  std::optional<ReplicaCheckpoint> read() const;
  Status write(const ReplicaCheckpoint& checkpoint);

 private:
  explicit CheckpointFile(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace mnemos::replicated
