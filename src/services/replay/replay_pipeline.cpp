#include "src/services/replay/replay_pipeline.hpp"

#include <fmt/format.h>

#include "src/core/json_writer.hpp"
#include "src/core/record_writer.hpp"
#include "src/core/rejection_writer.hpp"

namespace tickflow {

namespace {

bool is_blank(std::string_view line) {
  for (char c : line) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}
}  // namespace

ReplayPipeline::ReplayPipeline(const IndicatorPeriods& periods, const SignalRules& rules,
                               const ValidationLimits& limits, double now)
    : periods_(periods), parser_(limits), signals_(rules), now_(now) {}

void ReplayPipeline::write_rejection(std::uint64_t line_no, std::string_view input, ReplayOutput& out) {
  ++stats_.rejected;
  write_rejection_line(line_no, errors_, input, out.rejected);
}

void ReplayPipeline::reject_unreadable(std::uint64_t line_no, std::uint64_t length, std::string_view start,
                                       ReplayOutput& out) {
  ++stats_.lines;
  errors_.clear();
  errors_.push_back({whole_record, fmt::format("line is {} bytes; the limit is {} bytes", length,
                                               parser_.limits().max_record_bytes)});
  write_rejection(line_no, start, out);
}

void ReplayPipeline::handle_line(std::string_view line, std::uint64_t line_no, ReplayOutput& out,
                                 std::size_t readable) {
  if (analyse(line, line_no, out, readable, record_)) write_accepted(record_, line, out.records);
}

bool ReplayPipeline::analyse(std::string_view& line, std::uint64_t line_no, ReplayOutput& out, std::size_t readable,
                             Record& record) {
  ++stats_.lines;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (is_blank(line)) return false;
  // The parser drops the record's signal (an input carries none); its reason's buffer is
  // kept aside and handed back, so composing a reason allocates nothing per line. (Moves:
  // a swap of two strings costs three times as much.)
  std::string spare_reason = record.signal ? std::move(record.signal->reason) : std::string();
  if (!parser_.parse_in_place(line, readable, now_, RecordSource::external, record, errors_)) {
    record.signal.emplace().reason = std::move(spare_reason);  // kept for the slot's next line
    write_rejection(line_no, line, out);
    return false;
  }
  ++stats_.accepted;

  KeyState& state = recent_keys_.entry_for(keys_, record.partition_key());
  record.seq = ++state.seq;

  if (record.type == DataType::stock) {
    if (!state.indicators) state.indicators.emplace(periods_);
    state.indicators->update(std::get<StockTick>(record.body).closing_price, record.indicators.emplace());
  }
  record.signal.emplace().reason = std::move(spare_reason);
  if (signals_.evaluate(record, state.signal, alarm_)) {
    ++stats_.alarms;
    write_alarm(alarm_, out.alarms);
    out.alarms += '\n';
  }
  return true;
}

void ReplayPipeline::write_accepted(const Record& record, std::string_view line, std::string& records) {
  write_record_reusing(record, line, records);
  records += '\n';
}

}  // namespace tickflow
