#include "src/signals/signal_engine.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace tickflow {

namespace {

// How much a kind of news moves a price, relative to an ordinary story.
double news_type_weight(const std::optional<std::string>& type) {
  if (!type) return 1.0;
  const std::string& t = *type;
  if (t == "earnings" || t == "merger" || t == "acquisition") return 1.5;
  if (t == "regulatory" || t == "guidance") return 1.25;
  if (t == "rumor" || t == "opinion") return 0.5;
  return 1.0;
}

struct RuleVote {
  Side side = Side::neutral;
  double strength = 0;
  std::string text;
};

}  // namespace

SignalEngine::KeyState& SignalEngine::state_for(std::string_view key) {
  auto it = states_.find(key);
  if (it == states_.end()) it = states_.emplace(std::string(key), KeyState{}).first;
  return it->second;
}

void SignalEngine::evaluate_tick(const StockTick& tick, const Indicators& ind, KeyState& state,
                                 SignalResult& out) {
  if (state.has_close && tick.closing_price == state.last_close) {
    ++state.unchanged_closes;
  } else {
    state.unchanged_closes = 0;
  }
  state.has_close = true;
  state.last_close = tick.closing_price;

  RuleVote rsi_vote;
  if (rules_.rsi_enabled && ind.rsi) {
    double rsi = *ind.rsi;
    if (state.unchanged_closes >= rules_.rsi_period) {
      rsi_vote.text = fmt::format("RSI undefined: price unchanged for {} ticks", state.unchanged_closes);
    } else if (rsi <= rules_.rsi_buy_below) {
      rsi_vote = {Side::buy, 0.5 + 0.5 * std::min(1.0, (rules_.rsi_buy_below - rsi) / std::max(rules_.rsi_buy_below, 1e-9)),
                  fmt::format("RSI {:.1f} ≤ {:g}", rsi, rules_.rsi_buy_below)};
    } else if (rsi >= rules_.rsi_sell_above) {
      rsi_vote = {Side::sell, 0.5 + 0.5 * std::min(1.0, (rsi - rules_.rsi_sell_above) / std::max(100 - rules_.rsi_sell_above, 1e-9)),
                  fmt::format("RSI {:.1f} ≥ {:g}", rsi, rules_.rsi_sell_above)};
    } else {
      rsi_vote.text = fmt::format("RSI {:.1f}", rsi);
    }
  }

  RuleVote cross_vote;
  std::optional<double> spread;
  if (ind.ema && ind.ma) spread = *ind.ema - *ind.ma;
  if (rules_.crossover_enabled && spread && state.spread) {
    if (*state.spread <= 0 && *spread > 0) {
      cross_vote = {Side::buy, 0.5, fmt::format("EMA crossed above MA ({:.6g} > {:.6g})", *ind.ema, *ind.ma)};
    } else if (*state.spread >= 0 && *spread < 0) {
      cross_vote = {Side::sell, 0.5, fmt::format("EMA crossed below MA ({:.6g} < {:.6g})", *ind.ema, *ind.ma)};
    }
  }
  state.spread = spread;

  const bool rsi_fired = rsi_vote.side != Side::neutral;
  const bool cross_fired = cross_vote.side != Side::neutral;
  if (rsi_fired && cross_fired) {
    if (rsi_vote.side == cross_vote.side) {
      out = {rsi_vote.side, fmt::format("strong: {}; {}", rsi_vote.text, cross_vote.text), 1.0};
    } else {
      out = {Side::neutral, fmt::format("conflicting: {} ({}) but {} ({})", rsi_vote.text,
                                        to_string(rsi_vote.side), cross_vote.text, to_string(cross_vote.side)),
             0.0};
    }
  } else if (rsi_fired) {
    out = {rsi_vote.side, std::move(rsi_vote.text), rsi_vote.strength};
  } else if (cross_fired) {
    out = {cross_vote.side, std::move(cross_vote.text), cross_vote.strength};
  } else if (!ind.rsi && !spread) {
    out = {Side::neutral, "indicators warming up", 0.0};
  } else {
    std::string why = rsi_vote.text.empty() ? std::string("no rule fired") : rsi_vote.text;
    if (spread) why += *spread > 0 ? "; EMA above MA" : *spread < 0 ? "; EMA below MA" : "; EMA equals MA";
    out = {Side::neutral, std::move(why), 0.0};
  }
}

