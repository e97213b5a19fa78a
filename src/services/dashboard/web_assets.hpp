// The dashboard page's files (web/ and the chart library), compiled into the binary by
// cmake/embed_web_assets.cmake so one binary serves the page with nothing beside it.
#pragma once

#include <span>
#include <string_view>

namespace tickflow {

struct WebAsset {
  std::string_view path;          // "/index.html", "/assets/app.js", ...
  std::string_view content_type;
  std::string_view bytes;
};

std::span<const WebAsset> web_assets();

}  // namespace tickflow
