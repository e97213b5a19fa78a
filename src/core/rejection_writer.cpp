#include "src/core/rejection_writer.hpp"

#include "src/core/json_writer.hpp"

namespace tickflow {

namespace {
constexpr std::size_t echoed_input_bytes = 200;
}

void append_rejection_fields(std::string& out, const ValidationErrors& errors) {
  out += "\"field\":";
  json::append_string(out, errors.front().field);
  out += ",\"reason\":";
  json::append_string(out, errors.front().reason);
  out += ",\"errors\":[";
  for (std::size_t i = 0; i < errors.size(); ++i) {
    if (i > 0) out += ',';
    out += "{\"field\":";
    json::append_string(out, errors[i].field);
    out += ",\"reason\":";
    json::append_string(out, errors[i].reason);
    out += '}';
  }
  out += ']';
}

void write_rejection_line(std::uint64_t line_no, const ValidationErrors& errors, std::string_view input,
                          std::string& out) {
  out += "{\"line\":";
  json::append_number(out, line_no);
  out += ',';
  append_rejection_fields(out, errors);
  out += ",\"input\":";
  json::append_string_lossy(out, input, echoed_input_bytes);
  out += "}\n";
}

}  // namespace tickflow
