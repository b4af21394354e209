#include "cli/line_reader.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdlib>

namespace mnemos::cli {

LineReader::~LineReader() { std::free(buffer_); }

bool LineReader::next(std::string_view& line) {
  const ssize_t n = getline(&buffer_, &capacity_, file_);
  if (n < 0) return false;
  bytes_read_ += static_cast<uint64_t>(n);
  ++line_number_;
  line = std::string_view(buffer_, static_cast<size_t>(n));
  if (line.ends_with('\n')) line.remove_suffix(1);
  if (line.ends_with('\r')) line.remove_suffix(1);
  return true;
}

uint64_t LineReader::total_bytes() const {
  struct stat st {};
  if (fstat(fileno(file_), &st) != 0 || !S_ISREG(st.st_mode)) return 0;
  return static_cast<uint64_t>(st.st_size);
}

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

}  // namespace mnemos::cli
