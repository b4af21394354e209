// All log file I/O goes through a FileSystem, so that tests can inject faults (ENOSPC, EIO,
// dropped unsynced writes). The index (RocksDB) is derived from the log and uses its own I/O.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "mnemos/error.h"

namespace mnemos {

class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status write_at(uint64_t offset, std::span<const char> data) = 0;
  virtual Status sync() = 0;  // data only (fdatasync)
  virtual Status allocate(uint64_t offset, uint64_t length) = 0;  // reserve space, zero-filled
  virtual Status truncate(uint64_t length) = 0;
};

class ReadableFile {
 public:
  virtual ~ReadableFile() = default;
  // Reads up to buffer.size() bytes at offset; returns how many were read (short at EOF).
  virtual Result<size_t> read_at(uint64_t offset, std::span<char> buffer) const = 0;
  virtual Result<uint64_t> size() const = 0;
  // The file mapped read-only, when the file system can: bytes below the file's size at the
  // time of reading may be read through it; beyond that they must not be touched. Empty when
  // not mapped (then read_at is the way).
  virtual std::span<const char> mapping() const { return {}; }
  // Hints that [offset, offset + length) of the mapping is about to be read in full.
  virtual void will_read(uint64_t /*offset*/, uint64_t /*length*/) const {}
};

// Held for as long as the process owns a directory.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

enum class OpenMode { kCreateNew, kExisting };

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  virtual Result<std::unique_ptr<WritableFile>> open_writable(const std::string& path,
                                                              OpenMode mode) = 0;
  virtual Result<std::unique_ptr<ReadableFile>> open_readable(const std::string& path) = 0;
  virtual Status create_dirs(const std::string& path) = 0;
  virtual Result<std::vector<std::string>> list_dir(const std::string& path) = 0;  // names only
  virtual Status remove_file(const std::string& path) = 0;
  // Atomically gives `from` the name `to`; durable once the directory is synced.
  virtual Status rename(const std::string& from, const std::string& to) = 0;
  virtual Status sync_dir(const std::string& path) = 0;
  virtual bool exists(const std::string& path) = 0;
  // Exclusive, advisory, process-level. Error kLocked names the owner (pid) when known.
  virtual Result<std::unique_ptr<FileLock>> lock(const std::string& path) = 0;

  static std::shared_ptr<FileSystem> posix();
};

}  // namespace mnemos
