#include "web/assets.h"

#include <algorithm>
#include <span>

#include "web/assets_table.h"

namespace mnemos::web {

const Asset* find_asset(std::string_view path) {
  if (path == "/") path = "/index.html";
  // Invariant: embed_assets.cmake writes the table sorted by path (byte order).
  const std::span<const generated::AssetEntry> table(generated::kAssets, generated::kAssetCount);
  const auto it = std::lower_bound(table.begin(), table.end(), path,
                                   [](const generated::AssetEntry& e, std::string_view p) {
                                     return e.path < p;
                                   });
  if (it == table.end() || it->path != path) return nullptr;
  return &it->asset;
}

}  // namespace mnemos::web
