// `aggregate`: signals → stock_summary. Keeps per-stock figures (SummaryBook) from every
// record on the signals topic (each is a processed record with its signal) and publishes
// the summaries that changed, once per period. Redelivered records (seq already counted)
// are skipped. Summaries live in memory: a restart starts them afresh.
// Runs on one thread (run); summary_json may be called from any.
#pragma once

#include <chrono>
#include <mutex>
#include <stop_token>
#include <string>

#include "src/bus/bus.hpp"
#include "src/core/record_parser.hpp"
#include "src/services/aggregate/summary_book.hpp"
#include "src/services/common/keyed_state.hpp"

namespace tickflow {

struct AggregateOptions {
  std::string in_topic = "signals";
  std::string out_topic = "stock_summary";
  std::string group = "aggregate";
  int forward_ticks = 10;  // how far ahead a signal's result is measured
  RollingWindowLimits window;
  std::chrono::milliseconds publish_every{1000};
  ValidationLimits limits;
};

class AggregateService {
 public:
  AggregateService(Bus& bus, AggregateOptions options);
  void run(std::stop_token stop);

  // All current summaries as a JSON array (for GET /api/summary and tests).
  std::string summaries_json();
  std::uint64_t published() const noexcept { return published_.load(); }
  std::uint64_t invalid() const noexcept { return invalid_.load(); }  // records that did not parse (logged)

 private:
  void publish_changed();

  Bus& bus_;
  AggregateOptions options_;
  RecordParser parser_;
  Record record_;
  ValidationErrors errors_;
  KeyedState<bool> seen_;  // only the seq bookkeeping
  std::mutex book_mu_;
  SummaryBook book_;
  std::vector<std::string> symbols_;  // every symbol seen, for summaries_json
  std::atomic<std::uint64_t> published_{0};
  std::atomic<std::uint64_t> invalid_{0};
};

}  // namespace tickflow
