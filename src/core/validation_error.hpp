// One problem found in an input record: which field, and a reason a person can act on.
#pragma once

#include <string>
#include <vector>

namespace tickflow {

// The field name used for problems with the record as a whole (not JSON, too large, ...).
inline constexpr const char* whole_record = "(record)";

struct ValidationError {
  std::string field;
  std::string reason;

  friend bool operator==(const ValidationError&, const ValidationError&) = default;
};

using ValidationErrors = std::vector<ValidationError>;

}  // namespace tickflow
