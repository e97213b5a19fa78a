#include "src/core/symbol_rules.hpp"

#include <fmt/format.h>

#include "src/core/json_writer.hpp"
#include "src/core/symbol.hpp"

namespace tickflow {

namespace {
bool symbol_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-';
}
}  // namespace

std::optional<std::string> symbol_problem(std::string_view text) {
  if (text.empty()) return "must not be empty";
  if (text.size() > Symbol::max_size) {
    return fmt::format("is {} characters long; at most {} are allowed", text.size(),
                       Symbol::max_size);
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!symbol_char(text[i])) {
      // Show the whole character, not one byte of a multi-byte UTF-8 sequence.
      auto lead = static_cast<unsigned char>(text[i]);
      std::size_t width = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
      std::string shown;
      json::append_string(shown, text.substr(i, width));
      return fmt::format("{} has {} at position {}; only A-Z, 0-9, '.' and '-' are allowed",
                         [&] { std::string s; json::append_string(s, text); return s; }(), shown,
                         i + 1);
    }
  }
  return std::nullopt;
}

}  // namespace tickflow
