// Standard base64 (RFC 4648 §4, with padding): how the CLI and the HTTP API carry binary payloads.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mnemos::json {

std::string base64_encode(std::string_view bytes);

// Strict: the standard alphabet, padded to a multiple of 4, no whitespace. nullopt on bad input.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace mnemos::json
