#include "src/net/listen_address.hpp"

#include <charconv>

namespace tickflow {

std::optional<ListenAddress> parse_listen_address(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  unsigned port = 0;
  auto digits = text.substr(colon + 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc{} || end != digits.data() + digits.size() || port > 65535) return std::nullopt;
  return ListenAddress{std::string(text.substr(0, colon)), static_cast<std::uint16_t>(port)};
}

}  // namespace tickflow
