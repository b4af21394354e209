// A FileSystem that wraps another one (the real one by default) and injects faults:
//  - failing operations (write, sync, allocate, ...) with an errno such as ENOSPC or EIO,
//    optionally after letting a number of them succeed, optionally writing half the bytes first;
//  - a simulated power loss, as SQLite's test6.c does: simulate_crash() stops every later write
//    and then zeroes or garbles (or keeps) the bytes each file got since its last sync().
// Pass it to the engine through Options::file_system. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "mnemos/env.h"

namespace mnemos::test {

enum class FaultOp { kOpenWritable, kWrite, kSync, kAllocate, kTruncate, kCreateDirs, kSyncDir };

struct Fault {
  int error = 5;                  // errno to report: EIO (5), ENOSPC (28), ...
  std::string path_contains;      // only files whose path contains this; empty: every file
  uint64_t skip = 0;              // let this many matching operations succeed first
  bool once = false;              // fail one operation, then heal; default: keep failing
  bool write_half_first = false;  // kWrite: write the first half of the bytes, then fail
};

enum class CrashMode {
  kZeroUnsynced,    // bytes written since the last sync read back as zeros
  kGarbleUnsynced,  // ... as random bytes
  kKeepUnsynced,    // ... as written (the OS got them to disk anyway)
};

class FaultInjectingFileSystem final : public FileSystem {
 public:
  explicit FaultInjectingFileSystem(std::shared_ptr<FileSystem> base = FileSystem::posix(),
                                    uint64_t seed = 1);
  ~FaultInjectingFileSystem() override;

  // Adds a fault for `op`; several may be active. heal() removes them all.
  void inject(FaultOp op, Fault fault);
  void heal();

  // Every operation of this kind attempted so far (failed ones included).
  uint64_t attempts(FaultOp op) const;
  // Operations failed on purpose so far.
  uint64_t injected_failures() const;
  // Bytes written and not yet synced, over all files.
  uint64_t unsynced_bytes() const;

  // Simulated power loss: from now on every mutating operation fails with EIO. The bytes that
  // each file received since its last completed sync() are then damaged in the real files per
  // `mode` (a sync still running counts as not done). Returns how many bytes were damaged
  // (zeroed or garbled; 0 for kKeepUnsynced).
  uint64_t simulate_crash(CrashMode mode);
  // The same, at the moment the engine calls sync() for the (skip_syncs + 1)-th time from now,
  // before that sync happens: the power fails with unsynced bytes in flight.
  void arm_crash_before_sync(CrashMode mode, uint64_t skip_syncs = 0);
  bool crashed() const;
  uint64_t damaged_bytes() const;  // by the crash, so far

  Result<std::unique_ptr<WritableFile>> open_writable(const std::string& path,
                                                      OpenMode mode) override;
  Result<std::unique_ptr<ReadableFile>> open_readable(const std::string& path) override;
  Status create_dirs(const std::string& path) override;
  Result<std::vector<std::string>> list_dir(const std::string& path) override;
  Status remove_file(const std::string& path) override;
  Status rename(const std::string& from, const std::string& to) override;
  Status sync_dir(const std::string& path) override;
  bool exists(const std::string& path) override;
  Result<std::unique_ptr<FileLock>> lock(const std::string& path) override;

  struct State;  // shared with the files it hands out

 private:
  std::shared_ptr<FileSystem> base_;
  std::shared_ptr<State> state_;
};

}  // namespace mnemos::test
