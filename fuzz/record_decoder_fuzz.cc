// libFuzzer target for the log record decoder (src/storage/record_format.h): arbitrary bytes
// must never crash it, make it read past its input, or decode to something that does not
// encode back to the same record. A sequence of records is walked the way recovery walks a
// segment. Build and run: `make fuzz`.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include "storage/record_format.h"
#include "util/coding.h"
#include "util/crc32c.h"

namespace {

using namespace mnemos::storage;

#define CHECK(condition)                                                        \
  do {                                                                          \
    if (!(condition)) {                                                         \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                             \
    }                                                                           \
  } while (0)

bool within(std::string_view view, const char* begin, size_t size) {
  return view.empty() || (view.data() >= begin && view.data() + view.size() <= begin + size);
}

bool same_fields(const EventRecord& a, const EventRecord& b) {
  return a.revision == b.revision && a.timestamp_micros == b.timestamp_micros && a.id == b.id &&
         a.content_flags == b.content_flags && a.stream == b.stream && a.type == b.type &&
         a.data == b.data && a.metadata == b.metadata && a.commit_end == b.commit_end &&
         a.sync_epoch_start == b.sync_epoch_start;
}

// An event decoded from `bytes` encodes back to a record that decodes to the same fields, and
// to the very same bytes when the input was in canonical form.
void check_round_trip(const char* bytes, const Decoded& d) {
  const EventRecord& e = d.event;
  const EventRecordInput in{e.revision,    e.timestamp_micros, e.id,       e.content_flags,
                            e.stream,      e.type,             e.data,     e.metadata,
                            e.commit_end,  e.sync_epoch_start};
  std::string out;
  const size_t n = encode_event_record(out, in);
  CHECK(n == out.size());
  CHECK(n == encoded_event_size(in));
  const Decoded again = decode_record(out);
  CHECK(again.status == DecodeStatus::kOk);
  CHECK(again.size == n);
  CHECK(same_fields(again.event, e));
  // The canonical form is the shortest (minimal varints), with kSafeToIgnore clear (it means
  // nothing on a record type the reader knows).
  CHECK(n <= d.size);
  const auto kind = static_cast<uint8_t>(bytes[8]);
  const auto canonical_kind = static_cast<uint8_t>(out[8]);
  CHECK((kind & ~kSafeToIgnore) == canonical_kind);
  if (n == d.size) {
    // Same length: every varint was minimal, so the payload bytes are the same.
    CHECK(std::memcmp(out.data() + 4, bytes + 4, 4) == 0);
    CHECK(std::memcmp(out.data() + kRecordHeaderSize, bytes + kRecordHeaderSize,
                      n - kRecordHeaderSize) == 0);
    if (kind == canonical_kind) CHECK(std::memcmp(out.data(), bytes, n) == 0);
  }
}

// Decodes the record at the start of [bytes, bytes + size) and checks what the decoder says.
Decoded check_record(const char* bytes, size_t size) {
  const Decoded d = decode_record(std::span<const char>(bytes, size));
  switch (d.status) {
    case DecodeStatus::kOk:
      CHECK(d.size >= kRecordHeaderSize && d.size <= size);
      CHECK(within(d.event.stream, bytes, d.size) && within(d.event.type, bytes, d.size) &&
            within(d.event.data, bytes, d.size) && within(d.event.metadata, bytes, d.size));
      check_round_trip(bytes, d);
      break;
    case DecodeStatus::kSkippable:
      CHECK(d.size >= kRecordHeaderSize && d.size <= size);
      break;
    case DecodeStatus::kIncomplete:
      CHECK(d.size > size);  // it says how many bytes it needs
      break;
    case DecodeStatus::kEndOfLog:
    case DecodeStatus::kBadChecksum:
    case DecodeStatus::kMalformed:
      break;
  }
  return d;
}

// Walks records one after the other, as recovery does, until one is not a record.
void walk(const char* bytes, size_t size) {
  size_t offset = 0;
  while (offset < size) {
    const Decoded d = check_record(bytes + offset, size - offset);
    if (d.status != DecodeStatus::kOk && d.status != DecodeStatus::kSkippable) break;
    CHECK(d.size > 0);
    offset += d.size;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const char* bytes = reinterpret_cast<const char*>(data);
  walk(bytes, size);
  // A fuzzer rarely guesses a CRC32C, so the payload parser would stay unexplored: decode a
  // copy too whose first record has its checksum made right.
  if (size >= kRecordHeaderSize) {
    std::string fixed(bytes, size);
    const uint64_t length = mnemos::coding::get_fixed32(fixed.data() + 4);
    const size_t covered = static_cast<size_t>(std::min<uint64_t>(length, size - kRecordHeaderSize)) + 5;
    mnemos::coding::put_fixed32(fixed.data(),
                                mnemos::crc32c::mask(mnemos::crc32c::value(fixed.data() + 4, covered)));
    walk(fixed.data(), fixed.size());
  }
  return 0;
}
