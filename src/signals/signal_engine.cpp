#include "src/signals/signal_engine.hpp"

#include <algorithm>
#include <array>
#include <iterator>
#include <cmath>
#include <string_view>

#include <fmt/format.h>

#include "src/core/json_writer.hpp"

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

// What one rule concluded for a tick; its text is composed into the reason at the end,
// straight into the record's string (the common path formats no temporaries).
struct RuleVote {
  enum class Says { nothing, value, flat, crossed } says = Says::nothing;
  Side side = Side::neutral;
  double strength = 0;

  bool fired() const { return side != Side::neutral; }
};

// The end of a tick's reason that says where the EMA stands (at most 16 bytes).
std::string_view ema_position(double spread) {
  return spread > 0 ? "; EMA above MA" : spread < 0 ? "; EMA below MA" : "; EMA equals MA";
}

}  // namespace

SignalEngine::SignalEngine(SignalRules rules)
    : rules_(rules),
      rsi_buy_text_(fmt::format(" ≤ {:g}", rules.rsi_buy_below)),
      rsi_sell_text_(fmt::format(" ≥ {:g}", rules.rsi_sell_above)) {}

void SignalEngine::set_rules(const SignalRules& rules) {
  rules_ = rules;
  rsi_buy_text_ = fmt::format(" ≤ {:g}", rules.rsi_buy_below);
  rsi_sell_text_ = fmt::format(" ≥ {:g}", rules.rsi_sell_above);
}

void SignalEngine::evaluate_tick(const StockTick& tick, const Indicators& ind, SignalState& state,
                                 SignalResult& out) {
  if (state.has_close && tick.closing_price == state.last_close) {
    ++state.unchanged_closes;
  } else {
    state.unchanged_closes = 0;
  }
  state.has_close = true;
  state.last_close = tick.closing_price;

  RuleVote rsi_vote;
  const double rsi = ind.rsi.value_or(0);
  if (rules_.rsi_enabled && ind.rsi) {
    rsi_vote.says = RuleVote::Says::value;
    if (state.unchanged_closes >= rules_.rsi_period) {
      // TA-Lib's RSI is 0 over a window without movement; that is no reason to buy.
      rsi_vote.says = RuleVote::Says::flat;
    } else if (rsi <= rules_.rsi_buy_below) {
      rsi_vote.side = Side::buy;
      rsi_vote.strength = 0.5 + 0.5 * std::min(1.0, (rules_.rsi_buy_below - rsi) / std::max(rules_.rsi_buy_below, 1e-9));
    } else if (rsi >= rules_.rsi_sell_above) {
      rsi_vote.side = Side::sell;
      rsi_vote.strength = 0.5 + 0.5 * std::min(1.0, (rsi - rules_.rsi_sell_above) / std::max(100 - rules_.rsi_sell_above, 1e-9));
    }
  }

  RuleVote cross_vote;
  std::optional<double> spread;
  if (ind.ema && ind.ma) spread = *ind.ema - *ind.ma;
  if (rules_.crossover_enabled && spread && state.spread) {
    if (*state.spread <= 0 && *spread > 0) {
      cross_vote = {RuleVote::Says::crossed, Side::buy, 0.5};
    } else if (*state.spread >= 0 && *spread < 0) {
      cross_vote = {RuleVote::Says::crossed, Side::sell, 0.5};
    }
  }
  state.spread = spread;

  std::string& reason = out.reason;
  // "RSI 27.4 ≤ 30": at most 4 + 20 (write_fixed) + 18 (" ≤ " and a {:g} threshold) bytes.
  // Only where json::fits_fixed(rsi, 1) (a processed record made outside tickflow may
  // carry any RSI). Inlined: the common path below uses it, where a call cost ~5 ns a tick.
  constexpr std::size_t rsi_text_chars = 64;
  auto write_rsi = [&](char* at) __attribute__((always_inline)) {
    at = json::write_fixed(json::write_raw(at, "RSI "), rsi, 1);
    if (rsi_vote.side == Side::buy) at = json::write_raw(at, rsi_buy_text_);
    if (rsi_vote.side == Side::sell) at = json::write_raw(at, rsi_sell_text_);
    return at;
  };
  auto say_rsi = [&] {
    if (rsi_vote.says == RuleVote::Says::flat) {
      fmt::format_to(std::back_inserter(reason), "RSI undefined: price unchanged for {} ticks", state.unchanged_closes);
    } else if (json::fits_fixed(rsi, 1)) {
      char text[rsi_text_chars];
      reason.append(text, write_rsi(text));
    } else {
      reason += "RSI ";
      json::append_fixed(reason, rsi, 1);
      if (rsi_vote.side == Side::buy) reason += rsi_buy_text_;
      if (rsi_vote.side == Side::sell) reason += rsi_sell_text_;
    }
  };
  auto say_cross = [&] {
    const bool above = cross_vote.side == Side::buy;
    reason += above ? "EMA crossed above MA (" : "EMA crossed below MA (";
    json::append_general(reason, *ind.ema, 6);
    reason += above ? " > " : " < ";
    json::append_general(reason, *ind.ma, 6);
    reason += ')';
  };

  reason.clear();
  out.strength = 0;
  out.signal = Side::neutral;
  if (rsi_vote.fired() && cross_vote.fired()) {
    if (rsi_vote.side == cross_vote.side) {
      out.signal = rsi_vote.side;
      out.strength = 1.0;
      reason += "strong: ";
      say_rsi();
      reason += "; ";
      say_cross();
    } else {
      reason += "conflicting: ";
      say_rsi();
      fmt::format_to(std::back_inserter(reason), " ({}) but ", to_string(rsi_vote.side));
      say_cross();
      fmt::format_to(std::back_inserter(reason), " ({})", to_string(cross_vote.side));
    }
    return;
  }
  // The reasons nearly every tick gets — the RSI's value, or its rule firing, then where
  // the EMA stands — are put together in a buffer and stored with one assign: appending
  // piece by piece to the string (a capacity check and a call each) cost ~10 ns a tick.
  if (rsi_vote.says == RuleVote::Says::value && json::fits_fixed(rsi, 1) && !cross_vote.fired()) {
    char text[rsi_text_chars + 16];
    char* at = write_rsi(text);
    if (rsi_vote.fired()) {
      out.signal = rsi_vote.side;
      out.strength = rsi_vote.strength;
    } else if (spread) {
      at = json::write_raw(at, ema_position(*spread));
    }
    reason.assign(text, at);
    return;
  }
  if (rsi_vote.fired()) {
    out.signal = rsi_vote.side;
    out.strength = rsi_vote.strength;
    say_rsi();
    return;
  }
  if (cross_vote.fired()) {
    out.signal = cross_vote.side;
    out.strength = cross_vote.strength;
    say_cross();
    return;
  }
  if (!ind.rsi && !spread) {
    reason = "indicators warming up";
    return;
  }
  if (rsi_vote.says != RuleVote::Says::nothing) {
    say_rsi();
  } else {
    reason += "no rule fired";
  }
  if (spread) reason += ema_position(*spread);
}

