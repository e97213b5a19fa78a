// Writes rejections: the errors array of a rejected record, and the whole rejection line
// that replay reports and the stages publish to rejected_data.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "src/core/validation_error.hpp"

namespace tickflow {

// `"field":...,"reason":...,"errors":[{"field":...,"reason":...},...]` (no braces): the
// first problem, then all of them.
void append_rejection_fields(std::string& out, const ValidationErrors& errors);

// `{"line":N, <rejection fields>, "input":"<first 200 bytes>"}` and a newline.
void write_rejection_line(std::uint64_t line_no, const ValidationErrors& errors, std::string_view input,
                          std::string& out);

}  // namespace tickflow
