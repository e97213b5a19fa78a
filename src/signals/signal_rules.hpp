// Thresholds and switches of the signal rules (config [signals]); defaults as docs/pipeline.md says.
#pragma once

#include <string>

namespace tickflow {

struct SignalRules {
  // Stock ticks: RSI levels and the EMA/MA crossover; both agreeing makes a strong signal.
  bool rsi_enabled = true;
  double rsi_buy_below = 30;   // RSI ≤ this → buy
  double rsi_sell_above = 70;  // RSI ≥ this → sell
  int rsi_period = 14;         // a flat run this long makes RSI meaningless (TA-Lib says 0)
  bool crossover_enabled = true;

  // News: sentiment_score × importance, importance = sentiment_magnitude × news_type weight.
  bool news_enabled = true;
  double news_threshold = 0.4;

  // Order book: an order whose price × quantity reaches this is a signal in its direction.
  bool orders_enabled = true;
  double large_order_notional = 75000;

  // Market data: price/earnings below / above these.
  bool valuation_enabled = true;
  double pe_buy_below = 8;
  double pe_sell_above = 28;

  // Economic indicators: the one named here, at or above / at or below these (a rule that
  // reads every indicator alike would call high unemployment a buy).
  bool macro_enabled = true;
  std::string macro_indicator = "GDP Growth Rate";
  double macro_buy_above = 3;
  double macro_sell_below = -3;

  // An alarm fires when a key enters buy or sell, at most once per this many seconds of
  // record time per key and source.
  double alarm_cooldown_seconds = 60;
};

}  // namespace tickflow
