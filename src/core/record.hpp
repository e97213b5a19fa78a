// The message model: one validated input record of any data_type (docs/schema.md), plus the
// fields later stages add. Owned by value; reused across records to avoid allocation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "src/core/data_type.hpp"
#include "src/core/side.hpp"
#include "src/core/symbol.hpp"

namespace tickflow {

struct StockTick {  // one OHLCV bar
  double opening_price = 0;
  double closing_price = 0;
  double high = 0;
  double low = 0;
  std::int64_t volume = 0;
};

struct OrderBookEntry {
  Side order_type = Side::buy;  // buy or sell, never neutral
  double price = 0;
  double quantity = 0;
};

struct NewsSentiment {
  double sentiment_score = 0;      // -1..1
  double sentiment_magnitude = 0;  // 0..1
  std::optional<std::string> headline;
  std::optional<std::string> news_type;
};

struct MarketData {
  double market_cap = 0;
  double pe_ratio = 0;
};

struct EconomicIndicator {
  std::string indicator_name;
  double value = 0;
};

using RecordBody = std::variant<StockTick, OrderBookEntry, NewsSentiment, MarketData, EconomicIndicator>;

// Fields assigned by tickflow's stages; absent on raw input.
struct Indicators {
  std::optional<double> ma;
  std::optional<double> ema;
  std::optional<double> rsi;
};

struct SignalResult {
  Side signal = Side::neutral;
  std::string reason;
  double strength = 0;  // 0..1
};

struct Record {
  DataType type = DataType::stock;
  Symbol symbol;  // empty for economic indicators
  double timestamp = 0;
  RecordBody body;
  // Members the schema does not name, kept verbatim as `"key":value,"key":value`
  // (already valid JSON, no surrounding braces) so they pass through every stage.
  std::string extras;

  // Set by the parser. When the input object's own text can stand for its fields in the
  // output (nothing in it needed normalising, such as a lower-case symbol), writers copy
  // that text and append the pipeline fields instead of formatting every number again.
  bool raw_reusable = false;
  bool data_type_given = false;  // the input named its data_type

  // Pipeline fields (docs/schema.md "Added by ingest / process / signal").
  std::optional<std::uint64_t> seq;
  std::optional<double> ingest_ts;
  std::optional<Indicators> indicators;  // stock ticks after process
  std::optional<SignalResult> signal;     // every record after signal

  // The key records are partitioned and sequenced by: the symbol, or for records
  // without one (economic indicators) the indicator name.
  std::string_view partition_key() const noexcept {
    if (const auto* e = std::get_if<EconomicIndicator>(&body)) return e->indicator_name;
    return symbol.view();
  }
};

}  // namespace tickflow
