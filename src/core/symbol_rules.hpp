// The schema's rule for stock symbols, shared by the parser and by tools that take
// symbols from the command line.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tickflow {

// Returns why `text` is not a valid symbol (1–16 characters of A-Z a-z 0-9 . -), or
// nothing when it is. Lower case is accepted here and upper-cased by Symbol::from_valid.
std::optional<std::string> symbol_problem(std::string_view text);

}  // namespace tickflow
