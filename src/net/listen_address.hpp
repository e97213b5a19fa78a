// "host:port" as the listen options give it (ingest.listen, process.listen, ...).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tickflow {

struct ListenAddress {
  std::string host;
  std::uint16_t port = 0;
};

// Nothing when `text` is not host:port with a port of 0–65535.
std::optional<ListenAddress> parse_listen_address(std::string_view text);

}  // namespace tickflow
