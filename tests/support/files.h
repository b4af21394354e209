// Byte-level access to files, for tests that damage a store's files on purpose.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mnemos::test {

// These throw std::runtime_error on failure: a test helper that cannot do its job must not
// let the test go on as if it had.
std::string read_file(const std::string& path);
uint64_t file_size(const std::string& path);
void write_at(const std::string& path, uint64_t offset, std::string_view bytes);
void truncate_file(const std::string& path, uint64_t size);
// XORs the byte at `offset` with `mask` (not 0).
void flip_byte(const std::string& path, uint64_t offset, uint8_t mask = 0x5a);

}  // namespace mnemos::test
