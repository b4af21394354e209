#include "nats/subject.h"

#include <fmt/format.h>

namespace mnemos::nats {
namespace {

constexpr char kEscape = '~';
constexpr std::string_view kHex = "0123456789ABCDEF";

bool kept_as_is(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;  // lower case is refused: one name, one token
}

}  // namespace

std::string encode_subject_token(std::string_view stream_name) {
  if (stream_name.empty()) return std::string(1, kEscape);
  std::string out;
  out.reserve(stream_name.size());
  for (char ch : stream_name) {
    auto c = static_cast<unsigned char>(ch);
    if (kept_as_is(c)) {
      out.push_back(ch);
    } else {
      out.push_back(kEscape);
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

Result<std::string> decode_subject_token(std::string_view token) {
  if (token.size() == 1 && token[0] == kEscape) return std::string();
  if (token.empty()) return make_error(ErrorCode::kInvalidArgument, "empty subject token");
  std::string out;
  out.reserve(token.size());
  for (size_t i = 0; i < token.size(); ++i) {
    auto c = static_cast<unsigned char>(token[i]);
    if (kept_as_is(c)) {
      out.push_back(token[i]);
      continue;
    }
    if (c != kEscape || i + 2 >= token.size()) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("subject token has a bad byte at offset {}", i));
    }
    int hi = hex_value(token[i + 1]);
    int lo = hex_value(token[i + 2]);
    if (hi < 0 || lo < 0) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("subject token has a bad escape at offset {}", i));
    }
    auto byte = static_cast<unsigned char>(hi * 16 + lo);
    if (kept_as_is(byte)) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("subject token escapes a plain byte at offset {}", i));
    }
    out.push_back(static_cast<char>(byte));
    i += 2;
  }
  return out;
}

std::string stream_subject(std::string_view prefix, std::string_view stream_name) {
  return fmt::format("{}.{}", prefix, encode_subject_token(stream_name));
}

}  // namespace mnemos::nats
