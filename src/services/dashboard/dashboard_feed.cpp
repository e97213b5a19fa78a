#include "src/services/dashboard/dashboard_feed.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include "src/core/json_writer.hpp"

namespace tickflow {

namespace {

struct Fields {
  std::string_view data_type, symbol, signal;
};

bool read_fields(std::string_view payload, Fields& f) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(payload.data(), payload.size()).get(doc) || !doc.is_object()) return false;
  // Each is optional here; absent or not a string leaves it empty.
  if (doc["data_type"].get_string().get(f.data_type)) f.data_type = {};
  if (doc["stock_symbol"].get_string().get(f.symbol) && doc["indicator_name"].get_string().get(f.symbol)) f.symbol = {};
  if (doc["signal"].get_string().get(f.signal)) f.signal = {};
  return true;
}

std::string_view message_type(FeedSource source, std::string_view data_type) {
  switch (source) {
    case FeedSource::alarms: return "alarm";
    case FeedSource::notifications: return "notification";
    case FeedSource::summaries: return "summary";
    case FeedSource::records: break;
  }
  if (data_type == "order_book") return "order_book";
  if (data_type == "news_sentiment") return "news";
  if (data_type == "market_data") return "market_data";
  if (data_type == "economic_indicator") return "economic_indicator";
  return "tick";
}

FeedMessage make_message(std::uint64_t cursor, std::string_view type, std::string_view symbol, std::string_view data) {
  FeedMessage m;
  m.cursor = cursor;
  m.type = type;
  m.symbol = symbol;
  m.text.reserve(data.size() + symbol.size() + 64);
  m.text += "{\"type\":\"";
  m.text += type;
  m.text += "\",\"cursor\":";
  json::append_number(m.text, cursor);
  json::append_string_field(m.text, "symbol", symbol);
  m.text += ",\"data\":";
  m.text += data;
  m.text += '}';
  return m;
}

template <typename T>
void keep_last(std::deque<T>& list, std::size_t limit) {
  while (list.size() > limit) list.pop_front();
}

void append_list(std::string& out, std::string_view key, const std::deque<std::string>& items) {
  json::append_key(out, key);
  out += '[';
  bool first = true;
  for (const auto& item : items) {
    if (!first) out += ',';
    first = false;
    out += item;
  }
  out += ']';
}

}  // namespace

DashboardFeed::DashboardFeed(FeedLimits limits, std::string epoch) : limits_(limits), epoch_(std::move(epoch)) {}

DashboardFeed::SymbolState* DashboardFeed::symbol_state(const std::string& symbol) {
  auto it = symbols_.find(symbol);
  if (it != symbols_.end()) return &it->second;
  if (symbols_.size() >= limits_.max_symbols) {
    ++ignored_symbols_;
    return nullptr;
  }
  return &symbols_[symbol];
}

std::vector<FeedMessage> DashboardFeed::add(FeedSource source, std::string_view payload) {
  std::vector<FeedMessage> out;
  Fields f;
  if (!read_fields(payload, f) || f.symbol.empty()) {
    std::lock_guard lock(mutex_);
    ++unreadable_;
    return out;
  }
  const std::string_view type = message_type(source, f.data_type);
  const std::string symbol(f.symbol);
  const bool buy_or_sell = source == FeedSource::records && (f.signal == "buy" || f.signal == "sell");

  std::lock_guard lock(mutex_);
  if (type == "tick" || type == "order_book" || type == "news" || type == "market_data") {
    SymbolState* state = symbol_state(symbol);
    if (state == nullptr) return out;
    if (type == "tick") {
      state->bars.emplace_back(payload);
      keep_last(state->bars, limits_.bars_per_symbol);
    } else {
      (type == "order_book" ? state->order_book : type == "news" ? state->news : state->market_data) = payload;
    }
  } else if (type == "economic_indicator") {
    economic_[symbol] = payload;
  } else if (type == "alarm") {
    alarms_.emplace_back(payload);
    keep_last(alarms_, limits_.recent);
  } else if (type == "notification") {
    notifications_.emplace_back(payload);
    keep_last(notifications_, limits_.recent);
  } else if (type == "summary") {
    if (summaries_.size() < limits_.max_symbols || summaries_.count(symbol)) summaries_[symbol] = payload;
  }
  out.push_back(make_message(++cursor_, type, symbol, payload));
  if (buy_or_sell) {
    signals_.push_back({symbol, std::string(f.signal), std::string(payload)});
    keep_last(signals_, limits_.recent);
    out.push_back(make_message(++cursor_, "signal", symbol, payload));
  }
  for (const auto& m : out) log_.push_back(m);
  keep_last(log_, limits_.resume_window);
  return out;
}

