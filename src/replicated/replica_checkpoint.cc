#include "replicated/replica_checkpoint.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "util/coding.h"
#include "util/crc32c.h"

namespace mnemos::replicated {
namespace {

using namespace coding;

// magic (4) | stream created (8) | applied sequence (8) | local end (8) | masked CRC32C (4)
constexpr char kMagic[4] = {'M', 'N', 'R', 'C'};
constexpr size_t kSize = 32;

Error io_error(const std::string& what) {
  return Error{ErrorCode::kIoError, what + ": " + std::strerror(errno), std::nullopt, std::nullopt};
}

}  // namespace

Result<CheckpointFile> CheckpointFile::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return std::unexpected(io_error("opening " + path));
  return CheckpointFile(fd);
}

CheckpointFile::CheckpointFile(CheckpointFile&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

CheckpointFile& CheckpointFile::operator=(CheckpointFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

CheckpointFile::~CheckpointFile() {
  if (fd_ >= 0) ::close(fd_);
}

std::optional<ReplicaCheckpoint> CheckpointFile::read() const {
  char buf[kSize];
  if (::pread(fd_, buf, kSize, 0) != static_cast<ssize_t>(kSize)) return std::nullopt;
  if (std::memcmp(buf, kMagic, 4) != 0) return std::nullopt;
  if (crc32c::unmask(get_fixed32(buf + 28)) != crc32c::value(buf, 28)) return std::nullopt;
  ReplicaCheckpoint c;
  c.stream_created_nanos = static_cast<int64_t>(get_fixed64(buf + 4));
  c.applied_sequence = get_fixed64(buf + 12);
  c.local_end = get_fixed64(buf + 20);
  return c;
}

Status CheckpointFile::write(const ReplicaCheckpoint& c) {
  char buf[kSize];
  std::memcpy(buf, kMagic, 4);
  put_fixed64(buf + 4, static_cast<uint64_t>(c.stream_created_nanos));
  put_fixed64(buf + 12, c.applied_sequence);
  put_fixed64(buf + 20, c.local_end);
  put_fixed32(buf + 28, crc32c::mask(crc32c::value(buf, 28)));
  if (::pwrite(fd_, buf, kSize, 0) != static_cast<ssize_t>(kSize)) {
    return std::unexpected(io_error("writing the replica checkpoint"));
  }
  return {};
}

}  // namespace mnemos::replicated
