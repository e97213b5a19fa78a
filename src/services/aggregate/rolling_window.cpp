#include "src/services/aggregate/rolling_window.hpp"

#include <algorithm>
#include <cmath>

#include "src/core/json_writer.hpp"

namespace tickflow {

void RollingWindow::add_tick(double timestamp, double close, double high, double low, std::int64_t volume,
                             std::optional<Side> signal) {
  push({timestamp, close, high, low, volume, signal.value_or(Side::neutral), signal.has_value(), true});
}

void RollingWindow::add_signal(double timestamp, Side signal) { push({timestamp, 0, 0, 0, 0, signal, true, false}); }

void RollingWindow::push(const Entry& e) {
  if (!entries_.empty() && e.timestamp < latest_ - limits_.seconds) return;  // already outside
  latest_ = std::max(latest_, e.timestamp);
  // Records arrive in seq order, which is nearly always time order: one a little late
  // goes in its place, so the window stays sorted by time.
  auto at = entries_.end();
  while (at != entries_.begin() && std::prev(at)->timestamp > e.timestamp) --at;
  entries_.insert(at, e);
  while (!entries_.empty() && entries_.front().timestamp < latest_ - limits_.seconds) entries_.pop_front();
  while (entries_.size() > limits_.max_records) entries_.pop_front();
}

void RollingWindow::write(std::string& out) const {
  std::uint64_t ticks = 0, signals[3] = {0, 0, 0};
  double first = 0, last = 0, high = 0, low = 0, price_volume = 0, peak = 0, drawdown = 0;
  std::int64_t volume = 0;
  // Log returns between consecutive ticks, Welford's running variance.
  std::uint64_t returns = 0;
  double mean = 0, m2 = 0;
  for (const Entry& e : entries_) {
    if (e.has_signal) ++signals[static_cast<int>(e.signal)];
    if (!e.is_tick) continue;
    if (ticks == 0) {
      first = peak = e.close;
      high = e.high;
      low = e.low;
    } else {
      double r = std::log(e.close / last);
      ++returns;
      double delta = r - mean;
      mean += delta / static_cast<double>(returns);
      m2 += delta * (r - mean);
    }
    ++ticks;
    last = e.close;
    high = std::max(high, e.high);
    low = std::min(low, e.low);
    volume += e.volume;
    price_volume += e.close * static_cast<double>(e.volume);
    peak = std::max(peak, e.close);
    drawdown = std::max(drawdown, (peak - e.close) / peak * 100.0);
  }
  auto number_or_null = [&](std::string_view key, bool known, double v) {
    out += ",\"";
    out += key;
    out += "\":";
    if (known) json::append_number(out, v); else out += "null";
  };
  out += "\"window\":{\"seconds\":";
  json::append_number(out, limits_.seconds);
  number_or_null("from_ts", !entries_.empty(), entries_.empty() ? 0 : entries_.front().timestamp);
  number_or_null("to_ts", !entries_.empty(), latest_);
  out += ",\"ticks\":";
  json::append_number(out, ticks);
  number_or_null("first", ticks > 0, first);
  number_or_null("last", ticks > 0, last);
  number_or_null("high", ticks > 0, high);
  number_or_null("low", ticks > 0, low);
  number_or_null("change_pct", ticks > 0, ticks > 0 ? (last - first) / first * 100.0 : 0);
  out += ",\"volume\":";
  json::append_number(out, volume);
  number_or_null("vwap", volume > 0, volume > 0 ? price_volume / static_cast<double>(volume) : 0);
  number_or_null("volatility", returns > 1, returns > 1 ? std::sqrt(m2 / static_cast<double>(returns - 1)) : 0);
  number_or_null("max_drawdown_pct", ticks > 0, drawdown);
  out += ",\"signals\":{\"buy\":";
  json::append_number(out, signals[static_cast<int>(Side::buy)]);
  out += ",\"sell\":";
  json::append_number(out, signals[static_cast<int>(Side::sell)]);
  out += ",\"neutral\":";
  json::append_number(out, signals[static_cast<int>(Side::neutral)]);
  out += "}}";
}

}  // namespace tickflow
