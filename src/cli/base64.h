// Standard base64 (RFC 4648 §4, with padding): how the CLI prints and reads binary payloads.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mnemos::cli {

std::string base64_encode(std::string_view bytes);

// Strict: the standard alphabet, padded to a multiple of 4, no whitespace. nullopt on bad input.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace mnemos::cli
