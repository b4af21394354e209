// Mnemos stream names as NATS subject tokens.
//
// One JetStream stream holds one Mnemos store; each Mnemos stream is one subject,
// `<prefix>.<token>`, where token = encode_subject_token(stream name).
//
// The encoding: bytes in [A-Za-z0-9_-] stay as they are; every other byte (including '.', '*',
// '>', '$', spaces, controls, '~' itself and each byte of a multi-byte UTF-8 character) becomes
// '~' followed by two upper-case hex digits. The empty name becomes "~" alone, which no other
// name encodes to. So a token is never empty, holds no wildcard, separator or whitespace, and is
// plain ASCII; the encoding is a bijection (decode accepts only what encode produces: upper-case
// hex, no escape of a byte that would stay as it is), so one stream has exactly one subject.
// Growth: at most 3x the name's bytes.
#pragma once

#include <string>
#include <string_view>

#include "mnemos/error.h"

namespace mnemos::nats {

std::string encode_subject_token(std::string_view stream_name);

// kInvalidArgument for anything encode_subject_token cannot have produced.
Result<std::string> decode_subject_token(std::string_view token);

// `<prefix>.<encoded name>`.
std::string stream_subject(std::string_view prefix, std::string_view stream_name);

}  // namespace mnemos::nats
