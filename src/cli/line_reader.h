// Reads a file (stdin) line by line, without a copy per line.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string_view>

namespace mnemos::cli {

class LineReader {
 public:
  explicit LineReader(std::FILE* file) : file_(file) {}
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // The next line without its "\n" (or "\r\n"); valid until the next call. False at EOF.
  bool next(std::string_view& line);

  uint64_t line_number() const { return line_number_; }  // of the last line returned, from 1
  uint64_t bytes_read() const { return bytes_read_; }

  // The size of the file when it is a regular file, else 0 (unknown).
  uint64_t total_bytes() const;

 private:
  std::FILE* file_;
  char* buffer_ = nullptr;
  size_t capacity_ = 0;
  uint64_t line_number_ = 0;
  uint64_t bytes_read_ = 0;
};

// True when the line holds only whitespace.
bool is_blank(std::string_view line);

}  // namespace mnemos::cli
