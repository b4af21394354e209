#include "system_probe.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <vector>
#include <fstream>
#include <sstream>

namespace mnemos::bench {
namespace {

uint64_t status_kib(const std::string& key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(key)) {
      std::istringstream fields(line.substr(key.size()));
      uint64_t kib = 0;
      fields >> kib;
      return kib;
    }
  }
  return 0;
}

// Adds up `size(stat)` over the regular files under `dir`.
template <class Size>
uint64_t sum_files(const std::string& dir, Size size) {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    struct stat st {};
    if (it->is_regular_file(ec) && ::lstat(it->path().c_str(), &st) == 0) total += size(st);
  }
  return total;
}

}  // namespace

uint64_t allocated_bytes(const std::string& dir) {
  return sum_files(dir, [](const struct stat& st) { return static_cast<uint64_t>(st.st_blocks) * 512; });
}

uint64_t file_bytes(const std::string& dir) {
  return sum_files(dir, [](const struct stat& st) { return static_cast<uint64_t>(st.st_size); });
}

CpuTimes read_cpu_times() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
  CpuTimes t;
  t.busy = user + nice + system + irq + softirq + steal;
  t.total = t.busy + idle + iowait;
  return t;
}

double busy_pct(const CpuTimes& before, const CpuTimes& after) {
  uint64_t total = after.total - before.total;
  if (total == 0) return 0;
  return 100.0 * static_cast<double>(after.busy - before.busy) / static_cast<double>(total);
}

uint64_t rss_bytes() { return status_kib("VmRSS:") * 1024; }

uint64_t peak_rss_bytes() { return status_kib("VmHWM:") * 1024; }

void reset_peak_rss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
}

SyncLatency measure_fdatasync(const std::string& dir, int samples) {
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/fdatasync-probe";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot create " + path);
  // Into space already written and synced, as the engine's log segments are: a sync then
  // carries the data only, not a file-size or extent change.
  const std::string block(512, 'x');
  const std::string zeros(block.size() * static_cast<size_t>(samples), '\0');
  bool ok = ::write(fd, zeros.data(), zeros.size()) == static_cast<ssize_t>(zeros.size()) && ::fsync(fd) == 0;
  std::vector<double> us;
  us.reserve(static_cast<size_t>(samples));
  for (int i = 0; i < samples && ok; ++i) {
    const auto offset = static_cast<off_t>(block.size()) * i;
    ok = ::pwrite(fd, block.data(), block.size(), offset) == static_cast<ssize_t>(block.size());
    const auto start = std::chrono::steady_clock::now();
    ok = ok && ::fdatasync(fd) == 0;
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
  }
  ::close(fd);
  std::filesystem::remove(path);
  if (!ok) throw std::runtime_error("write or fdatasync failed on " + path);
  std::sort(us.begin(), us.end());
  return {us[us.size() / 2], us[us.size() * 99 / 100]};
}

}  // namespace mnemos::bench