std::optional<Alarm> SignalEngine::evaluate(Record& record) {
  KeyState& state = state_for(record.partition_key());
  SignalResult result;
  AlarmGate* gate = nullptr;
  std::string_view source;
  double price = 0;

  switch (record.type) {
    case DataType::stock: {
      const auto& tick = std::get<StockTick>(record.body);
      evaluate_tick(tick, record.indicators.value_or(Indicators{}), state, result);
      gate = &state.indicators;
      source = "indicators";
      price = tick.closing_price;
      break;
    }
    case DataType::news_sentiment: {
      const auto& news = std::get<NewsSentiment>(record.body);
      double score = news.sentiment_score * news.sentiment_magnitude * news_type_weight(news.news_type);
      if (!rules_.news_enabled) {
        result = {Side::neutral, "news rule off", 0};
      } else if (score >= rules_.news_threshold) {
        result = {Side::buy, fmt::format("news sentiment {:.2f} ≥ {:g}", score, rules_.news_threshold), std::min(1.0, score)};
      } else if (score <= -rules_.news_threshold) {
        result = {Side::sell, fmt::format("news sentiment {:.2f} ≤ -{:g}", score, rules_.news_threshold), std::min(1.0, -score)};
      } else {
        result = {Side::neutral, fmt::format("news sentiment {:.2f} within ±{:g}", score, rules_.news_threshold), 0};
      }
      gate = &state.news;
      source = "news";
      break;
    }
    case DataType::order_book: {
      const auto& order = std::get<OrderBookEntry>(record.body);
      double notional = order.price * order.quantity;
      if (rules_.orders_enabled && notional >= rules_.large_order_notional) {
        result = {order.order_type,
                  fmt::format("large {} order: {:.0f} notional ≥ {:g}", to_string(order.order_type), notional,
                              rules_.large_order_notional),
                  std::min(1.0, 0.5 * notional / rules_.large_order_notional)};
      } else {
        result = {Side::neutral, rules_.orders_enabled ? fmt::format("order notional {:.0f} below {:g}", notional, rules_.large_order_notional)
                                                       : std::string("order rule off"), 0};
      }
      gate = &state.orders;
      source = "orders";
      price = order.price;
      break;
    }
    case DataType::market_data: {
      const auto& m = std::get<MarketData>(record.body);
      if (!rules_.valuation_enabled) {
        result = {Side::neutral, "valuation rule off", 0};
      } else if (m.pe_ratio > 0 && m.pe_ratio <= rules_.pe_buy_below) {
        result = {Side::buy, fmt::format("P/E {:.1f} ≤ {:g}", m.pe_ratio, rules_.pe_buy_below), 0.5};
      } else if (m.pe_ratio >= rules_.pe_sell_above) {
        result = {Side::sell, fmt::format("P/E {:.1f} ≥ {:g}", m.pe_ratio, rules_.pe_sell_above), 0.5};
      } else {
        result = {Side::neutral, fmt::format("P/E {:.1f}", m.pe_ratio), 0};
      }
      gate = &state.valuation;
      source = "valuation";
      break;
    }
    case DataType::economic_indicator: {
      const auto& e = std::get<EconomicIndicator>(record.body);
      if (!rules_.macro_enabled) {
        result = {Side::neutral, "macro rule off", 0};
      } else if (e.value >= rules_.macro_buy_above) {
        result = {Side::buy, fmt::format("{} {:.2f} ≥ {:g}", e.indicator_name, e.value, rules_.macro_buy_above), 0.5};
      } else if (e.value <= rules_.macro_sell_below) {
        result = {Side::sell, fmt::format("{} {:.2f} ≤ {:g}", e.indicator_name, e.value, rules_.macro_sell_below), 0.5};
      } else {
        result = {Side::neutral, fmt::format("{} {:.2f}", e.indicator_name, e.value), 0};
      }
      gate = &state.macro;
      source = "macro";
      price = e.value;
      break;
    }
  }

  std::optional<Alarm> alarm;
  if (gate->admit(result.signal, record.timestamp, rules_.alarm_cooldown_seconds)) {
    Alarm a;
    a.alarm_id = fmt::format("{}:{}:{}", record.partition_key(), record.seq.value_or(0), source);
    a.stock_symbol = std::string(record.partition_key());
    a.signal = result.signal;
    a.reason = result.reason;
    a.price = price;
    if (record.indicators) {
      a.rsi = record.indicators->rsi;
      a.ema = record.indicators->ema;
      a.ma = record.indicators->ma;
    }
    a.timestamp = record.timestamp;
    a.source = std::string(source);
    alarm = std::move(a);
  }
  record.signal = std::move(result);
  return alarm;
}

}  // namespace tickflow
