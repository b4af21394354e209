// The real FileSystem: POSIX files, pread/pwrite, fdatasync, fallocate, flock.
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "mnemos/env.h"

namespace mnemos {
namespace {

std::unexpected<Error> io_error(const std::string& what, const std::string& path, int err) {
  return make_error(ErrorCode::kIoError, what + " " + path + ": " + std::strerror(err));
}

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixWritableFile() override { ::close(fd_); }
  PosixWritableFile(const PosixWritableFile&) = delete;
  PosixWritableFile& operator=(const PosixWritableFile&) = delete;

  Status write_at(uint64_t offset, std::span<const char> data) override {
    while (!data.empty()) {
      ssize_t n = ::pwrite(fd_, data.data(), data.size(), static_cast<off_t>(offset));
      if (n < 0) {
        if (errno == EINTR) continue;
        return io_error("write", path_, errno);
      }
      data = data.subspan(static_cast<size_t>(n));
      offset += static_cast<uint64_t>(n);
    }
    return {};
  }

  Status sync() override {
    if (::fdatasync(fd_) != 0) return io_error("fdatasync", path_, errno);
    return {};
  }

  // Writes real zeros rather than calling fallocate: fallocate leaves "unwritten" extents, and
  // a later data write into them makes fdatasync journal an extent conversion (on ext4 a 16 KiB
  // append + fdatasync costs ~170 µs into fallocated space, ~100 µs into written zeros).
  Status allocate(uint64_t offset, uint64_t length) override {
    static const std::vector<char> zeros(1 << 20, '\0');
    while (length > 0) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(length, zeros.size()));
      if (auto s = write_at(offset, std::span<const char>(zeros.data(), n)); !s) return s;
      offset += n;
      length -= n;
    }
    return {};
  }

  Status truncate(uint64_t length) override {
    if (::ftruncate(fd_, static_cast<off_t>(length)) != 0) return io_error("truncate", path_, errno);
    return {};
  }

 private:
  std::string path_;
  int fd_;
};

// Log files are mapped with room to grow: a segment that is still being written gets longer
// under the mapping. Readers only touch bytes below what was committed, which are in the file.
constexpr size_t kMappingSize = size_t{1} << 30;

class PosixReadableFile final : public ReadableFile {
 public:
  PosixReadableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {
    void* p = ::mmap(nullptr, kMappingSize, PROT_READ, MAP_SHARED, fd_, 0);
    if (p != MAP_FAILED) mapping_ = std::span<const char>(static_cast<const char*>(p), kMappingSize);
  }
  ~PosixReadableFile() override {
    if (!mapping_.empty()) ::munmap(const_cast<char*>(mapping_.data()), mapping_.size());
    ::close(fd_);
  }
  std::span<const char> mapping() const override { return mapping_; }

  // One madvise maps the pages of a range that a scan is about to read, instead of one page
  // fault every few pages. Only a hint: errors (older kernels) are ignored.
  void will_read(uint64_t offset, uint64_t length) const override {
#ifdef MADV_POPULATE_READ
    const uint64_t page = 4096;
    const uint64_t start = offset / page * page;
    if (mapping_.empty() || start >= mapping_.size()) return;
    length = std::min<uint64_t>(offset + length, mapping_.size()) - start;
    ::madvise(const_cast<char*>(mapping_.data()) + start, length, MADV_POPULATE_READ);
#else
    (void)offset;
    (void)length;
#endif
  }
  PosixReadableFile(const PosixReadableFile&) = delete;
  PosixReadableFile& operator=(const PosixReadableFile&) = delete;

  Result<size_t> read_at(uint64_t offset, std::span<char> buffer) const override {
    size_t done = 0;
    while (done < buffer.size()) {
      ssize_t n = ::pread(fd_, buffer.data() + done, buffer.size() - done,
                          static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return io_error("read", path_, errno);
      }
      if (n == 0) break;
      done += static_cast<size_t>(n);
    }
    return done;
  }

  Result<uint64_t> size() const override {
    struct stat st;
    if (::fstat(fd_, &st) != 0) return io_error("stat", path_, errno);
    return static_cast<uint64_t>(st.st_size);
  }

 private:
  std::string path_;
  int fd_;
  std::span<const char> mapping_;
};

class PosixFileLock final : public FileLock {
 public:
  explicit PosixFileLock(int fd) : fd_(fd) {}
  ~PosixFileLock() override {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
  PosixFileLock(const PosixFileLock&) = delete;
  PosixFileLock& operator=(const PosixFileLock&) = delete;

 private:
  int fd_;
};

class PosixFileSystem final : public FileSystem {
 public:
  Result<std::unique_ptr<WritableFile>> open_writable(const std::string& path,
                                                      OpenMode mode) override {
    int flags = O_RDWR | O_CLOEXEC | (mode == OpenMode::kCreateNew ? O_CREAT | O_EXCL : 0);
    int fd = ::open(path.c_str(), flags, 0644);
    if (fd < 0) return io_error("open", path, errno);
    return std::make_unique<PosixWritableFile>(path, fd);
  }

  Result<std::unique_ptr<ReadableFile>> open_readable(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return io_error("open", path, errno);
    return std::make_unique<PosixReadableFile>(path, fd);
  }

  Status create_dirs(const std::string& path) override {
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
    if (ec) return make_error(ErrorCode::kIoError, "create directory " + path + ": " + ec.message());
    return {};
  }

  Result<std::vector<std::string>> list_dir(const std::string& path) override {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
      names.push_back(entry.path().filename().string());
    }
    if (ec) return make_error(ErrorCode::kIoError, "list " + path + ": " + ec.message());
    return names;
  }

  Status remove_file(const std::string& path) override {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return io_error("remove", path, errno);
    return {};
  }

  Status rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return io_error("rename", from + " to " + to, errno);
    return {};
  }

  Status sync_dir(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return io_error("open directory", path, errno);
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0) return io_error("fsync directory", path, err);
    return {};
  }

  bool exists(const std::string& path) override { return ::access(path.c_str(), F_OK) == 0; }

  Result<std::unique_ptr<FileLock>> lock(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return io_error("open lock file", path, errno);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
      char owner[64] = {};
      ssize_t n = ::pread(fd, owner, sizeof owner - 1, 0);
      ::close(fd);
      std::string who = n > 0 ? std::string(owner, static_cast<size_t>(n)) : "unknown";
      while (!who.empty() && (who.back() == '\n' || who.back() == ' ')) who.pop_back();
      if (err == EWOULDBLOCK) {
        return make_error(ErrorCode::kLocked,
                          "data directory is in use by another process (" + who + "); lock file " +
                              path);
      }
      return io_error("lock", path, err);
    }
    std::string me = "pid " + std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, me.data(), me.size(), 0) < 0) {
      int err = errno;
      ::close(fd);
      return io_error("write lock file", path, err);
    }
    return std::make_unique<PosixFileLock>(fd);
  }
};

}  // namespace

std::shared_ptr<FileSystem> FileSystem::posix() {
  static auto fs = std::make_shared<PosixFileSystem>();
  return fs;
}

}  // namespace mnemos