bool SignalEngine::evaluate(Record& record, SignalState& state, Alarm& alarm) {
  // Reuses the record's result (and its reason's buffer) when it has one: every field is set below.
  SignalResult& result = record.signal ? *record.signal : record.signal.emplace();
  AlarmGate* gate = nullptr;
  std::string_view source;
  double price = 0;

  switch (record.type) {
    case DataType::stock: {
      const auto& tick = std::get<StockTick>(record.body);
      static const Indicators none;  // (not value_or: a copy, read back over bytes just stored)
      evaluate_tick(tick, record.indicators ? *record.indicators : none, state, result);
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
      } else if (e.indicator_name != rules_.macro_indicator) {
        result = {Side::neutral, fmt::format("{} {:.2f} (no rule for it)", e.indicator_name, e.value), 0};
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

  if (!gate->admit(result.signal, record.timestamp, rules_.alarm_cooldown_seconds)) return false;
  alarm.alarm_id.clear();
  alarm.alarm_id += record.partition_key();
  alarm.alarm_id += ':';
  json::append_number(alarm.alarm_id, record.seq.value_or(0));
  alarm.alarm_id += ':';
  alarm.alarm_id += source;
  alarm.stock_symbol.assign(record.partition_key());
  alarm.signal = result.signal;
  alarm.reason.assign(result.reason);
  alarm.price = price;
  alarm.rsi = alarm.ema = alarm.ma = std::nullopt;
  if (record.indicators) {
    alarm.rsi = record.indicators->rsi;
    alarm.ema = record.indicators->ema;
    alarm.ma = record.indicators->ma;
  }
  alarm.timestamp = record.timestamp;
  alarm.source.assign(source);
  return true;
}

}  // namespace tickflow
