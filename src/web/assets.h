// The web UI's static files (src/web/assets/), built into the binary so `mnemos serve` needs
// nothing beside it and works without a network.
#pragma once

#include <string_view>

namespace mnemos::web {

struct Asset {
  std::string_view content_type;  // e.g. "text/html; charset=utf-8"
  std::string_view body;          // the file's bytes; static storage, never freed
};

// The asset served at a URL path ("/" is "/index.html"; a query string is not part of the
// path). Returns nullptr for anything that is not an asset. The pointer stays valid for the
// life of the program.
const Asset* find_asset(std::string_view path);

}  // namespace mnemos::web
