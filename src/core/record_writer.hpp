// Writes a Record as one compact JSON object in schema.md's field names: the input
// fields, pass-through members, then whatever pipeline fields are set. No I/O.
#pragma once

#include <string>

#include "src/core/record.hpp"

namespace tickflow {

// Appends the JSON object for `record` to `out` (no trailing newline).
void write_record(const Record& record, std::string& out);

}  // namespace tickflow
