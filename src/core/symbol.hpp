// Stock symbol stored inline (no heap): 1–16 characters of A-Z 0-9 . - after upper-casing.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string_view>

namespace tickflow {

class Symbol {
 public:
  static constexpr std::size_t max_size = 16;

  Symbol() = default;

  // Builds a symbol from text already known to be valid (see validate_symbol).
  // Lower-case letters are upper-cased; text longer than max_size is cut.
  static Symbol from_valid(std::string_view text) noexcept {
    Symbol s;
    s.size_ = static_cast<std::uint8_t>(text.size() < max_size ? text.size() : max_size);
    for (std::size_t i = 0; i < s.size_; ++i) {
      char c = text[i];
      s.chars_[i] = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    }
    return s;
  }
  // In place, from characters already checked and upper-cased (scan_quoted_symbol's).
  void assign_upper(const std::array<char, max_size>& upper, std::size_t size) noexcept {
    chars_ = upper;
    size_ = static_cast<std::uint8_t>(size < max_size ? size : max_size);
  }

  std::string_view view() const noexcept { return {chars_.data(), size_}; }
  bool empty() const noexcept { return size_ == 0; }

  friend bool operator==(const Symbol& a, const Symbol& b) noexcept { return a.view() == b.view(); }

 private:
  std::array<char, max_size> chars_{};
  std::uint8_t size_ = 0;
};

}  // namespace tickflow

template <>
struct std::hash<tickflow::Symbol> {
  std::size_t operator()(const tickflow::Symbol& s) const noexcept {
    return std::hash<std::string_view>{}(s.view());
  }
};
