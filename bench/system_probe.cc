#include "system_probe.h"

#include <sys/stat.h>

#include <filesystem>
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

}  // namespace mnemos::bench