std::uint64_t DashboardFeed::cursor() const {
  std::lock_guard lock(mutex_);
  return cursor_;
}

std::string DashboardFeed::snapshot(std::uint64_t* cursor) const {
  std::lock_guard lock(mutex_);
  if (cursor) *cursor = cursor_;
  std::string out = "{\"type\":\"snapshot\"";
  json::append_string_field(out, "epoch", epoch_);
  out += ",\"cursor\":";
  json::append_number(out, cursor_);
  out += ",\"symbols\":{";
  bool first = true;
  for (const auto& [symbol, state] : symbols_) {
    if (!first) out += ',';
    first = false;
    json::append_string(out, symbol);
    out += ":{";
    append_list(out, "bars", state.bars);
    for (auto [key, value] : {std::pair<std::string_view, const std::string*>{"order_book", &state.order_book},
                              {"news", &state.news},
                              {"market_data", &state.market_data}}) {
      out += ',';
      json::append_key(out, key);
      out += value->empty() ? std::string_view("null") : std::string_view(*value);
    }
    out += '}';
  }
  out += "},\"signals\":[";
  for (std::size_t i = 0; i < signals_.size(); ++i) {
    if (i) out += ',';
    out += signals_[i].data;
  }
  out += "],";
  append_list(out, "alarms", alarms_);
  out += ',';
  append_list(out, "notifications", notifications_);
  out += ",\"summaries\":[";
  first = true;
  for (const auto& [symbol, s] : summaries_) {
    if (!first) out += ',';
    first = false;
    out += s;
  }
  out += "],\"economic\":[";
  first = true;
  for (const auto& [name, e] : economic_) {
    if (!first) out += ',';
    first = false;
    out += e;
  }
  out += "]}";
  return out;
}

std::optional<std::vector<FeedMessage>> DashboardFeed::since(std::uint64_t cursor) const {
  std::lock_guard lock(mutex_);
  if (cursor > cursor_) return std::nullopt;  // a cursor from another life of the feed
  std::vector<FeedMessage> out;
  if (cursor == cursor_) return out;
  if (log_.empty() || log_.front().cursor > cursor + 1) return std::nullopt;
  for (const auto& m : log_) {
    if (m.cursor > cursor) out.push_back(m);
  }
  return out;
}

std::string DashboardFeed::symbols_json() const {
  std::lock_guard lock(mutex_);
  std::string out = "{\"symbols\":[";
  bool first = true;
  for (const auto& [symbol, state] : symbols_) {
    if (!first) out += ',';
    first = false;
    json::append_string(out, symbol);
  }
  return out + "]}";
}

std::optional<std::string> DashboardFeed::history_json(std::string_view symbol, std::size_t limit) const {
  std::lock_guard lock(mutex_);
  auto it = symbols_.find(symbol);
  if (it == symbols_.end()) return std::nullopt;
  const auto& bars = it->second.bars;
  std::string out = "{\"symbol\":";
  json::append_string(out, symbol);
  out += ",\"bars\":[";
  std::size_t start = bars.size() > limit ? bars.size() - limit : 0;
  for (std::size_t i = start; i < bars.size(); ++i) {
    if (i > start) out += ',';
    out += bars[i];
  }
  return out + "]}";
}

std::string DashboardFeed::signals_json(std::string_view symbol, std::string_view side) const {
  std::lock_guard lock(mutex_);
  std::string out = "{\"signals\":[";
  bool first = true;
  for (const auto& s : signals_) {
    if ((!symbol.empty() && s.symbol != symbol) || (!side.empty() && s.side != side)) continue;
    if (!first) out += ',';
    first = false;
    out += s.data;
  }
  return out + "]}";
}

std::string DashboardFeed::alarms_json() const {
  std::lock_guard lock(mutex_);
  std::string out = "{";
  append_list(out, "alarms", alarms_);
  return out + "}";
}

std::string DashboardFeed::notifications_json() const {
  std::lock_guard lock(mutex_);
  std::string out = "{";
  append_list(out, "notifications", notifications_);
  return out + "}";
}

std::string DashboardFeed::summary_json(std::string_view symbol) const {
  std::lock_guard lock(mutex_);
  std::string out = "{\"summaries\":[";
  bool first = true;
  for (const auto& [name, s] : summaries_) {
    if (!symbol.empty() && name != symbol) continue;
    if (!first) out += ',';
    first = false;
    out += s;
  }
  return out + "]}";
}

std::uint64_t DashboardFeed::ignored_symbols() const {
  std::lock_guard lock(mutex_);
  return ignored_symbols_;
}

std::uint64_t DashboardFeed::unreadable() const {
  std::lock_guard lock(mutex_);
  return unreadable_;
}

}  // namespace tickflow
