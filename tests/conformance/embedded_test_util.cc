#include "embedded_test_util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "storage/record_format.h"

namespace mnemos::embedded {

Options test_options() {
  Options o;
  o.segment_size = 2ull << 20;  // the engine wants max_append_size + 1 MiB at least
  o.max_append_size = 1ull << 20;
  o.max_event_size = 256ull << 10;
  return o;
}

std::vector<SegmentFile> segment_files(const std::string& dir) {
  std::vector<SegmentFile> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir + "/log")) {
    const std::string name = entry.path().filename().string();
    if (name.size() != 24 || !name.ends_with(".seg")) continue;
    out.push_back(SegmentFile{std::stoull(name.substr(0, 20)), entry.path().string()});
  }
  std::sort(out.begin(), out.end(),
            [](const SegmentFile& a, const SegmentFile& b) { return a.base < b.base; });
  return out;
}

FileOffset locate(const std::string& dir, Position position) {
  const auto segments = segment_files(dir);
  for (auto it = segments.rbegin(); it != segments.rend(); ++it) {
    if (it->base <= position.value) return FileOffset{it->path, position.value - it->base};
  }
  throw std::runtime_error("no segment holds position " + std::to_string(position.value));
}

uint64_t record_size(const RecordedEvent& e) {
  const uint8_t flags = (e.data_type == ContentType::kBinary ? storage::kDataBinary : 0) |
                        (e.metadata_type == ContentType::kBinary ? storage::kMetadataBinary : 0);
  return storage::encoded_event_size({.revision = e.revision.value,
                                      .timestamp_micros = e.timestamp.micros,
                                      .id = e.id.bytes,
                                      .content_flags = flags,
                                      .stream = e.stream,
                                      .type = e.type,
                                      .data = e.data,
                                      .metadata = e.metadata,
                                      .commit_end = false});
}

std::unique_ptr<Store> open_or_fail(const std::string& dir, const Options& options) {
  auto store = open_embedded(dir, options);
  if (!store) {
    ADD_FAILURE() << "open_embedded " << dir << ": " << store.error().to_string();
    return nullptr;
  }
  return std::move(*store);
}

}  // namespace mnemos::embedded
