// Buy / sell / neutral: the direction of an order or of a signal.
#pragma once

#include <optional>
#include <string_view>

namespace tickflow {

enum class Side { neutral, buy, sell };

constexpr std::string_view to_string(Side s) noexcept {
  switch (s) {
    case Side::buy: return "buy";
    case Side::sell: return "sell";
    case Side::neutral: return "neutral";
  }
  return "neutral";
}

constexpr std::optional<Side> parse_side(std::string_view name) noexcept {
  if (name == "buy") return Side::buy;
  if (name == "sell") return Side::sell;
  if (name == "neutral") return Side::neutral;
  return std::nullopt;
}

}  // namespace tickflow
