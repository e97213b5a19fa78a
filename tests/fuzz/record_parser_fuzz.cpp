// libFuzzer target for the parser of outside bytes: parse + validate any input; a record
// that is accepted must write out as JSON that parses again to the same text, and the
// rejection line echoing the input must be valid JSON. The flat path (flat_json.hpp) and
// the general path must agree on every input: verdict, problems named, record written.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "src/core/record_parser.hpp"
#include "src/core/record_writer.hpp"
#include "src/services/replay/replay_pipeline.hpp"

namespace {
constexpr double now = 1767225600;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static tickflow::RecordParser parser;
  static tickflow::RecordParser reparser;
  static tickflow::RecordParser general = [] {
    tickflow::RecordParser p;
    p.set_flat_path(false);
    return p;
  }();
  std::string_view input(reinterpret_cast<const char*>(data), size);
  tickflow::Record record;
  tickflow::ValidationErrors errors;
  const bool ok = parser.parse(input, now, tickflow::RecordSource::external, record, errors);
  {
    tickflow::Record other;
    tickflow::ValidationErrors other_errors;
    if (general.parse(input, now, tickflow::RecordSource::external, other, other_errors) != ok) std::abort();
    if (other_errors.size() != errors.size()) std::abort();
    for (std::size_t i = 0; i < errors.size(); ++i) {
      if (errors[i].field != other_errors[i].field || errors[i].reason != other_errors[i].reason) std::abort();
    }
    if (ok) {
      std::string a, b;
      tickflow::write_record(record, a);
      tickflow::write_record(other, b);
      if (a != b) std::abort();
    }
  }
  if (ok) {
    std::string once;
    tickflow::write_record(record, once);
    tickflow::Record again;
    if (!reparser.parse(once, now, tickflow::RecordSource::external, again, errors)) std::abort();
    std::string twice;
    tickflow::write_record(again, twice);
    if (once != twice) std::abort();
  } else {
    if (errors.empty()) std::abort();  // a rejection always says why
    std::string line;
    tickflow::write_rejection_line(1, errors, input, line);
    // The rejection line is JSON; parse it as a (non-record) object to prove it is valid.
    if (line.size() < 2 || line.front() != '{') std::abort();
  }
  return 0;
}
