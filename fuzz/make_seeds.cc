// Writes the seed inputs of record_decoder_fuzz: well-formed records and sequences, so that
// the fuzzer starts from the shapes a segment really holds. The files in fuzz/corpus/ were made
// with it:   record_seed_gen fuzz/corpus
#include <array>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>

#include "storage/record_format.h"
#include "util/coding.h"
#include "util/crc32c.h"

namespace {

using namespace mnemos::storage;

const std::array<uint8_t, 16> kId = {0x0f, 0x8f, 0xad, 0x5b, 0xd9, 0xcb, 0x46, 0x9f,
                                     0xa1, 0x65, 0x70, 0x86, 0x77, 0x28, 0x95, 0x0e};

void event(std::string& out, uint64_t revision, std::string_view type, std::string_view data,
           std::string_view metadata, uint8_t flags, bool commit_end, bool sync_epoch_start = false) {
  encode_event_record(out, {revision, 1'764'064'800'000'001 + static_cast<int64_t>(revision), kId,
                            flags, "cart-7", type, data, metadata, commit_end, sync_epoch_start});
}

// A record of an unknown type that readers may skip.
void skippable(std::string& out, std::string_view payload) {
  const size_t start = out.size();
  out.append(kRecordHeaderSize, '\0');
  out.append(payload);
  char* header = out.data() + start;
  mnemos::coding::put_fixed32(header + 4, static_cast<uint32_t>(payload.size()));
  header[8] = static_cast<char>(kSafeToIgnore | 0x02);
  mnemos::coding::put_fixed32(
      header, mnemos::crc32c::mask(mnemos::crc32c::value(header + 4, payload.size() + 5)));
}

bool write(const std::string& dir, const char* name, const std::string& bytes) {
  std::ofstream f(dir + "/" + name, std::ios::binary);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(f);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: record_seed_gen DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  std::string single;
  event(single, 0, "ItemAdded", R"({"sku":"A1","qty":2})", "", 0, true);

  std::string append;  // one append of three events
  event(append, 1, "ItemAdded", R"({"sku":"B2"})", R"({"user":"zoe"})", 0, false,
        /*sync_epoch_start=*/true);
  event(append, 2, "ItemRemoved", R"({"sku":"A1"})", "", 0, false);
  event(append, 3, "CheckedOut", "{}", "", 0, true);

  std::string mixed;  // binary payloads and a skippable record between two appends
  event(mixed, 4, "Blob", std::string("\x00\x01\xfe\xff", 4), std::string("\x80\x00", 2),
        kDataBinary | kMetadataBinary, true);
  skippable(mixed, "future");
  event(mixed, 5, "$streamDeleted", "", "", 0, true);

  std::string torn = append;  // a complete append, then a record cut short
  event(torn, 6, "ItemAdded", R"({"sku":"C3"})", "", 0, true);
  torn.resize(append.size() + 20);

  bool ok = write(dir, "single_event.bin", single) && write(dir, "append_of_three.bin", append) &&
            write(dir, "binary_and_skippable.bin", mixed) && write(dir, "torn_tail.bin", torn);
  return ok ? 0 : 1;
}
