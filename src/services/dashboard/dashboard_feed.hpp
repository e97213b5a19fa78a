// What the dashboard knows, built from the bus: per symbol the last N bars (tick records
// with their indicators and signal) and the latest order book, news and market data; the
// recent signals, alarms and notifications; the latest summary per stock; the economic
// indicators. Each record becomes a live message with a cursor (1, 2, 3, ... in arrival
// order) that a reconnecting page resumes from; the last messages are kept for that.
// The record JSON is carried as is ("data"), never re-serialised. Pure, thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tickflow {

enum class FeedSource { records, alarms, notifications, summaries };

struct FeedLimits {
  std::size_t bars_per_symbol = 500;
  std::size_t max_symbols = 1000;    // more are counted and ignored: memory stays bounded
  std::size_t recent = 500;          // signals, alarms, notifications kept
  std::size_t resume_window = 20000; // messages a reconnecting page can resume across
};

struct FeedMessage {
  std::uint64_t cursor = 0;
  std::string type;    // tick, signal, alarm, notification, summary, news, order_book, market_data, economic_indicator
  std::string symbol;  // or the indicator name
  std::string text;    // the whole message as JSON
  // Only the latest of these per (type, symbol) matters to a page that is behind.
  bool conflatable() const { return type == "tick" || type == "summary" || type == "order_book" || type == "market_data"; }
};

class DashboardFeed {
 public:
  explicit DashboardFeed(FeedLimits limits = {}, std::string epoch = "0");

  // The live messages one record becomes (none when it is not readable; a buy/sell record
  // also becomes a "signal").
  std::vector<FeedMessage> add(FeedSource source, std::string_view payload);

  // Everything a page needs to draw itself, as one {"type":"snapshot",...} message;
  // `cursor`, when given, receives the cursor the snapshot is current to.
  std::string snapshot(std::uint64_t* cursor = nullptr) const;
  std::uint64_t cursor() const;
  const std::string& epoch() const noexcept { return epoch_; }
  // The messages after `cursor`, when they are all still held.
  std::optional<std::vector<FeedMessage>> since(std::uint64_t cursor) const;

  // The REST API's bodies.
  std::string symbols_json() const;
  std::optional<std::string> history_json(std::string_view symbol, std::size_t limit) const;
  std::string signals_json(std::string_view symbol, std::string_view side) const;
  std::string alarms_json() const;
  std::string notifications_json() const;
  std::string summary_json(std::string_view symbol) const;

  std::uint64_t ignored_symbols() const;
  std::uint64_t unreadable() const;

 private:
  struct SymbolState {
    std::deque<std::string> bars;
    std::string order_book, news, market_data;
  };
  struct Recent {
    std::string symbol, side, data;
  };

  SymbolState* symbol_state(const std::string& symbol);

  FeedLimits limits_;
  std::string epoch_;
  mutable std::mutex mutex_;
  std::uint64_t cursor_ = 0;
  std::map<std::string, SymbolState, std::less<>> symbols_;
  std::map<std::string, std::string, std::less<>> economic_;
  std::map<std::string, std::string, std::less<>> summaries_;
  std::deque<Recent> signals_;
  std::deque<std::string> alarms_;
  std::deque<std::string> notifications_;
  std::deque<FeedMessage> log_;
  std::uint64_t ignored_symbols_ = 0;
  std::uint64_t unreadable_ = 0;
};

}  // namespace tickflow
