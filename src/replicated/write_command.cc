#include "replicated/write_command.h"

#include "util/coding.h"
#include "util/crc32c.h"

namespace mnemos::replicated {
namespace {

using namespace coding;

// Layout: magic | u8 kind | u8 expected kind | varint expected revision | 16 bytes marker id |
// varint+bytes stream | varint event count | per event: 16 bytes id, u8 content flags (bit 0
// data binary, bit 1 metadata binary), varint+bytes type, data, metadata | fixed32 masked
// CRC32C of everything before it.
constexpr std::string_view kMagic = "MNW1";
// A batch: magic | varint count | per write: varint length + its MNW1 bytes | fixed32 masked
// CRC32C of everything before it (so a damaged length is caught before any write is framed).
constexpr std::string_view kBatchMagic = "MNB1";
constexpr uint8_t kDataBinary = 0x01;
constexpr uint8_t kMetadataBinary = 0x02;

Error corrupt(std::string_view what) {
  return Error{ErrorCode::kCorruption, "not a Mnemos write command: " + std::string(what),
               std::nullopt, std::nullopt};
}

bool get_byte(std::string_view& in, uint8_t& out) {
  if (in.empty()) return false;
  out = static_cast<uint8_t>(in.front());
  in.remove_prefix(1);
  return true;
}

bool get_uuid(std::string_view& in, Uuid& out) {
  if (in.size() < 16) return false;
  std::memcpy(out.bytes.data(), in.data(), 16);
  in.remove_prefix(16);
  return true;
}

// The masked CRC32C of `out`, appended to it.
void append_crc(std::string& out) {
  char crc[4];
  put_fixed32(crc, crc32c::mask(crc32c::value(out.data(), out.size())));
  out.append(crc, 4);
}

// Whether the last 4 bytes are the CRC of the bytes before them (payload is at least 4 bytes).
bool crc_matches(std::string_view payload) {
  const size_t body = payload.size() - 4;
  return crc32c::unmask(get_fixed32(payload.data() + body)) == crc32c::value(payload.data(), body);
}

}  // namespace

std::string encode_command(const WriteCommand& c) {
  std::string out(kMagic);
  out.push_back(static_cast<char>(c.kind));
  out.push_back(static_cast<char>(c.expected.kind()));
  put_varint(out, c.expected.kind() == ExpectedRevision::Kind::kExact ? c.expected.revision().value : 0);
  out.append(reinterpret_cast<const char*>(c.marker_id.bytes.data()), 16);
  put_length_prefixed(out, c.stream);
  put_varint(out, c.events.size());
  for (const EventData& e : c.events) {
    out.append(reinterpret_cast<const char*>(e.id->bytes.data()), 16);
    uint8_t flags = (e.data_type == ContentType::kBinary ? kDataBinary : 0) |
                    (e.metadata_type == ContentType::kBinary ? kMetadataBinary : 0);
    out.push_back(static_cast<char>(flags));
    put_length_prefixed(out, e.type);
    put_length_prefixed(out, e.data);
    put_length_prefixed(out, e.metadata);
  }
  append_crc(out);
  return out;
}

std::string encode_batch(const std::vector<std::string>& encoded) {
  size_t size = kBatchMagic.size() + 10 + 4;
  for (const std::string& c : encoded) size += c.size() + 5;
  std::string out;
  out.reserve(size);
  out.append(kBatchMagic);
  put_varint(out, encoded.size());
  for (const std::string& c : encoded) put_length_prefixed(out, c);
  append_crc(out);
  return out;
}

bool from_newer_version(std::string_view payload) {
  return payload.size() >= kMagic.size() && payload.starts_with("MN") &&
         !payload.starts_with(kMagic) && !payload.starts_with(kBatchMagic);
}

Result<std::vector<WriteCommand>> decode_message(std::string_view payload) {
  std::vector<WriteCommand> out;
  if (!payload.starts_with(kBatchMagic)) {
    auto one = decode_command(payload);
    if (!one) return std::unexpected(one.error());
    out.push_back(std::move(*one));
    return out;
  }
  if (payload.size() < kBatchMagic.size() + 4 || !crc_matches(payload)) {
    return std::unexpected(corrupt("batch checksum mismatch"));
  }
  std::string_view in = payload.substr(kBatchMagic.size(), payload.size() - kBatchMagic.size() - 4);
  uint64_t count = 0;
  if (!get_varint(in, count) || count > in.size()) return std::unexpected(corrupt("truncated batch"));
  out.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view bytes;
    if (!get_length_prefixed(in, bytes)) return std::unexpected(corrupt("truncated batch"));
    auto command = decode_command(bytes);
    if (!command) return std::unexpected(command.error());
    out.push_back(std::move(*command));
  }
  if (!in.empty()) return std::unexpected(corrupt("bytes after the batch's last write"));
  return out;
}

