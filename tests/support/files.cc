#include "support/files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace mnemos::test {
namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw std::runtime_error(what + " " + path + ": " + std::strerror(errno));
}

class Fd {
 public:
  Fd(const std::string& path, int flags) : fd_(::open(path.c_str(), flags | O_CLOEXEC)) {
    if (fd_ < 0) fail("open", path);
  }
  ~Fd() { ::close(fd_); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

std::string read_file(const std::string& path) {
  Fd fd(path, O_RDONLY);
  std::string out;
  char buffer[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("read", path);
    if (n == 0) return out;
    out.append(buffer, static_cast<size_t>(n));
  }
}

uint64_t file_size(const std::string& path) {
  Fd fd(path, O_RDONLY);
  off_t end = ::lseek(fd.get(), 0, SEEK_END);
  if (end < 0) fail("lseek", path);
  return static_cast<uint64_t>(end);
}

void write_at(const std::string& path, uint64_t offset, std::string_view bytes) {
  Fd fd(path, O_WRONLY);
  while (!bytes.empty()) {
    ssize_t n = ::pwrite(fd.get(), bytes.data(), bytes.size(), static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("pwrite", path);
    bytes.remove_prefix(static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
  }
  if (::fsync(fd.get()) != 0) fail("fsync", path);
}

void truncate_file(const std::string& path, uint64_t size) {
  if (::truncate(path.c_str(), static_cast<off_t>(size)) != 0) fail("truncate", path);
}

void flip_byte(const std::string& path, uint64_t offset, uint8_t mask) {
  Fd fd(path, O_RDWR);
  char c = 0;
  if (::pread(fd.get(), &c, 1, static_cast<off_t>(offset)) != 1) fail("pread", path);
  c = static_cast<char>(static_cast<uint8_t>(c) ^ mask);
  if (::pwrite(fd.get(), &c, 1, static_cast<off_t>(offset)) != 1) fail("pwrite", path);
  if (::fsync(fd.get()) != 0) fail("fsync", path);
}

}  // namespace mnemos::test
