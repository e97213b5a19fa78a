// The whole analysis on one line at a time, with no network: validate (as ingest does),
// assign per-key seq, compute indicators (as process does), decide signals and alarms
// (as signal does). Used by `tickflow replay` for backtests and golden tests.
// Pure logic: output goes to caller-owned strings. Single-threaded, but for write_accepted,
// which touches only its arguments (the command runs it on a thread of its own).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "src/core/record.hpp"
#include "src/core/record_parser.hpp"
#include "src/core/rejection_writer.hpp"
#include "src/core/string_key_map.hpp"
#include "src/indicators/indicator_set.hpp"
#include "src/signals/signal_engine.hpp"

namespace tickflow {

struct ReplayStats {
  std::uint64_t lines = 0;     // including blank ones
  std::uint64_t accepted = 0;
  std::uint64_t rejected = 0;
  std::uint64_t alarms = 0;
};

// Where handle_line appends: one JSON line (ending in '\n') per accepted record,
// rejection or alarm.
struct ReplayOutput {
  std::string records;
  std::string rejected;
  std::string alarms;
};

class ReplayPipeline {
 public:
  ReplayPipeline(const IndicatorPeriods& periods, const SignalRules& rules, const ValidationLimits& limits, double now);

  // Handles input line number `line_no` (1-based, without its newline). Blank lines are
  // counted and skipped. `readable`, when given, is how many bytes from line.data() may be
  // read (≥ line.size() + record_padding lets the parser skip copying the line).
  void handle_line(std::string_view line, std::uint64_t line_no, ReplayOutput& out, std::size_t readable = 0);

  // handle_line in two halves, so that writing the record line (about 40% of the work) can
  // run on another thread: analyse() does everything else, into `record` (whose buffers
  // are reused from its last use), trims `line` to what write_accepted needs, and returns
  // whether there is a record line to write; write_accepted(record, line, out.records)
  // then appends it. Together they are handle_line.
  bool analyse(std::string_view& line, std::uint64_t line_no, ReplayOutput& out, std::size_t readable, Record& record);
  static void write_accepted(const Record& record, std::string_view line, std::string& records);

  // Records a line that could not even be read whole (longer than the record limit).
  void reject_unreadable(std::uint64_t line_no, std::uint64_t length, std::string_view start, ReplayOutput& out);

  const ReplayStats& stats() const noexcept { return stats_; }
  std::size_t max_line_bytes() const noexcept { return parser_.limits().max_record_bytes; }

 private:
  struct KeyState {  // everything known about one symbol (or indicator name)
    std::uint64_t seq = 0;
    std::optional<IndicatorSet> indicators;  // stock symbols only
    SignalState signal;
  };

  void write_rejection(std::uint64_t line_no, std::string_view input, ReplayOutput& out);

  IndicatorPeriods periods_;
  RecordParser parser_;
  SignalEngine signals_;
  double now_;
  Record record_;            // reused: no allocation per line in the steady state
  ValidationErrors errors_;  // reused
  Alarm alarm_;               // the last alarm raised (its buffers reused)
  StringKeyMap<KeyState> keys_;
  StringKeyCache<KeyState> recent_keys_;  // in front of keys_ (never erased from)
  ReplayStats stats_;
};

}  // namespace tickflow