Result<WriteCommand> decode_command(std::string_view payload) {
  if (payload.size() < kMagic.size() + 4 || !payload.starts_with(kMagic)) {
    return std::unexpected(corrupt("no MNW1 header"));
  }
  const size_t body = payload.size() - 4;
  if (!crc_matches(payload)) return std::unexpected(corrupt("checksum mismatch"));
  std::string_view in = payload.substr(kMagic.size(), body - kMagic.size());
  WriteCommand c;
  uint8_t kind = 0;
  uint8_t expected_kind = 0;
  uint64_t expected_revision = 0;
  std::string_view stream;
  uint64_t count = 0;
  if (!get_byte(in, kind) || !get_byte(in, expected_kind) || !get_varint(in, expected_revision) ||
      !get_uuid(in, c.marker_id) || !get_length_prefixed(in, stream) || !get_varint(in, count)) {
    return std::unexpected(corrupt("truncated header"));
  }
  if (kind > static_cast<uint8_t>(store::WriteRequest::Kind::kTombstone)) {
    return std::unexpected(corrupt("unknown write kind"));
  }
  c.kind = static_cast<store::WriteRequest::Kind>(kind);
  switch (static_cast<ExpectedRevision::Kind>(expected_kind)) {
    case ExpectedRevision::Kind::kAny: c.expected = ExpectedRevision::any(); break;
    case ExpectedRevision::Kind::kNoStream: c.expected = ExpectedRevision::no_stream(); break;
    case ExpectedRevision::Kind::kStreamExists: c.expected = ExpectedRevision::stream_exists(); break;
    case ExpectedRevision::Kind::kExact:
      c.expected = ExpectedRevision::exact(Revision{expected_revision});
      break;
    default: return std::unexpected(corrupt("unknown expected revision"));
  }
  c.stream = std::string(stream);
  if (count > in.size()) return std::unexpected(corrupt("event count past the end"));
  c.events.resize(count);
  for (EventData& e : c.events) {
    Uuid id;
    uint8_t flags = 0;
    std::string_view type, data, metadata;
    if (!get_uuid(in, id) || !get_byte(in, flags) || !get_length_prefixed(in, type) ||
        !get_length_prefixed(in, data) || !get_length_prefixed(in, metadata)) {
      return std::unexpected(corrupt("truncated event"));
    }
    e.id = id;
    e.type = std::string(type);
    e.data = std::string(data);
    e.metadata = std::string(metadata);
    e.data_type = (flags & kDataBinary) != 0 ? ContentType::kBinary : ContentType::kJson;
    e.metadata_type = (flags & kMetadataBinary) != 0 ? ContentType::kBinary : ContentType::kJson;
  }
  if (!in.empty()) return std::unexpected(corrupt("bytes after the last event"));
  return c;
}

std::unique_ptr<store::WriteRequest> to_request(WriteCommand command, int64_t commit_time_micros) {
  auto request = std::make_unique<store::WriteRequest>();
  request->kind = command.kind;
  request->stream = std::move(command.stream);
  request->expected = command.expected;
  request->events = std::move(command.events);
  request->commit_time = commit_time_micros;
  request->marker_id = command.marker_id;
  return request;
}

}  // namespace mnemos::replicated
