// Writes a Record as one compact JSON object in docs/schema.md's field names: the input
// fields, pass-through members, then whatever pipeline fields are set. No I/O.
#pragma once

#include <string>

#include "src/core/record.hpp"

namespace tickflow {

// Appends the JSON object for `record` to `out` (no trailing newline).
void write_record(const Record& record, std::string& out);

// Same record, reusing `raw`, the exact input text it was parsed from, when the parser
// marked it reusable: the input's members verbatim, then data_type if the input had none,
// then the pipeline fields. Falls back to write_record otherwise.
void write_record_reusing(const Record& record, std::string_view raw, std::string& out);

// For stages that add fields to what the previous stage wrote, without formatting it
// again: `raw` (a JSON object) without its closing brace, then the new fields, then '}'.
void append_indicator_fields(std::string_view raw, const Indicators& indicators, std::string& out);
void append_signal_fields(std::string_view raw, const SignalResult& signal, std::string& out);

}  // namespace tickflow
