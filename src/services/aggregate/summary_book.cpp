#include "src/services/aggregate/summary_book.hpp"

#include <algorithm>
#include <cmath>

#include "src/core/json_writer.hpp"

namespace tickflow {

void SummaryBook::add(const Record& r) {
  if (r.symbol.empty()) return;  // economic indicators have no stock
  auto it = stocks_.find(r.symbol.view());
  if (it == stocks_.end()) {
    StockSummary fresh;
    fresh.window = RollingWindow(window_);
    it = stocks_.emplace(std::string(r.symbol.view()), std::move(fresh)).first;
  }
  StockSummary& s = it->second;
  if (!s.changed) {
    s.changed = true;
    changed_.push_back(it->first);
  }
  s.updated_ts = std::max(s.updated_ts, r.timestamp);
  if (r.signal) ++s.signals[static_cast<int>(r.signal->signal)];
  const auto* tick = std::get_if<StockTick>(&r.body);
  if (tick == nullptr) {
    if (r.signal) s.window.add_signal(r.timestamp, r.signal->signal);
    return;
  }
  s.window.add_tick(r.timestamp, tick->closing_price, tick->high, tick->low, tick->volume,
                    r.signal ? std::optional<Side>(r.signal->signal) : std::nullopt);

  double close = tick->closing_price;
  if (s.ticks == 0) {
    s.first = s.high = s.low = s.peak = close;
  } else {
    double ret = std::log(close / s.last);
    ++s.returns;
    double delta = ret - s.mean_return;
    s.mean_return += delta / static_cast<double>(s.returns);
    s.m2 += delta * (ret - s.mean_return);
  }
  ++s.ticks;
  s.last = close;
  s.high = std::max(s.high, tick->high);
  s.low = std::min(s.low, tick->low);
  s.volume += tick->volume;
  s.price_volume += close * static_cast<double>(tick->volume);
  s.peak = std::max(s.peak, close);
  s.max_drawdown_pct = std::max(s.max_drawdown_pct, (s.peak - close) / s.peak * 100.0);

  // Forward windows: each open signal ages by one tick; a closed one is scored.
  for (auto& p : s.pending) --p.ticks_left;
  while (!s.pending.empty() && s.pending.front().ticks_left <= 0) {
    const auto& p = s.pending.front();
    double ret_pct = (close - p.price) / p.price * 100.0;
    SidePerformance& perf = p.side == Side::buy ? s.buy : s.sell;
    ++perf.count;
    perf.sum_return_pct += ret_pct;
    if ((p.side == Side::buy && ret_pct > 0) || (p.side == Side::sell && ret_pct < 0)) ++perf.hits;
    s.pending.pop_front();
  }
  if (r.signal && r.signal->signal != Side::neutral) s.pending.push_back({r.signal->signal, close, forward_ticks_});
}

std::vector<std::string> SummaryBook::take_changed() {
  std::vector<std::string> out;
  out.swap(changed_);
  for (const auto& symbol : out) stocks_.find(symbol)->second.changed = false;
  return out;
}

const StockSummary* SummaryBook::find(std::string_view symbol) const {
  auto it = stocks_.find(symbol);
  return it == stocks_.end() ? nullptr : &it->second;
}

bool SummaryBook::write(std::string_view symbol, std::string& out) const {
  const StockSummary* s = find(symbol);
  if (s == nullptr) return false;
  auto num = [&](std::string_view key, double v) { json::append_number_field(out, key, v); };
  auto perf = [&](std::string_view key, const SidePerformance& p) {
    out += '"';
    out += key;
    out += "\":{\"count\":";
    json::append_number(out, p.count);
    out += ",\"mean_fwd_return_pct\":";
    if (p.count) json::append_number(out, p.sum_return_pct / static_cast<double>(p.count)); else out += "null";
    out += ",\"hit_rate\":";
    if (p.count) json::append_number(out, static_cast<double>(p.hits) / static_cast<double>(p.count)); else out += "null";
    out += '}';
  };
  out += "{\"stock_symbol\":";
  json::append_string(out, symbol);
  out += ",\"ticks\":";
  json::append_number(out, s->ticks);
  if (s->ticks > 0) {
    num("first", s->first);
    num("last", s->last);
    num("high", s->high);
    num("low", s->low);
    num("change_pct", (s->last - s->first) / s->first * 100.0);
    out += ",\"volume\":";
    json::append_number(out, s->volume);
    out += ",\"vwap\":";
    if (s->volume > 0) json::append_number(out, s->price_volume / static_cast<double>(s->volume)); else out += "null";
    out += ",\"volatility\":";
    if (s->returns > 1) json::append_number(out, std::sqrt(s->m2 / static_cast<double>(s->returns - 1))); else out += "null";
    num("max_drawdown_pct", s->max_drawdown_pct);
  }
  out += ",\"signals\":{\"buy\":";
  json::append_number(out, s->signals[1]);
  out += ",\"sell\":";
  json::append_number(out, s->signals[2]);
  out += ",\"neutral\":";
  json::append_number(out, s->signals[0]);
  out += "},\"signal_perf\":{";
  perf("buy", s->buy);
  out += ',';
  perf("sell", s->sell);
  out += "},";
  s->window.write(out);
  num("updated_ts", s->updated_ts);
  out += '}';
  return true;
}

}  // namespace tickflow
