// The table that embed_assets.cmake generates: one entry per file in src/web/assets/, sorted
// by path. Private to src/web.
#pragma once

#include <cstddef>
#include <string_view>

#include "web/assets.h"

namespace mnemos::web::generated {

struct AssetEntry {
  std::string_view path;  // "/index.html"
  Asset asset;
};

extern const AssetEntry kAssets[];
extern const std::size_t kAssetCount;

}  // namespace mnemos::web::generated
